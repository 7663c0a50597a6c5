import { describe, expect, it } from 'vitest';
import { ByteReader, decodeResponse, encodeBody, encodeHello, encodeResponse, envObject, readBody, readHello } from './protocol';

function reader(bytes: Buffer, chunk = 3): ByteReader {
  const r = new ByteReader();
  for (let i = 0; i < bytes.length; i += chunk) r.push(bytes.subarray(i, i + chunk));
  r.end();
  return r;
}

describe('protocol', () => {
  it('carries a hello, the environment and stdin across any chunking', async () => {
    const env = ['CNI_COMMAND=ADD', 'PATH=/usr/bin', 'X=a=b', 'CNI_COMMAND=DEL'];
    const stdin = Buffer.from('{"cniVersion":"1.0.0"}\u00e9');
    for (const chunk of [1, 3, 1000]) {
      const r = reader(Buffer.concat([encodeHello({ buildId: 'b1', plugin: 'macvlan' }), encodeBody(env, stdin)]), chunk);
      expect(await readHello(r)).toEqual({ buildId: 'b1', plugin: 'macvlan', fdMask: 0 });
      const body = await readBody(r);
      expect(body.env).toEqual(env);
      expect(body.stdin.equals(stdin)).toBe(true);
    }
  });

  it('keeps the first of duplicate variables, as getenv does', () => {
    expect(envObject(['CNI_COMMAND=ADD', 'A=1=2', 'CNI_COMMAND=DEL', 'junk', '=x'])).toEqual({ CNI_COMMAND: 'ADD', A: '1=2' });
  });

  it('refuses another magic and a truncated request', async () => {
    await expect(readHello(reader(Buffer.from('XXXX\x02\x00')))).rejects.toThrow(/bad magic/);
    const r = reader(encodeHello({ buildId: 'b', plugin: 'p' }).subarray(0, 6));
    await expect(readHello(r)).rejects.toThrow(/closed/);
  });

  it('encodes a response the client side decodes, byte for byte', () => {
    const bytes = encodeResponse({ status: 1, stdout: '{\n    "code": 7\n}', stderr: 'log line\n' });
    const r = decodeResponse(bytes);
    expect(r).not.toBe('fallback');
    if (!r || r === 'fallback') return;
    expect(r.status).toBe(1);
    expect(Buffer.from(r.stdout).toString()).toBe('{\n    "code": 7\n}');
    expect(Buffer.from(r.stderr).toString()).toBe('log line\n');
    expect(decodeResponse(bytes.subarray(0, bytes.length - 1))).toBeUndefined();
    expect(decodeResponse(Buffer.from('F'))).toBe('fallback');
  });
});
