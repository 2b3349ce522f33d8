import { OnApplicationShutdown } from '@nestjs/common';
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Clock } from '../clock';
import { BulwarkConfig } from '../config';
import { Sealed, SealedBox } from '../sealed-box';

/** How long a key is remembered: the IETF draft's suggestion, and Stripe's. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;
const PURGE_EVERY_MS = 60 * 1000;

/** The answer given to the first request of a key, replayed to its retries. */
export type StoredAnswer = { status: number; headers: Record<string, string>; body: string | null };

export type Claim =
  | { outcome: 'claimed' }
  | { outcome: 'replay'; answer: StoredAnswer }
  | { outcome: 'inProgress' }
  | { outcome: 'reused' };

/** Each process has its own file beside its read database (a distributed service: one per service). */
export const idempotencyDatabaseFile = (config: BulwarkConfig) => path.join(config.dataDir, `${config.serviceName}.idempotency.db`);

type Row = { fingerprint: string; created_at: number; status: number | null; answer: string | null };

/**
 * The keys seen in the last 24 hours, by the caller's scope (its role), with the answer each first request got.
 * A row is inserted "in progress" under the (scope, key) primary key before the handler runs, so of two requests
 * racing with one key exactly one runs; the answer is sealed (AES-GCM, the data key) because answers hold secrets
 * (a TOTP secret, an app password). The file belongs to one process: rows still in progress when it opens were
 * left by a process that died mid-request, and are dropped so that their retries can run.
 */
export class IdempotencyStore implements OnApplicationShutdown {
  private lastPurge = Number.NEGATIVE_INFINITY;
  private readonly statements;

  private constructor(
    private readonly db: Database.Database,
    private readonly box: SealedBox,
    private readonly clock: Clock,
  ) {
    this.statements = {
      insert: db.prepare<[string, string, string, number]>('INSERT INTO idempotency_keys (scope, key, fingerprint, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING'),
      select: db.prepare<[string, string], Row>('SELECT fingerprint, created_at, status, answer FROM idempotency_keys WHERE scope = ? AND key = ?'),
      deleteExpired: db.prepare<[string, string, number]>('DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND created_at <= ?'),
      complete: db.prepare<[number, string, string, string]>('UPDATE idempotency_keys SET status = ?, answer = ? WHERE scope = ? AND key = ? AND status IS NULL'),
      release: db.prepare<[string, string]>('DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND status IS NULL'),
      purge: db.prepare<[number]>('DELETE FROM idempotency_keys WHERE created_at <= ?'),
    };
  }

  static open(file: string, box: SealedBox, clock: Clock): IdempotencyStore {
    mkdirSync(path.dirname(file), { recursive: true });
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.exec(`
      CREATE TABLE IF NOT EXISTS idempotency_keys (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        status INTEGER,
        answer TEXT,
        PRIMARY KEY (scope, key)
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS idempotency_keys_by_age ON idempotency_keys (created_at);
      DELETE FROM idempotency_keys WHERE status IS NULL;
    `);
    return new IdempotencyStore(db, box, clock);
  }

  /** Takes the key for this request, or says what became of the request that took it first. */
  claim(scope: string, key: string, fingerprint: string): Claim {
    const now = this.clock.now().getTime();
    const expired = now - IDEMPOTENCY_RETENTION_MS;
    return this.db
      .transaction((): Claim => {
        if (now - this.lastPurge >= PURGE_EVERY_MS) {
          this.statements.purge.run(expired);
          this.lastPurge = now;
        }
        this.statements.deleteExpired.run(scope, key, expired);
        if (this.statements.insert.run(scope, key, fingerprint, now).changes === 1) return { outcome: 'claimed' };
        const row = this.statements.select.get(scope, key)!;
        if (row.fingerprint !== fingerprint) return { outcome: 'reused' };
        if (row.status === null || row.answer === null) return { outcome: 'inProgress' };
        return { outcome: 'replay', answer: JSON.parse(this.box.open(JSON.parse(row.answer) as Sealed, sealContext(scope, key, fingerprint))) as StoredAnswer };
      })
      .immediate();
  }

  /** Keeps the first request's answer for its retries. */
  complete(scope: string, key: string, fingerprint: string, answer: StoredAnswer): void {
    const sealed = this.box.seal(JSON.stringify(answer), sealContext(scope, key, fingerprint));
    this.statements.complete.run(answer.status, JSON.stringify(sealed), scope, key);
  }

  /** Gives the key back (the request failed on the server's side): a retry runs as if it were the first. */
  release(scope: string, key: string): void {
    this.statements.release.run(scope, key);
  }

  onApplicationShutdown(): void {
    this.db.close();
  }
}

// binds a sealed answer to its row: an answer copied to another scope or key does not open
const sealContext = (scope: string, key: string, fingerprint: string) => `idempotency\n${scope}\n${key}\n${fingerprint}`;
