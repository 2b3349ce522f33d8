import type { Clock } from '@bulwark/platform';
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { assertDeliverable, DeliveryPayload, OtpDelivery, OtpDeliveryProvider, toPayload } from './otp-delivery.port';

export const OUTBOX_FILE = 'outbox.ndjson';

export type OutboxEntry = { writtenAt: string; providerMessageId: string; payload: DeliveryPayload };

/**
 * For development only: instead of texting or calling anyone, appends each message as one JSON line to
 * `<dir>/outbox.ndjson`, where a developer (or a test) reads the code with `readOutbox` or `tail -f`.
 *
 * This file is the one place Bulwark writes a one-time code in clear; everywhere else a code exists only in
 * memory, on its way to the provider, or as an HMAC. Hence the file is the owner's alone (0600, in a 0700
 * directory) and a deployment that sends real codes must configure a real provider instead.
 */
export class FileDeliveryProvider implements OtpDeliveryProvider {
  readonly name = 'file';
  readonly file: string;

  constructor(
    private readonly dir: string,
    private readonly clock: Clock = { now: () => new Date() },
  ) {
    this.file = path.join(dir, OUTBOX_FILE);
  }

  async deliver(message: OtpDelivery): Promise<{ providerMessageId: string }> {
    assertDeliverable(message, this.name);
    const entry: OutboxEntry = { writtenAt: this.clock.now().toISOString(), providerMessageId: randomUUID(), payload: toPayload(message) };
    // 0700 when we create it; a directory the operator made is left as they made it, the file itself is 0600
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    // O_NOFOLLOW: a symlink planted at the outbox's name must not redirect codes elsewhere (no such flag on Windows)
    const handle = await open(this.file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0), 0o600);
    try {
      // the mode above applies only when the file is created; an outbox made by hand is narrowed too
      await handle.chmod(0o600);
      // one write per line, so lines from concurrent deliveries do not interleave
      await handle.write(JSON.stringify(entry) + '\n');
    } finally {
      await handle.close();
    }
    return { providerMessageId: entry.providerMessageId };
  }
}

/** The outbox's entries, oldest first; none when nothing has been sent yet. */
export async function readOutbox(dir: string): Promise<OutboxEntry[]> {
  let text: string;
  try {
    text = await readFile(path.join(dir, OUTBOX_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as OutboxEntry);
}
