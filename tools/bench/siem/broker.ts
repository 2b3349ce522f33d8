/**
 * The broker the SIEM bench exports to: the one named by KAFKA_BROKERS, or a real single-node Kafka 3.9.1 that
 * tools/kafka/start.sh starts for the run (on a free port pair, with its run directory inside the bench's data
 * directory) and tools/kafka/stop.sh stops at the end, whatever happens.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { ROOT } from '../server';

export type Broker = {
  brokers: string[];
  /** the broker's JVM when the bench started it (its CPU is reported); null for KAFKA_BROKERS */
  pid: number | null;
  description: string;
  stop(): Promise<void>;
};

export class BrokerUnavailable extends Error {}

const START = path.join(ROOT, 'tools/kafka/start.sh');
const STOP = path.join(ROOT, 'tools/kafka/stop.sh');
let startedPid: number | null = null;

// a broker the bench started never outlives it, even on an exception or Ctrl-C (stop.sh is the clean way)
process.on('exit', () => {
  if (startedPid !== null) {
    try {
      process.kill(startedPid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

export async function useOrStartBroker(runDir: string, log: (message: string) => void): Promise<Broker> {
  const given = process.env.KAFKA_BROKERS?.split(',').map((broker) => broker.trim()).filter(Boolean);
  // BENCH_KAFKA_PID: the given broker's JVM, when it runs on this machine, to report its CPU too
  const givenPid = Number(process.env.BENCH_KAFKA_PID) || null;
  if (given?.length) return { brokers: given, pid: givenPid, description: `the broker(s) of KAFKA_BROKERS (${given.join(',')})`, stop: async () => {} };

  try {
    execFileSync(process.env.JAVA ?? 'java', ['-version'], { stdio: 'ignore' });
  } catch {
    throw new BrokerUnavailable('no KAFKA_BROKERS given and no java on PATH to start tools/kafka/start.sh (Java 11+ and Maven, or a broker in KAFKA_BROKERS)');
  }
  const port = await freePortPair();
  const env = { ...process.env, KAFKA_PORT: String(port), KAFKA_RUN_DIR: runDir };
  log(`starting a Kafka 3.9.1 broker on 127.0.0.1:${port} (controller ${port + 1}) with tools/kafka/start.sh`);
  const output = await new Promise<string>((resolve, reject) =>
    execFile(START, { env, cwd: ROOT, maxBuffer: 1 << 20 }, (error, stdout, stderr) =>
      error ? reject(new BrokerUnavailable(`tools/kafka/start.sh failed: ${stderr.trim().split('\n').slice(-5).join(' / ') || error.message}`)) : resolve(stdout),
    ),
  );
  const brokers = /KAFKA_BROKERS=(\S+)/.exec(output)?.[1];
  const pidFile = path.join(runDir, 'kafka.pid');
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : null;
  startedPid = pid;
  const stop = () =>
    new Promise<void>((resolve) =>
      execFile(STOP, { env, cwd: ROOT }, () => {
        startedPid = null;
        resolve();
      }),
    );
  if (!brokers) {
    await stop();
    throw new BrokerUnavailable(`tools/kafka/start.sh did not print KAFKA_BROKERS: ${output.slice(-300)}`);
  }
  return { brokers: [brokers], pid, description: `a single-node Apache Kafka 3.9.1 (KRaft) started by tools/kafka/start.sh on the same machine, JVM heap ${process.env.KAFKA_HEAP_OPTS ?? '-Xms256m -Xmx512m'}`, stop };
}

/** A port P with P + 1 free too (start.sh puts the controller there). */
async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await listenOn(0);
    if (port < 65535 && (await listenOn(port + 1).then(() => true, () => false))) return port;
  }
  throw new BrokerUnavailable('found no two free consecutive ports for the broker');
}

function listenOn(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as { port: number };
      server.close(() => resolve(bound));
    });
  });
}
