import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseCertificateRequest } from '@cni-ts/kube';
import { afterAll, describe, expect, it } from 'vitest';
import { makeCsr, nodeCertOptions, storePair } from './node-cert';

const dir = mkdtempSync(path.join(tmpdir(), 'cnits-nodecert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const log = () => {};

describe('perNodeCertificate', () => {
  it('the config checks of upstream\'s NewCNIServer', () => {
    const env = { MULTUS_NODE_NAME: 'n1' };
    expect(nodeCertOptions(undefined, env, log)).toBeUndefined();
    expect(nodeCertOptions({ enabled: false }, env, log)).toBeUndefined();
    expect(() => nodeCertOptions({ enabled: true, certDir: '/c' }, env, log)).toThrow('failed to configure PerNodeCertificate: enabled: true, BootstrapKubeconfig: "", CertDir: "/c"');
    expect(() => nodeCertOptions({ enabled: true, bootstrapKubeconfig: '/b', certDir: '/c' }, {}, log)).toThrow(/MULTUS_NODE_NAME/);
    expect(() => nodeCertOptions({ enabled: true, bootstrapKubeconfig: '/b', certDir: '/c', certDuration: '10 minutes' }, env, log)).toThrow(/^failed to parse certDuration: time: /);
    expect(() => nodeCertOptions({ enabled: true, bootstrapKubeconfig: '/b', certDir: '/c', certDuration: '5m' }, env, log)).toThrow(/less than the 10m/);
    expect(nodeCertOptions({ enabled: true, bootstrapKubeconfig: '/b', certDir: '/c' }, env, log)).toMatchObject({ nodeName: 'n1', durationMs: 600_000 });
    expect(nodeCertOptions({ enabled: true, bootstrapKubeconfig: '/b', certDir: '/c', certDuration: '1h30m' }, env, log)?.durationMs).toBe(5_400_000);
  });

  it('the request names the node; pairs are stored atomically behind the -current symlink, the replaced one removed', () => {
    const { csrPem, keyPem } = makeCsr('n1');
    expect(parseCertificateRequest(csrPem)).toMatchObject({ cn: ['system:multus:n1'], o: ['system:multus'] });
    const a = storePair(dir, '-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE-----', keyPem, new Date('2026-12-08T00:00:00Z'));
    expect(readlinkSync(path.join(dir, 'multus-client-current.pem'))).toBe('multus-client-2026-12-08-00-00-00.pem');
    const b = storePair(dir, '-----BEGIN CERTIFICATE-----\nB\n-----END CERTIFICATE-----', keyPem, new Date('2026-12-08T00:10:00Z'));
    expect(existsSync(a)).toBe(false);
    expect(readFileSync(path.join(dir, 'multus-client-current.pem'), 'utf8')).toBe(readFileSync(b, 'utf8'));
    expect(readdirSync(dir).sort()).toEqual(['multus-client-2026-12-08-00-10-00.pem', 'multus-client-current.pem']);
  });
});
