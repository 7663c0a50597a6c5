#!/usr/bin/env node
// Runs a command as root inside Debian's user-mode-linux kernel and exits with its exit code:
//   node tools/kernel/run.mjs [--out DIR] [--mem 2G] [--timeout SEC] [--verbose] -- <command> [args...]
// The guest boots from the host's / (hostfs, read-only) with a RAM overlay on top, loads the
// modules the host kernel lacks (ipvlan, 8021q, dummy, vrf...), and runs the command in the same
// working directory. The command's stdout and stderr reach ours through two UML consoles; the
// kernel console (boot noise) is kept apart and shown only with --verbose or when the guest fails.
// See README.md in this directory.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_MARK, START_MARK, STATUS_FILE, renderInit } from './init-script.mjs';
import { MODULES } from './modules.mjs';
import { USAGE, UsageError, guestEnv, parseOptions } from './options.mjs';

const MODULE_ROOT = '/usr/lib/uml/modules';
const WORK_PREFIX = 'cnits-kernel-';
const CONSOLE_TAIL = 60;

/** Prints a runner message (never a stack) and exits. */
function fail(message, code = 1) {
  process.stderr.write(`kernel: ${message}\n`);
  process.exit(code);
}

function preflight(o) {
  if (process.getuid?.() !== 0) {
    fail(
      'the kernel suite must run as root: it boots a user-mode-linux guest over the host file system ' +
        "and runs the root tests in it with the caller's file access. Run it as root (sudo pnpm test kernel), " +
        'or run only the unit suite with `pnpm test unit`.',
    );
  }
  if (!existsSync(o.kernel)) {
    fail(`no user-mode-linux kernel at ${o.kernel}; install it with \`apt-get install user-mode-linux\``);
  }
  if (!existsSync(MODULE_ROOT) || readdirSync(MODULE_ROOT).length === 0) {
    fail(`no UML kernel modules under ${MODULE_ROOT}; reinstall the user-mode-linux package`);
  }
  if (!existsSync('/bin/busybox')) {
    fail('no /bin/busybox (the guest init uses it); install it with `apt-get install busybox-static`');
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** Removes the work dirs of earlier runners that were killed before they could clean up. */
function reapStaleWork() {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(WORK_PREFIX)) continue;
    const pid = Number(name.slice(WORK_PREFIX.length).split('-')[0]);
    if (pid > 0 && pid !== process.pid && !alive(pid)) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}

/** Keeps the last lines of the kernel console and reacts to the guest's marker lines. */
function consoleReader(verbose, logFile, onLine) {
  const tail = [];
  const log = createWriteStream(logFile);
  let partial = '';
  return {
    tail,
    close: () => new Promise((r) => log.end(r)),
    push(chunk) {
      log.write(chunk);
      if (verbose) process.stderr.write(chunk);
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const raw of lines) {
        const line = raw.replace(/\r$/, '');
        tail.push(line);
        if (tail.length > CONSOLE_TAIL) tail.shift();
        onLine(line);
      }
    },
  };
}

