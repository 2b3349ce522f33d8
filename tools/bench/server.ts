import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../../..');
const MAIN = path.join(ROOT, 'dist/apps/bulwark/src/main.js');
const PROFILER = path.join(ROOT, 'dist/tools/bench/cpu-profile.preload.js');

export type RoleKeys = { admin: string; analyst: string; siem: string; app: string };

export type BenchServer = {
  url: string;
  pid: number;
  keys: RoleKeys;
  /** CPU seconds (user + system, every thread) the server has used so far; null off Linux. */
  cpuSeconds(): number | null;
  /** Graceful stop (SIGTERM, then SIGKILL after 10 s). */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  exited: Promise<number | null>;
  /** the last 8,000 characters the server wrote to stdout and stderr */
  output(): string;
  /** present when started with `profile: true` (see cpu-profile.preload.ts) */
  profiler: { start(): Promise<void>; stopInto(file: string): Promise<void> } | null;
};

const running = new Set<ChildProcess>();

// whatever happens to the bench (an exception, Ctrl-C), it leaves no server behind
process.on('exit', () => running.forEach((child) => child.kill('SIGKILL')));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    running.forEach((child) => child.kill('SIGKILL'));
    process.exit(130);
  });
}

/**
 * Starts the embedded server (`node dist/apps/bulwark/src/main.js`) on a free port of 127.0.0.1 with its own
 * data directory and random role keys, and resolves once GET /health answers 200.
 */
export async function startServer(dataDir: string, options: { profile?: boolean } = {}): Promise<BenchServer> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first (npm run bench does)`);
  const port = await freePort();
  const keys: RoleKeys = { admin: key(), analyst: key(), siem: key(), app: key() };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    BULWARK_DATA_DIR: dataDir,
    BULWARK_KEY_ADMIN: keys.admin,
    BULWARK_KEY_ANALYST: keys.analyst,
    BULWARK_KEY_SIEM: keys.siem,
    BULWARK_KEY_APP: keys.app,
    // the load comes from one address and one app key: the in-process buckets are checked on every request, at their highest
    BULWARK_RATE_LIMIT_IP_BURST: '1000000',
    BULWARK_RATE_LIMIT_IP_PER_MINUTE: '1000000',
    BULWARK_RATE_LIMIT_APP_BURST: '1000000',
    BULWARK_RATE_LIMIT_APP_PER_MINUTE: '1000000',
  };
  // the embedded default: SQLite and in-process delivery, whatever the calling shell has configured
  for (const name of ['EVENTSTORE_CONNECTION_STRING', 'KAFKA_BROKERS', 'BULWARK_DELIVERY', 'BULWARK_ENCRYPTION_KEY', 'NODE_OPTIONS']) delete env[name];

  const child = options.profile
    ? spawn(process.execPath, ['--require', PROFILER, MAIN], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
    : spawn(process.execPath, [MAIN], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let expectedExit = false;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      if (!expectedExit) console.error(`[bench] the server exited unexpectedly (${signal ?? code}); its last output:\n${output}`);
      resolve(code);
    }),
  );

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const early = await Promise.race([exited.then((code) => ({ code })), sleep(100).then(() => null)]);
    if (early) throw new Error(`the server exited with ${early.code} before it was healthy`);
    const status = await fetch(`${url}/health`).then((response) => response.status, () => 0);
    if (status === 200) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server was not healthy after 30 s (last status ${status}):\n${output}`);
    }
  }

  const pid = child.pid!;
  const end = async (signal: NodeJS.Signals) => {
    expectedExit = true;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return { url, pid, keys, cpuSeconds: () => cpuSecondsOf(pid), stop: () => end('SIGTERM'), kill: () => end('SIGKILL'), exited, output: () => output, profiler: options.profile ? profilerOf(child) : null };
}

function profilerOf(child: ChildProcess): NonNullable<BenchServer['profiler']> {
  const ask = (message: unknown, expected: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`no ${expected} from the server in 20 s`)), 20_000);
      const onMessage = (answer: unknown) => (answer === expected ? done() : done(new Error(`profiler: ${JSON.stringify(answer)}`)));
      const done = (error?: Error) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        if (error) reject(error);
        else resolve();
      };
      child.on('message', onMessage);
      child.send(message as string);
    });
  return { start: () => ask('profile:start', 'profile:started'), stopInto: (file) => ask({ stop: file }, 'profile:written') };
}

/** utime + stime of a process from /proc (fields 14 and 15, in clock ticks of 1/100 s on Linux). */
export function cpuSecondsOf(pid: number | 'self'): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces: count fields after its closing parenthesis
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** Busy and stolen CPU seconds of the whole machine so far, from the first line of /proc/stat; null off Linux. */
export function machineCpuSeconds(): { busy: number; steal: number } | null {
  try {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
    const [user, nice, system, _idle, _iowait, irq, softirq, steal] = fields.map(Number) as number[];
    return { busy: (user! + nice! + system! + irq! + softirq!) / 100, steal: steal! / 100 };
  } catch {
    return null;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const key = () => randomBytes(24).toString('base64url');
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
