import { RecordedEvent } from '@bulwark/contracts';
import { EventConsumer, EventStore } from '@bulwark/event-store';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { describeEvent, ExportOptions, exportRecord } from '../formats';
import { exportable } from '../formats/privacy';
import { SyslogSettings } from '../siem-settings';
import { octetCounted, rfc5424 } from './rfc5424';

class Stopped extends Error {
  constructor() {
    super('the syslog exporter was stopped');
  }
}

/**
 * CEF over syslog to one collector: RFC 5424 messages over TCP (or TLS, RFC 5425) with RFC 6587 octet counting.
 *
 * At-least-once: a batch is written, the write is flushed to the socket, and the checkpoint (a store position)
 * is saved only if the connection is still up a moment later (`confirmMs`): a collector that went away closes
 * or resets the connection, and the batch is written again on a new one. A broken or refused connection is
 * retried with backoff (collector restarts lose nothing), never skipped. Plain syslog has no application
 * acknowledgement, so what a collector had read from its socket but not yet stored when it died is lost with it;
 * a batch resent after a failure may arrive twice, with the same `externalId`.
 */
export class SyslogExporter implements EventConsumer {
  readonly name: string;
  private socket: net.Socket | null = null;
  private broken = false;
  private stopped = false;
  private readonly wake = new Set<() => void>();
  connections = 0;

  constructor(
    private readonly store: Pick<EventStore, 'checkpoints'>,
    private readonly settings: SyslogSettings,
    private readonly options: ExportOptions,
    private readonly tuning: { confirmMs?: number; maxBackoffMs?: number } = {},
  ) {
    this.name = `siem-export:syslog:${settings.host}:${settings.port}`;
  }

  async loadCheckpoint(): Promise<number> {
    return (await this.store.checkpoints.load(this.name)) ?? 0;
  }

  async handle(batch: RecordedEvent[]): Promise<void> {
    const frames = Buffer.concat(batch.map((event) => octetCounted(this.message(event))));
    let backoff = 100;
    for (;;) {
      if (this.stopped) throw new Stopped();
      try {
        await this.write(frames);
        break;
      } catch (error) {
        if (error instanceof Stopped) throw error;
        this.drop();
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, this.tuning.maxBackoffMs ?? 2_000);
      }
    }
    await this.store.checkpoints.save(this.name, batch[batch.length - 1]!.position);
  }

  stop(): void {
    this.stopped = true;
    for (const wake of this.wake) wake();
    this.drop();
  }

  private message(event: RecordedEvent): string {
    const record = exportRecord('cef', event, this.options);
    return rfc5424(record.line, {
      time: Date.parse(event.metadata.occurredAt),
      hostname: this.options.hostname ?? '-',
      appName: this.settings.appName,
      msgId: event.type,
      cefSeverity: describeEvent(exportable(event, this.options)).cefSeverity,
    });
  }

  private async write(frames: Buffer): Promise<void> {
    const socket = await this.connected();
    this.broken = false;
    await new Promise<void>((resolve, reject) => socket.write(frames, (error) => (error ? reject(error) : resolve())));
    // a collector that died leaves a connection that still takes one write: give the close or reset time to arrive
    await this.sleep(this.tuning.confirmMs ?? 50);
    if (this.broken || socket.destroyed || !socket.writable) throw new Error('the syslog connection closed during the write');
  }

  private async connected(): Promise<net.Socket> {
    if (this.socket && !this.broken && !this.socket.destroyed && this.socket.writable) return this.socket;
    this.drop();
    const { host, port } = this.settings;
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      const created = this.settings.tls
        ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ca: this.settings.caFile ? readFileSync(this.settings.caFile) : undefined }, () => resolve(created))
        : net.connect({ host, port }, () => resolve(created));
      created.once('error', onError);
    });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    socket.removeAllListeners('error');
    const breaks = () => {
      this.broken = true;
    };
    socket.on('error', breaks);
    socket.on('close', breaks);
    socket.on('end', breaks);
    // the collector sends nothing; reading keeps the 'end' of a closed connection observable
    socket.on('data', () => undefined);
    this.socket = socket;
    this.connections += 1;
    return socket;
  }

  private drop(): void {
    this.socket?.destroy();
    this.socket = null;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake.add(done);
    });
  }
}
