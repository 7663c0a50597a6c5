import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDaemonConfig } from './daemon-config';
import { daemonLogger } from './daemon';

const dir = mkdtempSync(path.join(tmpdir(), 'cnits-daemon-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('daemonLogger: the daemon\'s own lines', () => {
  it('go to logFile at verbose and debug, and to stderr unless logToStderr is false', () => {
    const logFile = path.join(dir, 'verbose.log');
    const err: string[] = [];
    const log = daemonLogger(parseDaemonConfig({ logFile, logLevel: 'verbose' }).config, (l) => err.push(l));
    log('listening on /run/multus/multus.sock');
    expect(err).toEqual(['listening on /run/multus/multus.sock']);
    expect(readFileSync(logFile, 'utf8')).toMatch(/^\S+Z \[verbose\] listening on \/run\/multus\/multus\.sock\n$/);

    const quiet: string[] = [];
    const file2 = path.join(dir, 'quiet.log');
    daemonLogger(parseDaemonConfig({ logFile: file2, logLevel: 'debug', logToStderr: false }).config, (l) => quiet.push(l))('x');
    expect(quiet).toEqual([]);
    expect(readFileSync(file2, 'utf8')).toContain('[verbose] x');
  });

  it('stay out of logFile below verbose (the default level logs nothing, as upstream)', () => {
    for (const logLevel of ['error', undefined]) {
      const logFile = path.join(dir, `${logLevel}.log`);
      const err: string[] = [];
      daemonLogger(parseDaemonConfig({ logFile, ...(logLevel ? { logLevel } : {}) }).config, (l) => err.push(l))('started');
      expect(err).toEqual(['started']);
      expect(existsSync(logFile)).toBe(false);
    }
  });

  it('without logFile: stderr only, as before', () => {
    const err: string[] = [];
    daemonLogger(parseDaemonConfig({}).config, (l) => err.push(l))('a');
    expect(err).toEqual(['a']);
  });
});
