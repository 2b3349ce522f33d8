import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DomainError, OathImportEvent, streams } from '@bulwark/contracts';
import { CommandContext, EVENT_STORE, EventStore, ExpectedRevision, envelope } from '@bulwark/event-store';
import { CLOCK, Clock, ConsumerHost, READ_DB } from '@bulwark/platform';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { MAX_OATH_METHODS } from '../user-mfa/methods.model';
import { undeliveredAssignments, unfinishedImports } from '../projections/token-inventory.projection';
import { parsePskc, parseTokenCsv } from './import';
import { importOutcome, TokenInventory, TokenToImport } from './token-inventory.service';

export type ImportFile = { format: 'csv' | 'pskc'; body: Buffer; preSharedKey?: Buffer; password?: string; fileName: string | null };
type RowError = { row: number; serialNumber: string | null; reason: string };
type Parsed = { tokens: Array<TokenToImport & { row: number; userId: string | null }>; errors: RowError[] };

const SYSTEM = { type: 'system', id: 'mfa/token-import' } as const;
export const INTERRUPTED_BY_RESTART = 'interrupted by a restart; no token of this job was stored';

/** Why a job stopped before its commit; the job then ends failed and none of its tokens exists. */
class ImportStopped extends Error {}

/**
 * An import is a job, and all or nothing. The file is parsed (and refused whole if it is not a token file, or
 * fails an integrity check) before the job is acknowledged. Each valid row is then staged in its token's stream,
 * with its assignment; staged tokens do not exist yet. The job's OathImportCompleted, appended on the job's
 * stream right after OathImportStarted, is the one commit point: it makes every staged token exist at once.
 * A job that stops before it (an error, a shutdown, a crash found at the next start) ends OathImportFailed on
 * that same revision, so a job is committed or failed, never both, and never left running.
 * After the commit, each assignment is given to its user's stream; a start finishes any a crash cut short.
 */
@Injectable()
export class TokenImportJob implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('TokenImportJob');
  private readonly running = new Set<Promise<void>>();
  private stopping = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_DB) private readonly db: Database.Database,
    private readonly consumers: ConsumerHost,
    private readonly inventory: TokenInventory,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Parses synchronously (throws TokenImportFormatError for a file that is refused whole), then imports in the background. */
  async start(file: ImportFile, context: Omit<CommandContext, 'now'>): Promise<string> {
    const parsed = parse(file);
    const importId = randomUUID();
    const now = this.clock.now();
    const started: OathImportEvent = { type: 'OathImportStarted', data: { importId, format: file.format, fileName: file.fileName, allOrNothing: true, at: now.toISOString() } };
    await this.append(importId, [started], { ...context, now }, 'no_stream');
    this.track(this.run(importId, parsed, context));
    return importId;
  }

  /** Resolves when every job started so far (and the start's recovery) has finished (for tests and shutdown). */
  async settled(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
  }

  /** Jobs a previous process left unfinished end now; it runs in the background, so that a start is not held up. */
  async onApplicationBootstrap(): Promise<void> {
    const bootHead = await this.store.headPosition();
    this.track(this.recover(bootHead).catch((error) => this.logger.error(`recovering token imports failed: ${(error as Error).message}`)));
  }

  /** A running job stops at its next row and ends failed, before the store closes. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.settled();
  }

  private track(job: Promise<void>): void {
    const tracked = job.finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  private async run(importId: string, parsed: Parsed, context: Omit<CommandContext, 'now'>): Promise<void> {
    const errors: RowError[] = [...parsed.errors];
    const assignments: Array<{ tokenId: string; userId: string }> = [];
    const room = new Map<string, number>();
    let imported = 0;
    try {
      for (const token of parsed.tokens) {
        if (this.stopping) throw new ImportStopped('the service shut down during the import; no token of this job was stored');
        const now = this.clock.now();
        const { row, userId, ...rest } = token;
        // the user's room counts this job's staged assignments too: the user's stream sees them only after the commit
        const left = userId ? (room.get(userId) ?? (await this.inventory.oathRoom(userId))) : 0;
        const assignTo = userId && left > 0 ? userId : null;
        let tokenId: string;
        try {
          tokenId = await this.inventory.stage(rest, importId, assignTo, { ...context, now });
        } catch (error) {
          // a row the inventory refuses (a serial already there) is that row's; anything else stops the job
          if (!(error instanceof DomainError)) throw error;
          errors.push({ row, serialNumber: token.serialNumber, reason: error.message });
          continue;
        }
        imported++;
        if (!userId) continue;
        room.set(userId, left - (assignTo ? 1 : 0));
        if (assignTo) assignments.push({ tokenId, userId });
        else errors.push({ row, serialNumber: token.serialNumber, reason: `imported, but not assigned to ${userId}: the user already has ${MAX_OATH_METHODS} OATH methods (software and hardware)` });
      }
      const at = this.clock.now();
      errors.sort((a, b) => a.row - b.row);
      const completed: OathImportEvent = { type: 'OathImportCompleted', data: { importId, imported, assigned: assignments.length, rejected: errors.length, errors, at: at.toISOString() } };
      await this.append(importId, [completed], { ...context, now: at }, 0);
    } catch (error) {
      const reason = error instanceof ImportStopped ? error.message : 'the import stopped on an internal error; no token of this job was stored';
      if (!(error instanceof ImportStopped)) this.logger.error(`import ${importId} failed: ${(error as Error).message}`);
      const at = this.clock.now();
      await this.append(importId, [{ type: 'OathImportFailed', data: { importId, reason, at: at.toISOString() } }], { ...context, now: at }, 0).catch((failure) =>
        this.logger.error(`import ${importId} could not be marked failed (the next start will): ${(failure as Error).message}`),
      );
      return;
    }
    for (const { tokenId, userId } of assignments) await this.deliver(tokenId, userId, { ...context, now: this.clock.now() });
  }

  private async recover(bootHead: number): Promise<void> {
    await this.consumers.catchUp('projection:mfa_token_inventory');
    for (const importId of unfinishedImports(this.db)) {
      const events = await this.store.readStream(streams.oathImport(importId));
      // a job started by this process, after its start, was not interrupted
      if (events[0]!.position > bootHead) continue;
      const outcome = importOutcome(events as unknown as OathImportEvent[]);
      let reason: string;
      if (outcome === 'running') reason = INTERRUPTED_BY_RESTART;
      else if (outcome === 'legacy' && events.length === 1) reason = 'interrupted by a restart, before imports were all or nothing; the rows it stored remain';
      else continue;
      const now = this.clock.now();
      await this.append(importId, [{ type: 'OathImportFailed', data: { importId, reason, at: now.toISOString() } }], { correlationId: randomUUID(), actor: SYSTEM, now }, events.length - 1)
        .then(() => this.logger.warn(`import ${importId}: ${reason}`))
        .catch((error) => this.logger.error(`import ${importId} could not be marked failed: ${(error as Error).message}`));
    }
    for (const { tokenId, userId } of undeliveredAssignments(this.db)) await this.deliver(tokenId, userId, { correlationId: randomUUID(), actor: SYSTEM, now: this.clock.now() });
  }

  /** The token side of the assignment stands; if the user's side fails, the token is handed back with a reason. */
  private async deliver(tokenId: string, userId: string, context: CommandContext): Promise<void> {
    await this.inventory.deliver(tokenId, userId, context).catch((error) => this.logger.warn(`token ${tokenId} not given to ${userId}: ${(error as Error).message}`));
  }

  private async append(importId: string, events: OathImportEvent[], context: CommandContext, expectedRevision: ExpectedRevision): Promise<void> {
    await this.store.append(streams.oathImport(importId), envelope(events, context), { expectedRevision });
  }
}

