import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { missingServer } from './required-server';

/**
 * A real rsyslogd for the syslog tests: imtcp on a port of its own (octet-counted framing is on by default),
 * every message's raw text written by omfile to a file. `.ci/run` installs Debian's rsyslog; in CI a missing
 * rsyslogd is a failure, on a developer's machine the suite says how to get it.
 */
export function rsyslogd(): string | null {
  for (const candidate of ['/usr/sbin/rsyslogd', '/sbin/rsyslogd']) if (existsSync(candidate)) return candidate;
  try {
    return execFileSync('sh', ['-c', 'command -v rsyslogd'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return missingServer('rsyslogd (Debian\'s rsyslog package)', 'install it (`sudo apt-get install -y rsyslog`), then `npx jest --selectProjects syslog`');
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export type Collector = { port: number; file: string; stop(): Promise<void>; lines(): string[] };

/** Starts rsyslogd in the foreground (-n) with its own config, pid file and work dir; resolves once it listens. */
export async function startCollector(binary: string, dir: string, port: number, name: string): Promise<Collector> {
  const file = path.join(dir, `${name}.log`);
  const conf = path.join(dir, `${name}.conf`);
  writeFileSync(
    conf,
    [
      `global(workDirectory="${dir}")`,
      'module(load="imtcp")',
      'template(name="raw" type="string" string="%rawmsg%\\n")',
      `ruleset(name="siem") { action(type="omfile" file="${file}" template="raw" flushOnTXEnd="on" asyncWriting="off") }`,
      `input(type="imtcp" address="127.0.0.1" port="${port}" ruleset="siem")`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(binary, ['-n', '-f', conf, '-i', path.join(dir, `${name}.pid`)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`rsyslogd exited (${child.exitCode}): ${stderr}`);
    if (await listening(port)) break;
    if (Date.now() > deadline) throw new Error(`rsyslogd did not listen on ${port}: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    port,
    file,
    lines: () => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
