// The release version in about texts and `--version` answers: the package's own version (every
// shipped package has the same one, .changeset/config.json `fixed`), so `changeset version` is
// the one place it changes. The commit is known inside the single-executable binary only
// (tools/build/lib/preamble.mjs records what it was built from).
import pkg from '../../package.json' with { type: 'json' };

export const CNI_TS_VERSION = `v${pkg.version}`;

const build = (globalThis as Record<symbol, { commit?: string } | undefined>)[Symbol.for('cni-ts.release')];
/** The commit the binary was built from, or 'unknown commit' (Go's multus says so too). */
export const CNI_TS_COMMIT = build?.commit ?? 'unknown commit';
