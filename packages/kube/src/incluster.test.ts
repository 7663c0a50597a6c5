import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inClusterConnection, SERVICE_ACCOUNT_DIR } from './incluster';

describe('inClusterConnection', () => {
  it('uses the service account files and https', () => {
    const conn = inClusterConnection({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' });
    expect(conn).toMatchObject({ server: 'https://10.96.0.1:443', ca: { file: `${SERVICE_ACCOUNT_DIR}/ca.crt` }, skipTLSVerify: false });
    expect(conn.tokenFile?.path).toBe(`${SERVICE_ACCOUNT_DIR}/token`);
  });

  it('brackets an IPv6 address; the paths can be injected', () => {
    const conn = inClusterConnection({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '6443' }, { caFile: '/t/ca', tokenFile: '/t/token' });
    expect(conn.server).toBe('https://[fd00::1]:6443');
    expect(conn.ca).toEqual({ file: '/t/ca' });
    expect(conn.tokenFile?.path).toBe('/t/token');
  });

  it('is https whatever the port, as client-go (client-node takes 80, 8080 and 8001 for plain http)', () => {
    expect(inClusterConnection({ KUBERNETES_SERVICE_HOST: 'api', KUBERNETES_SERVICE_PORT: '8080' }).server).toBe('https://api:8080');
  });

  it('the namespace: POD_NAMESPACE, else the service account namespace file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cnits-incluster-'));
    try {
      const namespaceFile = path.join(dir, 'namespace');
      writeFileSync(namespaceFile, 'kube-system\n');
      const env = { KUBERNETES_SERVICE_HOST: 'api', KUBERNETES_SERVICE_PORT: '443' };
      expect(inClusterConnection(env, { namespaceFile }).namespace).toBe('kube-system');
      expect(inClusterConnection({ ...env, POD_NAMESPACE: 'other' }, { namespaceFile }).namespace).toBe('other');
      expect(inClusterConnection(env, { namespaceFile: path.join(dir, 'missing') }).namespace).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
