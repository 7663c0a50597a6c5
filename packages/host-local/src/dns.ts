import { readFileSync } from 'node:fs';

export interface DNS {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

/**
 * Parses resolv.conf text the way upstream's host-local does: trimmed lines, `#`/`;` comments,
 * `nameserver` (first argument, appended), `domain` (last one wins), `search` and `options`
 * (all arguments, appended). Anything else is ignored.
 */
export function parseResolvConf(text: string): DNS {
  const dns: DNS = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line[0] === '#' || line[0] === ';') continue;
    const fields = line.split(/\s+/);
    if (fields.length < 2) continue;
    const [key, ...rest] = fields as [string, ...string[]];
    switch (key) {
      case 'nameserver':
        (dns.nameservers ??= []).push(rest[0] as string);
        break;
      case 'domain':
        dns.domain = rest[0] as string;
        break;
      case 'search':
        (dns.search ??= []).push(...rest);
        break;
      case 'options':
        (dns.options ??= []).push(...rest);
        break;
    }
  }
  return dns;
}

export function readResolvConf(path: string): DNS {
  return parseResolvConf(readFileSync(path, 'utf8'));
}
