import { chmodSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileDeliveryProvider, OUTBOX_FILE, readOutbox } from './file-delivery.adapter';
import { DeliveryFailedError, SmsMessage, VoiceCall } from './otp-delivery.port';

const NOW = new Date('2031-05-06T10:00:00.000Z');
const clock = { now: () => NOW };
const freshDir = () => mkdtempSync(path.join(tmpdir(), 'bulwark-outbox-'));

const sms: SmsMessage = { kind: 'sms', challengeId: 'ch-1', userId: 'user-1', to: '+447700900123', code: '042917', expiresAt: '2031-05-06T10:05:00.000Z' };
const call: VoiceCall = { kind: 'voice', challengeId: 'ch-2', userId: 'user-1', to: '+447700900123', code: null, expiresAt: '2031-05-06T10:05:00.000Z', fraudCode: '0' };

describe('the development outbox', () => {
  it('gets one JSON line per message, in a private directory and file', async () => {
    const dir = path.join(freshDir(), 'outbox');
    const outbox = new FileDeliveryProvider(dir, clock);

    const first = await outbox.deliver(sms);
    const second = await outbox.deliver(call);

    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(outbox.file).mode & 0o777).toBe(0o600);
    expect(outbox.file).toBe(path.join(dir, OUTBOX_FILE));
    expect(readFileSync(outbox.file, 'utf8').split('\n')).toHaveLength(3);
    expect(await readOutbox(dir)).toEqual([
      { writtenAt: NOW.toISOString(), providerMessageId: first.providerMessageId, payload: expect.objectContaining({ kind: 'sms', challengeId: 'ch-1', code: '042917' }) },
      {
        writtenAt: NOW.toISOString(),
        providerMessageId: second.providerMessageId,
        payload: expect.objectContaining({ kind: 'voice', challengeId: 'ch-2', code: null, keys: { approve: '#', reportFraud: '0#' } }),
      },
    ]);
    expect(second.providerMessageId).not.toBe(first.providerMessageId);
  });

  it('keeps lines whole when messages are delivered at once', async () => {
    const dir = freshDir();
    const outbox = new FileDeliveryProvider(dir, clock);
    await Promise.all(Array.from({ length: 50 }, (_, i) => outbox.deliver({ ...sms, challengeId: `ch-${i}` })));
    const entries = await readOutbox(dir);
    expect(entries.map((entry) => entry.payload.challengeId).sort()).toEqual(Array.from({ length: 50 }, (_, i) => `ch-${i}`).sort());
  });

  it('narrows an outbox file someone made readable by others', async () => {
    const dir = freshDir();
    writeFileSync(path.join(dir, OUTBOX_FILE), '');
    chmodSync(path.join(dir, OUTBOX_FILE), 0o644);
    await new FileDeliveryProvider(dir, clock).deliver(sms);
    expect(statSync(path.join(dir, OUTBOX_FILE)).mode & 0o777).toBe(0o600);
  });

  (process.platform === 'win32' ? it.skip : it)('does not follow a symlink planted at the outbox name', async () => {
    const dir = freshDir();
    const elsewhere = path.join(freshDir(), 'stolen.ndjson');
    writeFileSync(elsewhere, '');
    symlinkSync(elsewhere, path.join(dir, OUTBOX_FILE));
    await expect(new FileDeliveryProvider(dir, clock).deliver(sms)).rejects.toMatchObject({ code: 'ELOOP' });
    expect(readFileSync(elsewhere, 'utf8')).toBe('');
  });

  it('refuses a message no provider could act on, writing nothing', async () => {
    const dir = freshDir();
    await expect(new FileDeliveryProvider(dir, clock).deliver({ ...sms, to: '12345' })).rejects.toBeInstanceOf(DeliveryFailedError);
    expect(await readOutbox(dir)).toEqual([]);
  });

  it('reads as empty before anything was sent', async () => {
    expect(await readOutbox(path.join(freshDir(), 'never-created'))).toEqual([]);
  });
});
