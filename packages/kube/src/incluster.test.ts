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

  it('takes ports 80, 8080 and 8001 for plain http, as client-node does', () => {
    expect(inClusterConnection({ KUBERNETES_SERVICE_HOST: 'api', KUBERNETES_SERVICE_PORT: '8080' }).server).toBe('http://api:8080');
  });
});
