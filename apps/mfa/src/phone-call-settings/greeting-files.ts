import { Inject, Injectable } from '@nestjs/common';
import { BULWARK_CONFIG, BulwarkConfig } from '@bulwark/platform';
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Custom voice messages' audio, in `<data dir>/greetings/<sha256>`: content-addressed, so the same recording
 * uploaded twice is one file, and a file whose bytes no longer match its name is never handed to a provider.
 */
@Injectable()
export class GreetingFiles {
  readonly dir: string;

  constructor(@Inject(BULWARK_CONFIG) config: BulwarkConfig) {
    this.dir = path.join(config.dataDir, 'greetings');
  }

  /** Stores the bytes under their hash; `created`: the file was not there before. */
  async put(bytes: Buffer): Promise<{ sha256: string; created: boolean }> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const exists = await stat(this.fileOf(sha256)).then(
      (found) => found.isFile() && found.size === bytes.length,
      () => false,
    );
    if (exists) return { sha256, created: false };
    // written aside, then renamed: a reader never sees half a file under the final name
    const staging = path.join(this.dir, `.${sha256}.${randomUUID()}`);
    await writeFile(staging, bytes, { mode: 0o600, flag: 'wx' });
    await rename(staging, this.fileOf(sha256));
    return { sha256, created: true };
  }

  async get(sha256: string): Promise<Buffer> {
    const bytes = await readFile(this.fileOf(sha256));
    if (createHash('sha256').update(bytes).digest('hex') !== sha256) throw new Error(`greeting file ${sha256} does not match its hash`);
    return bytes;
  }

  async remove(sha256: string): Promise<void> {
    await unlink(this.fileOf(sha256)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  private fileOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error('not a SHA-256');
    return path.join(this.dir, sha256);
  }
}
