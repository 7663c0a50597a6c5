// Leases on disk, so a restarted daemon keeps renewing them and a DEL after a restart still
// releases (upstream keeps them in memory only: issue #235). One JSON file per lease, named
// after a hash of its client id, written atomically.

import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@cni-ts/cni/fs';
import type { Bound } from '../dhcp/client';
import { decodeMessage, encodeMessage } from '../dhcp/message';
import type { LeaseOptions } from '../dhcp/options';
import type { LeaseKey } from './lease';

export const DEFAULT_STATE_DIR = '/var/lib/cni/dhcp';
const FORMAT = 1;

export interface StoredLease {
  key: LeaseKey;
  options: LeaseOptions;
  bound: Bound;
}

interface FileV1 {
  format: 1;
  key: LeaseKey;
  options: { provide: [number, string][]; requested: number[] };
  ack: string;
  serverMac: string;
  boundAt: number;
}

function fileName(clientId: string): string {
  return `${createHash('sha256').update(clientId).digest('hex').slice(0, 40)}.json`;
}

export class LeaseStore {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }

  private ensure(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  save(l: StoredLease): void {
    this.ensure();
    const f: FileV1 = {
      format: FORMAT,
      key: l.key,
      options: { provide: l.options.provide.map(([c, v]) => [c, Buffer.from(v).toString('base64')]), requested: l.options.requested },
      ack: Buffer.from(encodeMessage(l.bound.ack)).toString('base64'),
      serverMac: Buffer.from(l.bound.serverMac).toString('hex'),
      boundAt: l.bound.boundAt,
    };
    writeFileAtomic(join(this.dir, fileName(l.key.clientId)), `${JSON.stringify(f, null, 2)}\n`, { mode: 0o600 });
  }

  remove(clientId: string): void {
    try {
      unlinkSync(join(this.dir, fileName(clientId)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  /** Every stored lease; unreadable files are reported through `bad` and skipped. */
  load(bound: (ack: ReturnType<typeof decodeMessage>, serverMac: Uint8Array, boundAt: number) => Bound, bad: (file: string, err: Error) => void): StoredLease[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: StoredLease[] = [];
    for (const name of names.toSorted()) {
      if (!/^[0-9a-f]{40}\.json$/.test(name)) continue;
      const file = join(this.dir, name);
      try {
        const f = JSON.parse(readFileSync(file, 'utf8')) as FileV1;
        if (f.format !== FORMAT) throw new Error(`unknown format ${String(f.format)}`);
        const k = f.key;
        if (![k.clientId, k.containerId, k.netName, k.ifname, k.netns].every((s) => typeof s === 'string')) throw new Error('bad key');
        if (name !== fileName(k.clientId)) throw new Error('file name does not match its client id');
        out.push({
          key: k,
          options: {
            provide: f.options.provide.map(([c, v]) => [Number(c), Uint8Array.from(Buffer.from(String(v), 'base64'))]),
            requested: f.options.requested.map(Number),
          },
          bound: bound(decodeMessage(Buffer.from(f.ack, 'base64')), Uint8Array.from(Buffer.from(f.serverMac, 'hex')), Number(f.boundAt)),
        });
      } catch (err) {
        bad(file, err as Error);
      }
    }
    return out;
  }
}
