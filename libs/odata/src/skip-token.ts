import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ODataQueryError } from './odata-error';

/** Where a page ended: the sort value and the key of its last row. */
export type Cursor = { sort: string | number; key: string | number };

const invalid = () => new ODataQueryError('$skiptoken is not a token this service issued for this query: follow @odata.nextLink as given');

/**
 * `$skiptoken`: the last row's sort key and a digest of the query it belongs to, signed with the service's key.
 * It is opaque to clients; one edited, forged, or moved to another filter or order is refused, never followed.
 */
export class SkipTokens {
  constructor(private readonly key: Buffer) {}

  /** A digest of what the token's position means: the collection, the filter and the order. */
  static scopeOf(...parts: string[]): string {
    return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 16);
  }

  encode(cursor: Cursor, scope: string): string {
    const payload = Buffer.from(JSON.stringify([cursor.sort, cursor.key, scope])).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  decode(token: unknown, scope: string): Cursor {
    if (typeof token !== 'string' || token.length > 2000 || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) throw invalid();
    const [payload, signature] = token.split('.') as [string, string];
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw invalid();
    }
    if (!Array.isArray(parsed) || parsed.length !== 3) throw invalid();
    const [sort, key, tokenScope] = parsed as unknown[];
    if ((typeof sort !== 'string' && typeof sort !== 'number') || (typeof key !== 'string' && !Number.isSafeInteger(key)) || tokenScope !== scope) throw invalid();
    return { sort, key: key as string | number };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(`skiptoken:${payload}`).digest('base64url').slice(0, 22);
  }
}
