import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export type Machine = { nproc: number; cpuModel: string; memoryGiB: number; node: string; os: string; dataDirFilesystem: string };

/** The facts that decide what a number means: cores, CPU, memory, Node, and what the data directory sits on. */
export function machineFacts(dataDir: string): Machine {
  return {
    nproc: os.availableParallelism(),
    cpuModel: /^model name\s*:\s*(.*)$/m.exec(readOr('/proc/cpuinfo'))?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    dataDirFilesystem: filesystemOf(dataDir),
  };
}

/** The mount holding `dir` (longest mount point that prefixes it), from /proc/mounts: fsync on tmpfs costs nothing. */
function filesystemOf(dir: string): string {
  const mounts = readOr('/proc/mounts')
    .split('\n')
    .map((line) => line.split(' '))
    .filter((fields) => fields.length > 2 && (dir === fields[1] || dir.startsWith(fields[1]!.endsWith('/') ? fields[1]! : `${fields[1]}/`)))
    .sort((a, b) => b[1]!.length - a[1]!.length);
  const [device, mountPoint, type] = mounts[0] ?? [];
  return device ? `${type} (${device} on ${mountPoint})` : 'unknown';
}

function readOr(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export type CodeVersion = { commit: string; changedOutsideBench: string[] };

/** The commit measured, and any uncommitted change to the code under test (the bench's own files aside). */
export function codeVersion(root: string): CodeVersion {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const changed = git('status', '--porcelain')
      .split('\n')
      .map((line) => line.slice(3).trim())
      .filter((file) => file && !/^(tools\/bench\/|bench\/|docs\/BENCHMARKS\.md$|package\.json$|node_modules$)/.test(file));
    return { commit: git('rev-parse', '--short', 'HEAD').trim(), changedOutsideBench: changed };
  } catch {
    return { commit: 'unknown (not a git checkout)', changedOutsideBench: [] };
  }
}

/**
 * A fixed single-threaded workload (JSON round trips and SHA-256, as a request does), in milliseconds: on a
 * shared VM the same machine runs faster or slower from one hour to the next, and this shows by how much.
 */
export function speedProbeMs(): number {
  const event = { type: 'MfaDenied', data: { userId: 'bench-user-0001', challengeId: '8f71640e-5bcf-478d-afb7-fe080ca8241b', reason: 'wrongCode', at: new Date(0).toISOString() } };
  const started = performance.now();
  let digest = Buffer.alloc(32);
  for (let i = 0; i < 100_000; i++) {
    const copy = JSON.parse(JSON.stringify(event)) as typeof event;
    digest = createHash('sha256').update(digest).update(copy.data.challengeId).digest();
  }
  return Math.round(performance.now() - started);
}
