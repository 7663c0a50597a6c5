import { describe, expect, it } from 'vitest';
import { gcValidAttachments } from './schema';

describe('gcValidAttachments', () => {
  it('no key: undefined (nothing known to be stale); null: everything stale; the legacy key; any case', () => {
    expect(gcValidAttachments({ name: 'n' })).toBeUndefined();
    expect(gcValidAttachments(undefined)).toBeUndefined();
    expect(gcValidAttachments({ 'cni.dev/valid-attachments': null })).toEqual([]);
    expect(gcValidAttachments({ 'cni.dev/valid-attachments': [{ containerID: 'a', ifname: 'eth0' }], 'cni.dev/attachments': [] })).toEqual([{ containerID: 'a', ifname: 'eth0' }]);
    expect(gcValidAttachments({ 'cni.dev/attachments': [{ containerID: 'b' }] })).toEqual([{ containerID: 'b', ifname: '' }]);
    expect(gcValidAttachments({ 'CNI.dev/Valid-Attachments': [null] })).toEqual([{ containerID: '', ifname: '' }]);
  });

  it('a wrong type fails with Go text and the key', () => {
    expect(() => gcValidAttachments({ 'cni.dev/valid-attachments': 'x' })).toThrow(/^cni\.dev\/valid-attachments: json: cannot unmarshal string/);
  });
});
