import { eventRegistry, NewEvent, streams } from '@bulwark/contracts';
import { envelope, SqliteEventStore } from '@bulwark/event-store';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseCef } from '../apps/siem-export/src/formats/fixtures/cef-parser';
import { Embedded, startEmbedded } from './support/embedded';
import { Collector, freePort, rsyslogd, startCollector } from './support/rsyslog';

const binary = rsyslogd();

/** `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD CEF…` as rsyslog stored it (%rawmsg%, the octet count taken off). */
function parseSyslog(line: string) {
  const match = /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (\S+) (CEF:0\|.*)$/.exec(line);
  if (!match) throw new Error(`not an RFC 5424 CEF message: ${line}`);
  return { pri: Number(match[1]), timestamp: match[2]!, host: match[3]!, app: match[4]!, msgId: match[6]!, cef: parseCef(match[8]!) };
}

const externalIds = (collector: Collector) => collector.lines().map((line) => parseSyslog(line).cef.extension.externalId!);

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function revocations(userId: string, count: number, now: Date, tag: string): NewEvent[] {
  return envelope(
    Array.from({ length: count }, (_, index) => ({ type: 'SessionsRevoked', data: { userId, reason: `${tag} ${index}\nline two = | pipe`, at: now.toISOString() } })),
    { correlationId: randomUUID(), actor: { type: 'admin', id: 'key:admin' }, now },
  );
}

(binary ? describe : describe.skip)('CEF over syslog (RFC 5424, RFC 6587 octet counting) to a real rsyslogd', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-rsyslog-'));
  const userId = `alice-${randomUUID().slice(0, 8)}@contoso.com`;
  let port: number;
  let first: Collector;
  let second: Collector | null = null;
  let bulwark: Embedded;
  const sent: string[] = [];

  beforeAll(async () => {
    port = await freePort();
    first = await startCollector(binary!, dir, port, 'first');
    bulwark = await startEmbedded({ env: { BULWARK_SIEM_SYSLOG: `127.0.0.1:${port}`, BULWARK_SIEM_HOSTNAME: 'bulwark-test-1' } });
  }, 60_000);

  afterAll(async () => {
    await bulwark?.close();
    await first?.stop();
    await second?.stop();
  }, 60_000);

  it('delivers every committed event as one RFC 5424 message carrying its CEF line', async () => {
    const events = revocations(userId, 50, bulwark.clock.now(), 'first');
    await bulwark.store.append(streams.userSessions(userId), events, { expectedRevision: 'any' });
    sent.push(...events.map((event) => event.eventId));
    const all = (await bulwark.store.readAll({ after: 0, maxCount: 100_000 })).map((event) => event.eventId);
    await until(() => all.every((id) => externalIds(first).includes(id)), 20_000, 'the collector to store every event');
    expect(externalIds(first)).toEqual(all);

    const message = parseSyslog(first.lines().find((line) => line.includes(events[0]!.eventId))!);
    // facility 10 (authpriv) * 8 + severity 5 (Notice, for CEF severity 5)
    expect(message).toMatchObject({ pri: 85, host: 'bulwark-test-1', app: 'bulwark', msgId: 'SessionsRevoked' });
    expect(message.timestamp).toBe(events[0]!.metadata.occurredAt);
    // the framing held a value with a newline, an equals sign and a pipe in one message
    expect(message.cef.extension.reason).toBe('first 0\nline two = | pipe');
    expect(message.cef.header[4]).toBe('3007');
  }, 60_000);

  it('reconnects after the collector restarts and loses nothing committed meanwhile', async () => {
    await first.stop();
    // committed while the collector is down: the exporter keeps retrying
    const whileDown = revocations(userId, 30, bulwark.clock.now(), 'while down');
    await bulwark.store.append(streams.userSessions(userId), whileDown, { expectedRevision: 'any' });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    second = await startCollector(binary!, dir, port, 'second');
    const after = revocations(userId, 20, bulwark.clock.now(), 'after restart');
    await bulwark.store.append(streams.userSessions(userId), after, { expectedRevision: 'any' });
    const expected = [...whileDown, ...after].map((event) => event.eventId);
    await until(() => expected.every((id) => externalIds(second!).includes(id)), 30_000, 'the restarted collector to get every event');
    const delivered = [...externalIds(first), ...externalIds(second)];
    const all = (await bulwark.store.readAll({ after: 0, maxCount: 100_000 })).map((event) => event.eventId);
    expect(all.filter((id) => !delivered.includes(id))).toEqual([]);
    // in commit order on the new connection, first deliveries only
    const firstSeen = [...new Set(externalIds(second))];
    expect(firstSeen.filter((id) => expected.includes(id))).toEqual(expected);
    const status = await bulwark.as('siem').get('/v1/siem/exports');
    expect(status.body.syslog).toMatchObject({ collector: `127.0.0.1:${port}`, position: await bulwark.store.headPosition() });
  }, 90_000);

  it('resumes from its checkpoint after the service restarts', async () => {
    const { dataDir, clock } = bulwark;
    await bulwark.close();
    const store = new SqliteEventStore(path.join(dataDir, 'events.db'), eventRegistry);
    const down = revocations(userId, 5, clock.now(), 'service down');
    await store.append(streams.userSessions(userId), down, { expectedRevision: 'any' });
    await store.close();
    const before = externalIds(second!).length;
    bulwark = await startEmbedded({ dataDir, clock, env: { BULWARK_SIEM_SYSLOG: `127.0.0.1:${port}` } });
    await until(() => down.every((event) => externalIds(second!).includes(event.eventId)), 20_000, 'the events committed while the service was down');
    // nothing before the checkpoint is sent again
    expect(externalIds(second!).slice(before)).toEqual(down.map((event) => event.eventId));
  }, 60_000);
});
