import { describe, expect, it } from 'vitest';
import { parseDaemonConfig, unsupportedKeys } from './daemon-config';

describe('daemon-config keys upstream acts on and we do not', () => {
  it('enablePprof is refused; perNodeCertificate (implemented) and a disabled enablePprof are fine', () => {
    const unsupported = (raw: Record<string, unknown>) => unsupportedKeys(parseDaemonConfig(raw).config);
    expect(unsupported({})).toBeUndefined();
    expect(unsupported({ perNodeCertificate: { enabled: false, certDir: '/x' }, enablePprof: false })).toBeUndefined();
    expect(unsupported({ perNodeCertificate: { enabled: true, bootstrapKubeconfig: '/b', certDir: '/c' } })).toBeUndefined();
    expect(unsupported({ enablePprof: true })).toMatch(/^enablePprof is not supported/);
  });
});
