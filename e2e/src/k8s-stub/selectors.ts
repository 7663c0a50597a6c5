// Label and field selectors as list and watch take them (`labelSelector=app=web,tier!=db`,
// `labelSelector=env in (a,b),!canary`, `fieldSelector=spec.nodeName=node-1`).

export type Matcher = (obj: Record<string, unknown>) => boolean;

export class SelectorError extends Error {}

function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur.trim() !== '') out.push(cur);
  return out.map((x) => x.trim());
}

/** A label selector; undefined or "" matches everything. */
export function labelMatcher(selector: string | null | undefined): Matcher {
  if (!selector) return () => true;
  const reqs = splitTop(selector).map((term): ((labels: Record<string, string>) => boolean) => {
    let m = /^([^\s!=(),]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (m) {
      const [, key, op, list] = m;
      const values = list!.split(',').map((v) => v.trim());
      return op === 'in' ? (l) => Object.hasOwn(l, key!) && values.includes(l[key!]!) : (l) => !Object.hasOwn(l, key!) || !values.includes(l[key!]!);
    }
    m = /^([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/.exec(term);
    if (m) {
      const [, key, op, value] = m;
      return op === '!=' ? (l) => l[key!] !== value : (l) => Object.hasOwn(l, key!) && l[key!] === value;
    }
    m = /^(!?)([^\s!=(),]+)$/.exec(term);
    if (m) return m[1] ? (l) => !Object.hasOwn(l, m![2]!) : (l) => Object.hasOwn(l, m![2]!);
    throw new SelectorError(`unable to parse requirement: ${term}`);
  });
  return (obj) => {
    const labels = ((obj.metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {}) as Record<string, string>;
    return reqs.every((r) => r(labels));
  };
}

function field(obj: Record<string, unknown>, path: string): string {
  let cur: unknown = obj;
  for (const p of path.split('.')) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
  return cur === undefined || cur === null ? '' : String(cur);
}

/** A field selector (`=`, `==`, `!=` on dotted paths); undefined or "" matches everything. */
export function fieldMatcher(selector: string | null | undefined): Matcher {
  if (!selector) return () => true;
  const reqs = selector.split(',').map((term) => {
    const m = /^([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*)$/.exec(term.trim());
    if (!m) throw new SelectorError(`invalid selector: '${selector}'; can't understand '${term}'`);
    const [, path, op, value] = m;
    return (o: Record<string, unknown>) => (op === '!=' ? field(o, path!) !== value : field(o, path!) === value);
  });
  return (obj) => reqs.every((r) => r(obj));
}
