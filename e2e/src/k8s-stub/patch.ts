// The patch formats the API server applies: JSON Patch (RFC 6902, with the semantics of the
// library the server uses: a `test` of an absent member against null holds) and JSON Merge Patch
// (RFC 7386). A JSON Patch that cannot be applied throws PatchError; the server answers it with
// 422 Invalid.

export class PatchError extends Error {}

type Json = unknown;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function pointer(path: unknown): string[] {
  if (typeof path !== 'string') throw new PatchError('missing path');
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`invalid path: ${path}`);
  return path
    .slice(1)
    .split('/')
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** The container holding the last segment, or undefined when a parent is missing. */
function parentOf(doc: Json, segs: string[]): Record<string, unknown> | unknown[] | undefined {
  let cur: Json = doc;
  for (const s of segs.slice(0, -1)) {
    if (isObj(cur)) cur = cur[s];
    else if (Array.isArray(cur)) cur = /^(0|[1-9][0-9]*)$/.test(s) ? cur[Number(s)] : undefined;
    else return undefined;
  }
  return isObj(cur) || Array.isArray(cur) ? cur : undefined;
}

function index(arr: unknown[], s: string, forAdd: boolean): number {
  if (forAdd && s === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(s)) throw new PatchError(`invalid array index: ${s}`);
  const i = Number(s);
  if (i > arr.length || (!forAdd && i === arr.length)) throw new PatchError(`index out of bounds: ${i}`);
  return i;
}

function get(doc: Json, path: string): { found: boolean; value?: Json } {
  const segs = pointer(path);
  if (segs.length === 0) return { found: true, value: doc };
  const parent = parentOf(doc, segs);
  if (!parent) throw new PatchError(`doc is missing path: ${path}`);
  const last = segs.at(-1)!;
  if (Array.isArray(parent)) {
    if (!/^(0|[1-9][0-9]*)$/.test(last) || Number(last) >= parent.length) return { found: false };
    return { found: true, value: parent[Number(last)] };
  }
  return Object.hasOwn(parent, last) ? { found: true, value: parent[last] } : { found: false };
}

function add(doc: Json, path: string, value: Json): Json {
  const segs = pointer(path);
  if (segs.length === 0) return value;
  const parent = parentOf(doc, segs);
  if (!parent) throw new PatchError(`add operation does not apply: doc is missing path: "${path}"`);
  const last = segs.at(-1)!;
  if (Array.isArray(parent)) parent.splice(index(parent, last, true), 0, value);
  else parent[last] = value;
  return doc;
}

function remove(doc: Json, path: string): Json {
  const segs = pointer(path);
  const parent = parentOf(doc, segs);
  const last = segs.at(-1);
  if (!parent || last === undefined) throw new PatchError(`remove operation does not apply: doc is missing path: "${path}"`);
  if (Array.isArray(parent)) parent.splice(index(parent, last, false), 1);
  else {
    if (!Object.hasOwn(parent, last)) throw new PatchError(`remove operation does not apply: doc is missing key: ${path}`);
    delete parent[last];
  }
  return doc;
}

function deepEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** Applies a JSON Patch to a copy of `doc`. */
export function applyJsonPatch(doc: Json, ops: unknown): Json {
  if (!Array.isArray(ops)) throw new PatchError('a JSON patch must be an array of operations');
  let out = structuredClone(doc);
  for (const op of ops) {
    if (!isObj(op)) throw new PatchError('an operation must be an object');
    const path = op.path as string;
    switch (op.op) {
      case 'add':
        out = add(out, path, structuredClone(op.value));
        break;
      case 'remove':
        out = remove(out, path);
        break;
      case 'replace': {
        const cur = get(out, path);
        if (!cur.found) throw new PatchError(`replace operation does not apply: doc is missing key: ${path}`);
        out = add(remove(out, path), path, structuredClone(op.value));
        break;
      }
      case 'move': {
        const from = get(out, op.from as string);
        if (!from.found) throw new PatchError(`move operation does not apply: doc is missing from path: ${String(op.from)}`);
        out = add(remove(out, op.from as string), path, from.value);
        break;
      }
      case 'copy': {
        const from = get(out, op.from as string);
        if (!from.found) throw new PatchError(`copy operation does not apply: doc is missing from path: ${String(op.from)}`);
        out = add(out, path, structuredClone(from.value));
        break;
      }
      case 'test': {
        const cur = get(out, path);
        const want = op.value ?? null;
        // An absent member and a null one both pass a test against null (the server's library).
        const have = cur.found ? (cur.value ?? null) : null;
        if (!deepEqual(have, want)) throw new PatchError(`testing value ${path} failed: test failed`);
        break;
      }
      default:
        throw new PatchError(`Unexpected kind: ${String(op.op)}`);
    }
  }
  return out;
}

/** RFC 7386: objects merge recursively, null deletes, anything else replaces. */
export function applyMergePatch(doc: Json, patch: Json): Json {
  if (!isObj(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObj(doc) ? structuredClone(doc) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}