function parse(file: ImportFile): Parsed {
  if (file.format === 'csv') {
    const { tokens, errors } = parseTokenCsv(file.body);
    return {
      tokens: tokens.map((token) => ({
        row: token.row,
        userId: token.upn,
        serialNumber: token.serialNumber,
        manufacturer: token.manufacturer || null,
        model: token.model || null,
        secret: token.secret,
        oathType: 'totp',
        hashFunction: token.hashFunction,
        digits: token.digits,
        period: token.timeIntervalInSeconds,
        counter: null,
      })),
      errors: errors.map((error) => ({ row: error.row, serialNumber: error.serialNumber ?? null, reason: error.reason })),
    };
  }
  const { tokens, errors } = parsePskc({ xml: file.body.toString('utf8'), preSharedKey: file.preSharedKey, password: file.password });
  const rows: Parsed['tokens'] = [];
  const rowErrors: RowError[] = errors.map((error) => ({ row: error.index + 1, serialNumber: error.serialNumber ?? null, reason: error.reason }));
  for (const token of tokens) {
    const period = token.timeIntervalInSeconds ?? 30;
    if (token.digits !== 6 && token.digits !== 8) {
      rowErrors.push({ row: token.index + 1, serialNumber: token.serialNumber, reason: `${token.digits}-digit codes are not supported (6 or 8)` });
    } else if (token.algorithm === 'totp' && period !== 30 && period !== 60) {
      rowErrors.push({ row: token.index + 1, serialNumber: token.serialNumber, reason: `a time interval of ${period} s is not supported (30 or 60)` });
    } else {
      rows.push({
        row: token.index + 1,
        userId: null,
        serialNumber: token.serialNumber,
        manufacturer: token.manufacturer || null,
        model: token.model || null,
        secret: token.secret,
        oathType: token.algorithm,
        hashFunction: token.hashFunction,
        digits: token.digits,
        period: token.algorithm === 'totp' ? (period as 30 | 60) : null,
        counter: token.algorithm === 'hotp' ? (token.counter ?? 0n) : null,
      });
    }
  }
  return { tokens: rows, errors: rowErrors };
}