function main() {
  let o;
  try {
    o = parseOptions(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) fail(`${err.message}\n${USAGE}`, 2);
    throw err;
  }
  if (o.help) {
    console.log(USAGE);
    return;
  }
  preflight(o);

  const t0 = performance.now();
  const secs = (t = performance.now()) => ((t - t0) / 1000).toFixed(1);
  reapStaleWork();
  const work = mkdtempSync(join(tmpdir(), `${WORK_PREFIX}${process.pid}-`));
  for (const d of o.out) mkdirSync(d, { recursive: true });
  const tty = process.stdout.isTTY ? { cols: process.stdout.columns || 80, rows: process.stdout.rows || 24 } : null;
  const init = join(work, 'init');
  writeFileSync(
    init,
    renderInit({
      work,
      rw: o.out,
      cwd: process.cwd(),
      env: guestEnv(process.env, o.env),
      argv: o.command,
      tty,
      modules: MODULES,
      runnerPid: process.pid,
    }),
    { mode: 0o755 },
  );
  mkdirSync(join(work, 'uml'));

  const args = [
    `mem=${o.mem}`,
    'rootfstype=hostfs',
    'ro',
    `init=${init}`,
    `uml_dir=${join(work, 'uml')}`,
    `umid=cnits-${process.pid}`,
    // con0 (the kernel console) -> our fd 1 pipe; con1/con2 -> the command's stdout/stderr.
    // The guest never gets a host terminal, so UML cannot leave one in raw mode.
    'con=null',
    'ssl=null',
    'con0=null,fd:1',
    'con1=null,fd:3',
    'con2=null,fd:4',
    ...(o.verbose ? [] : ['quiet']),
  ];
  // UML backs guest memory with a deleted file in $TMPDIR, else /dev/shm: prefer the tmpfs.
  const env = { ...process.env };
  for (const k of ['TMPDIR', 'TMP', 'TEMP']) delete env[k];
  if (o.verbose) process.stderr.write(`kernel: ${o.kernel} ${args.join(' ')}\n`);
  const uml = spawn(o.kernel, args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'], env });

  let started = false;
  let markedExit = null;
  const con = consoleReader(o.verbose, join(work, 'console.log'), (line) => {
    if (!started && line.includes(START_MARK)) {
      started = true;
      process.stderr.write(`kernel: booted in ${secs()} s\n`);
    } else if (line.includes(EXIT_MARK)) {
      markedExit = Number(line.slice(line.indexOf(EXIT_MARK) + EXIT_MARK.length));
    }
  });
  uml.stdout.on('data', (c) => con.push(c));
  uml.stderr.on('data', (c) => con.push(c));
  uml.stdio[3].pipe(process.stdout, { end: false });
  uml.stdio[4].pipe(process.stderr, { end: false });

  // UML makes itself a session leader and forks helpers: stop the whole group, not one pid.
  const killGuest = (signal) => {
    for (const pid of [-uml.pid, uml.pid]) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
  };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    process.stderr.write(`\nkernel: timed out after ${o.timeout} s, killing the guest\n`);
    killGuest('SIGTERM');
    setTimeout(() => killGuest('SIGKILL'), 3000).unref();
  }, o.timeout * 1000);
  let interrupted = null;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      interrupted = sig;
      killGuest('SIGTERM');
      setTimeout(() => killGuest('SIGKILL'), 3000).unref();
    });
  }

  const streamsDone = [uml.stdout, uml.stderr, uml.stdio[3], uml.stdio[4]].map(
    (s) => new Promise((r) => s.once('close', r)),
  );
  uml.on('error', (err) => {
    rmSync(work, { recursive: true, force: true });
    fail(`cannot start ${o.kernel}: ${err.message}`);
  });
  uml.on('exit', async (code, signal) => {
    clearTimeout(timer);
    killGuest('SIGKILL'); // helpers that outlived the main process
    await Promise.race([Promise.all(streamsDone), new Promise((r) => setTimeout(r, 2000).unref())]);
    const statusPath = join(work, STATUS_FILE);
    const status = existsSync(statusPath) ? Number(readFileSync(statusPath, 'utf8').trim()) : markedExit;
    const showConsole = (why) =>
      process.stderr.write(`kernel: ${why}; last console lines (all of them with --verbose):\n${con.tail.map((l) => `  | ${l}`).join('\n')}\n`);
    let rc;
    if (interrupted) {
      rc = interrupted === 'SIGINT' ? 130 : 143;
    } else if (timedOut) {
      if (!started) showConsole('the guest never reached the command');
      rc = 124;
    } else if (status === null || !Number.isInteger(status)) {
      showConsole(`the guest stopped before the command finished (uml ${signal ?? `exit ${code}`})`);
      rc = 1;
    } else {
      rc = status;
    }
    process.stderr.write(`kernel: command exited ${rc} after ${secs()} s in total\n`);
    await con.close();
    if (o.keep) {
      process.stderr.write(`kernel: kept ${work}\n`);
    } else {
      rmSync(work, { recursive: true, force: true });
    }
    process.exitCode = rc;
  });
}

main();
