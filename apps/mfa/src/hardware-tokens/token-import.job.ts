import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError, OathImportEvent, streams } from '@bulwark/contracts';
import { CommandContext, EVENT_STORE, EventStore, envelope } from '@bulwark/event-store';
import { CLOCK, Clock } from '@bulwark/platform';
import { randomUUID } from 'node:crypto';
import { parsePskc, parseTokenCsv } from './import';
import { TokenInventory, TokenToImport } from './token-inventory.service';

export type ImportFile = { format: 'csv' | 'pskc'; body: Buffer; preSharedKey?: Buffer; password?: string; fileName: string | null };
type RowError = { row: number; serialNumber: string | null; reason: string };
type Parsed = { tokens: Array<TokenToImport & { row: number; userId: string | null }>; errors: RowError[] };

/**
 * An import is a job: the file is parsed (and refused whole if it is not a token file) before the job is
 * acknowledged; the rows are then stored one by one, each valid row landing and each invalid one reported.
 */
@Injectable()
export class TokenImportJob {
  private readonly logger = new Logger('TokenImportJob');
  private readonly running = new Set<Promise<void>>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly inventory: TokenInventory,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Parses synchronously (throws TokenImportFormatError for a file that is refused whole), then imports in the background. */
  async start(file: ImportFile, context: Omit<CommandContext, 'now'>): Promise<string> {
    const parsed = parse(file);
    const importId = randomUUID();
    const now = this.clock.now();
    await this.append(importId, [{ type: 'OathImportStarted', data: { importId, format: file.format, fileName: file.fileName, at: now.toISOString() } }], { ...context, now }, 'no_stream');
    const job = this.run(importId, parsed, context).finally(() => this.running.delete(job));
    this.running.add(job);
    return importId;
  }

  /** Resolves when every job started so far has finished (for tests and shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.running]);
  }

  private async run(importId: string, parsed: Parsed, context: Omit<CommandContext, 'now'>): Promise<void> {
    const errors: RowError[] = [...parsed.errors];
    let imported = 0;
    let assigned = 0;
    try {
      for (const token of parsed.tokens) {
        const now = this.clock.now();
        const { row, userId, ...rest } = token;
        let tokenId: string;
        try {
          tokenId = await this.inventory.import(rest, importId, { ...context, now });
          imported++;
        } catch (error) {
          errors.push({ row, serialNumber: token.serialNumber, reason: reasonOf(error) });
          continue;
        }
        if (!userId) continue;
        try {
          await this.inventory.assign(tokenId, userId, { ...context, now });
          assigned++;
        } catch (error) {
          errors.push({ row, serialNumber: token.serialNumber, reason: `imported, but not assigned to ${userId}: ${reasonOf(error)}` });
        }
      }
      const at = this.clock.now();
      errors.sort((a, b) => a.row - b.row);
      await this.append(importId, [{ type: 'OathImportCompleted', data: { importId, imported, assigned, rejected: errors.length, errors, at: at.toISOString() } }], { ...context, now: at });
    } catch (error) {
      this.logger.error(`import ${importId} failed: ${reasonOf(error)}`);
      const at = this.clock.now();
      await this.append(importId, [{ type: 'OathImportFailed', data: { importId, reason: 'the import stopped on an internal error; rows stored so far remain', at: at.toISOString() } }], { ...context, now: at }).catch(() => undefined);
    }
  }

  private async append(importId: string, events: OathImportEvent[], context: CommandContext, expectedRevision: 'no_stream' | 'any' = 'any'): Promise<void> {
    await this.store.append(streams.oathImport(importId), envelope(events, context), { expectedRevision });
  }
}

const reasonOf = (error: unknown) => (error instanceof DomainError ? error.message : 'internal error');

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
        counter: token.algorithm === 'hotp' ? (token.counter ?? 0) : null,
      });
    }
  }
  return { tokens: rows, errors: rowErrors };
}
