// Where a pod's network namespace is: the libcni result caches record, for every attachment,
// the netns path and the CNI_ARGS it was made with (K8S_POD_UID, K8S_POD_NAMESPACE,
// K8S_POD_NAME). Multus writes them for its delegates (`<cniDir>/results`, default
// /var/lib/cni/multus) and the runtime for the pod's network (/var/lib/cni/results), so the
// proxy finds the netns without asking the container runtime (upstream asked CRI for the
// container's pid).
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { cachedAttachments } from '@cni-ts/chain';
import type { Pod } from '../kube-types';

export interface NetnsResolver {
  /** Re-reads what it knows (once per sync). */
  refresh(): void;
  /** The pod's netns path as this process can open it, or undefined. */
  resolve(pod: Pod): string | undefined;
}

function add(m: Map<string, string[]>, k: string, v: string): void {
  const l = m.get(k) ?? [];
  if (!l.includes(v)) l.push(v);
  m.set(k, l);
}

export class CniCacheResolver implements NetnsResolver {
  readonly #dirs: readonly string[];
  readonly #prefix: string;
  #byUid = new Map<string, string[]>();
  #byName = new Map<string, string[]>();

  /** `cacheDirs` as the host sees them (each has a `results/` directory); `hostPrefix` where the host's root is mounted. */
  constructor(cacheDirs: readonly string[], hostPrefix = '') {
    this.#dirs = cacheDirs;
    this.#prefix = hostPrefix.replace(/\/$/, '');
  }

  refresh(): void {
    const byUid = new Map<string, string[]>();
    const byName = new Map<string, string[]>();
    for (const dir of this.#dirs) {
      let entries;
      try {
        entries = cachedAttachments(`${this.#prefix}${dir}`);
      } catch {
        continue; // unreadable: as if empty
      }
      for (const a of entries) {
        // The path comes from a file; it must be an absolute, plain path.
        if (!a.netns || !path.isAbsolute(a.netns) || path.normalize(a.netns) !== a.netns) continue;
        const args = new Map(a.cniArgs ?? []);
        const uid = args.get('K8S_POD_UID');
        const ns = args.get('K8S_POD_NAMESPACE');
        const name = args.get('K8S_POD_NAME');
        if (uid) add(byUid, uid, a.netns);
        else if (ns && name) add(byName, `${ns}/${name}`, a.netns);
      }
    }
    this.#byUid = byUid;
    this.#byName = byName;
  }

  resolve(pod: Pod): string | undefined {
    const uid = pod.metadata.uid;
    // By UID (a re-created pod of the same name is another pod); by name only for entries made
    // without a UID (runtimes that do not pass it).
    const candidates = (uid && this.#byUid.get(uid)) || this.#byName.get(`${pod.metadata.namespace}/${pod.metadata.name}`) || [];
    const live = candidates.map((p) => `${this.#prefix}${p}`).filter((p) => existsSync(p) && !statSync(p).isDirectory());
    return live[0];
  }
}
