// Stands in for `@koromix/koffi-linux-x64` inside the bundle: koffi's own JS wrapper requires
// that package to get its native module, and the build aliases it to this file. In the
// single-executable binary the `.node` file is an SEA asset, extracted and dlopened on first use;
// when the bundle runs under a plain `node` (build-time probes), the copy in the build directory.
import { buildDirFile } from './build-dir.ts';
import { dlopen, loadNative } from './native-asset.ts';

// oxlint-disable-next-line no-underscore-dangle -- a build-time constant, replaced by the bundler
declare const __CNI_TS_KOFFI__: { asset: string; stem: string; sha256: string; devPath: string };

function isSea(): boolean {
  try {
    return require('node:sea').isSea();
  } catch {
    return false;
  }
}

export function loadKoffiNative(): unknown {
  // oxlint-disable-next-line no-underscore-dangle
  const meta = __CNI_TS_KOFFI__;
  if (!isSea()) return dlopen(buildDirFile(meta.devPath));
  const raw: ArrayBuffer = require('node:sea').getRawAsset(meta.asset);
  return loadNative({ stem: meta.stem, sha256: meta.sha256, bytes: new Uint8Array(raw) });
}
