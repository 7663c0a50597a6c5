import { describe, expect, it } from 'vitest';
import { duplicateSysctlKeys } from './duplicates';

describe('duplicateSysctlKeys', () => {
  it('finds keys written twice in sysctl', () => {
    expect(duplicateSysctlKeys('{"sysctl":{"a":"1","b":"2","a":"3"}}')).toEqual(['a']);
    expect(duplicateSysctlKeys('{"sysctl":{"a":"1","b":"2"}}')).toEqual([]);
  });

  it('matches the field case-insensitively and across repeated fields, as Go decodes them', () => {
    expect(duplicateSysctlKeys('{"SysCtl":{"a":"1"},"sysctl":{"a":"2"}}')).toEqual(['a']);
  });

  it('decodes escapes in keys and ignores nested or other objects', () => {
    expect(duplicateSysctlKeys('{"sysctl":{"\\u0061":"1","a":"2"}}')).toEqual(['a']);
    expect(duplicateSysctlKeys('{"args":{"cni":{"sysctl":{"a":"1","a":"2"}}},"x":[{"a":1,"a":2}]}')).toEqual([]);
    expect(duplicateSysctlKeys('{"prevResult":{"sysctl":"x"},"name":"a\\"b","sysctl":{"k":"v\\\\"}}')).toEqual([]);
  });

  it('copes with whitespace, numbers and literals', () => {
    const text = ' {\n "mtu" : 1500 , "promisc":true, "mac":null,\t"sysctl" : { "a" : "1" , "a" : "1" } }';
    expect(duplicateSysctlKeys(new TextEncoder().encode(text))).toEqual(['a']);
  });
});
