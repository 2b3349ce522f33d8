import Database from 'better-sqlite3';
import { toCsv, csvCell } from './csv-writer';
import { CollectionRequest, listGraphCollection, queryOptions } from './graph-collection';
import { enumValue, graphEnum, includesUnknownEnumMembers } from './graph-enums';
import { DATETIME, GraphResource, INT, scalar, STRING } from './resource';
import { SkipTokens } from './skip-token';

const resource: GraphResource = {
  entitySet: 'auditLogs/signIns',
  from: 'rows',
  columns: 'id, at, code, user_id',
  key: 'id',
  filterable: { userId: scalar('user_id', STRING), createdDateTime: scalar('at', DATETIME), 'status/errorCode': scalar('code', INT) },
  selectable: ['id', 'createdDateTime', 'userId', 'status'],
  sortable: { createdDateTime: { sql: 'at', type: 'datetime' } },
  defaultOrder: { property: 'createdDateTime', key: { sql: 'at', type: 'datetime' }, direction: 'desc' },
  top: { default: 5, max: 10 },
  countable: true,
  skip: true,
};
const uncountable: GraphResource = { ...resource, entitySet: 'identityProtection/riskDetections', countable: false, skip: false, sortable: {} };

type Row = { id: string; at: string; code: number; user_id: string };
const toEntity = (row: Row) => ({ id: row.id, createdDateTime: row.at, userId: row.user_id, status: { errorCode: row.code } });

const db = new Database(':memory:');
db.exec('CREATE TABLE rows (id TEXT PRIMARY KEY, at TEXT NOT NULL, code INTEGER NOT NULL, user_id TEXT NOT NULL)');
const add = (id: string, minute: number, code = 0, user = 'alice') =>
  db.prepare('INSERT INTO rows VALUES (?, ?, ?, ?)').run(id, new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString(), code, user);
// several rows share an instant: the key breaks the ties
for (let i = 0; i < 23; i++) add(`r${String(i).padStart(2, '0')}`, Math.floor(i / 3), i % 4 === 0 ? 500121 : 0, i % 2 ? 'bob' : 'alice');

const tokens = new SkipTokens(Buffer.alloc(32, 7));
const request = (query: Record<string, unknown>): CollectionRequest => ({ query, path: '/v1.0/auditLogs/signIns', protocol: 'http', headers: { host: 'bulwark.example:8080' } });
const list = (query: Record<string, unknown>, on: GraphResource = resource) => listGraphCollection(db, on, request(query), tokens, toEntity);

/** Follows @odata.nextLink to the end, as a client does, reading each link's query back. */
function pages(query: Record<string, unknown>, between?: () => void, on: GraphResource = resource) {
  const seen: Array<ReturnType<typeof list>> = [];
  let current: Record<string, unknown> | null = query;
  while (current) {
    const page = list(current, on);
    seen.push(page);
    between?.();
    const link = page['@odata.nextLink'];
    current = link ? Object.fromEntries(new URL(link).searchParams) : null;
  }
  return seen;
}

describe('a Graph collection over SQLite', () => {
  it('pages newest first by keyset to the end, with an absolute next link from the request host that keeps the options', () => {
    const all = pages({ $top: '4', $filter: "userId eq 'alice'" });
    const ids = all.flatMap((page) => page.value.map((row) => row.id));
    const expected = (db.prepare("SELECT id FROM rows WHERE user_id = 'alice' ORDER BY at DESC, id DESC").all() as Array<{ id: string }>).map((row) => row.id);
    expect(ids).toEqual(expected);
    expect(all.map((page) => page.value.length)).toEqual([4, 4, 4]);
    expect(all[0]!['@odata.nextLink']).toMatch(/^http:\/\/bulwark\.example:8080\/v1\.0\/auditLogs\/signIns\?\$top=4&\$filter=userId%20eq%20'alice'&\$skiptoken=[\w-]+\.[\w-]+$/);
    expect(all[2]!['@odata.nextLink']).toBeUndefined();
    expect(all[0]!['@odata.context']).toBe('https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns');
  });

  it('stays stable while rows arrive: new rows neither repeat nor shift the pages handed out', () => {
    const before = pages({ $top: '3' }).flatMap((page) => page.value.map((row) => row.id));
    let added = 0;
    const during = pages({ $top: '3' }, () => add(`new${added++}`, 100 + added)).flatMap((page) => page.value.map((row) => row.id));
    expect(during).toEqual(before);
    db.prepare("DELETE FROM rows WHERE id LIKE 'new%'").run();
  });

  it('sorts ascending on request and pages that way too', () => {
    const ids = pages({ $orderby: 'createdDateTime asc', $top: '10' }).flatMap((page) => page.value.map((row) => row.id));
    expect(ids).toEqual((db.prepare('SELECT id FROM rows ORDER BY at, id').all() as Array<{ id: string }>).map((row) => row.id));
  });

  it('counts what the filter matches on the first page only, and selects properties', () => {
    const [first, second] = pages({ $count: 'true', $filter: 'status/errorCode eq 500121', $top: '2', $select: 'id,status' });
    expect(first!['@odata.count']).toBe(6);
    expect(second!['@odata.count']).toBeUndefined();
    expect(first!.value[0]).toEqual({ id: 'r20', status: { errorCode: 500121 } });
    expect(first!['@odata.context']).toBe('https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns(id,status)');
  });

  it('pages by an integer key (a rowid) as the tie-breaker, newest first and oldest first, with every tied row once', () => {
    const byRowid: GraphResource = { ...resource, columns: 'rowid AS n, id, at, code, user_id', key: 'rowid' };
    const follow = (query: Record<string, unknown>) => pages(query, undefined, byRowid).flatMap((page) => page.value.map((row) => row.id));
    const order = (direction: string) => (db.prepare(`SELECT id FROM rows ORDER BY at ${direction}, rowid ${direction}`).all() as Array<{ id: string }>).map((row) => row.id);
    expect(follow({ $top: '2' })).toEqual(order('DESC'));
    expect(follow({ $top: '2', $orderby: 'createdDateTime asc' })).toEqual(order('ASC'));
    // a token whose key is not a whole number is not one this service issued
    const scope = JSON.parse(Buffer.from(new URL(list({ $top: '2' })['@odata.nextLink']!).searchParams.get('$skiptoken')!.split('.')[0]!, 'base64url').toString())[2];
    for (const key of [1.5, null, true]) {
      const payload = Buffer.from(JSON.stringify(['2026-01-01T00:03:00.000Z', key, scope])).toString('base64url');
      expect(() => tokens.decode(`${payload}.${'A'.repeat(22)}`, scope)).toThrow(/\$skiptoken/);
    }
    expect(tokens.decode(tokens.encode({ sort: '2026-01-01T00:03:00.000Z', key: 7 }, scope), scope)).toEqual({ sort: '2026-01-01T00:03:00.000Z', key: 7 });
    expect(() => tokens.decode(tokens.encode({ sort: '2026-01-01T00:03:00.000Z', key: 7.5 }, scope), scope)).toThrow(/\$skiptoken/);
  });

  it('skips rows on the first page, and pages on from there', () => {
    const ids = pages({ $skip: '20', $top: '2' }).flatMap((page) => page.value.map((row) => row.id));
    expect(ids).toEqual(['r02', 'r01', 'r00']);
  });

  it('refuses a skip token that was edited, forged or issued for another query', () => {
    const first = list({ $top: '2', $filter: "userId eq 'bob'" });
    const token = new URL(first['@odata.nextLink']!).searchParams.get('$skiptoken')!;
    const [payload, signature] = token.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify(['2099-01-01T00:00:00.000Z', 'zzz', JSON.parse(Buffer.from(payload, 'base64url').toString())[2]])).toString('base64url');
    const flip = (text: string) => text.slice(0, -1) + (text.endsWith('A') ? 'B' : 'A');
    for (const bad of [`${forged}.${signature}`, `${payload}.${flip(signature)}`, flip(payload) + `.${signature}`, 'not-a-token', payload, `${payload}.`, '']) {
      expect(() => list({ $top: '2', $filter: "userId eq 'bob'", $skiptoken: bad })).toThrow(/\$skiptoken is not a token this service issued/);
    }
    expect(() => list({ $top: '2', $filter: "userId eq 'alice'", $skiptoken: token })).toThrow(/for this query/);
    expect(() => list({ $top: '2', $orderby: 'createdDateTime asc', $filter: "userId eq 'bob'", $skiptoken: token })).toThrow(/for this query/);
    expect(() => listGraphCollection(db, resource, request({ $top: '2', $filter: "userId eq 'bob'", $skiptoken: token }), new SkipTokens(Buffer.alloc(32, 8)), toEntity)).toThrow(/\$skiptoken/);
    expect(list({ $top: '5', $filter: "userId eq 'bob'", $skiptoken: token }).value).toHaveLength(5);
  });

  it.each([
    [{ $top: '0' }, /\$top must be a whole number from 1 to 10/],
    [{ $top: '11' }, /\$top must be a whole number from 1 to 10/],
    [{ $top: 'ten' }, /\$top/],
    [{ $top: ['1', '2'] }, /given more than once/],
    [{ $skip: '-1' }, /\$skip must be a whole number/],
    [{ $count: 'yes' }, /\$count is true or false/],
    [{ $expand: 'x' }, /\$expand is not supported on auditLogs\/signIns; supported: \$filter, \$top, \$skip, \$select, \$orderby, \$count, \$skiptoken/],
    [{ $search: '"x"' }, /\$search is not supported/],
    [{ $select: 'id,password' }, /has no property password/],
    [{ $select: 'userid' }, /did you mean userId/],
    [{ $select: 'status/errorCode' }, /select the whole property status/],
    [{ $select: 'id,,userId' }, /comma-separated/],
    [{ $orderby: 'userId' }, /can be sorted by createdDateTime only/],
    [{ $orderby: 'createdDateTime sideways' }, /\$orderby is a property name/],
    [{ $orderby: 'createdDateTime desc,userId' }, /one property/],
    [{ $filter: "userId eq 'a' or" }, /\$filter: expected/],
  ])('refuses %j', (query, message) => {
    expect(() => queryOptions(query, resource, tokens)).toThrow(message);
  });

  it.each([
    [{ $count: 'true' }, /\$count is not supported on identityProtection\/riskDetections/],
    [{ $skip: '1' }, /\$skip is not supported/],
    [{ $orderby: 'createdDateTime' }, /\$orderby is not supported/],
  ])('refuses %j where Graph does not support it', (query, message) => {
    expect(() => queryOptions(query, uncountable, tokens)).toThrow(message);
  });
});

describe('evolvable enums and the Prefer header', () => {
  it('shows members after unknownFutureValue only to clients that ask', () => {
    expect(enumValue('riskDetail', 'adminConfirmedAccountSafe', false)).toBe('unknownFutureValue');
    expect(enumValue('riskDetail', 'adminConfirmedAccountSafe', true)).toBe('adminConfirmedAccountSafe');
    expect(enumValue('riskDetail', 'adminDismissedAllRiskForUser', false)).toBe('adminDismissedAllRiskForUser');
    expect(enumValue('activityType', 'servicePrincipal', false)).toBe('unknownFutureValue');
    expect(enumValue('tokenIssuerType', 'NPSExtension', false)).toBe('UnknownFutureValue');
    expect(graphEnum('riskLevel').members).toContain('hidden');
  });

  it('reads the preference among others', () => {
    expect(includesUnknownEnumMembers('odata.maxpagesize=10, include-unknown-enum-members')).toBe(true);
    expect(includesUnknownEnumMembers(['return=minimal', 'Include-Unknown-Enum-Members'])).toBe(true);
    expect(includesUnknownEnumMembers('include-unknown-enum-members-not')).toBe(false);
    expect(includesUnknownEnumMembers(undefined)).toBe(false);
  });
});

describe('CSV for spreadsheets', () => {
  it('neutralises formulas, writes control characters as visible escapes (one line per row) and quotes what needs quoting', () => {
    expect(['=HYPERLINK("http://evil","x")', '+1+1', '-2+3', '@SUM(A1)', '\tx', '\rx', 'plain', 'a,b', 'say "hi"', 'two\nlines', ' padded', ''].map(csvCell)).toEqual([
      `"'=HYPERLINK(""http://evil"",""x"")"`,
      "'+1+1",
      "'-2+3",
      "'@SUM(A1)",
      '\\u0009x',
      '\\u000dx',
      'plain',
      '"a,b"',
      '"say ""hi"""',
      'two\\u000alines',
      '" padded"',
      '',
    ]);
    expect([0, -5, 500121, true, null, undefined].map(csvCell)).toEqual(['0', '-5', '500121', 'true', '', '']);
    expect(toCsv([{ header: 'id', value: (row: { id: string }) => row.id }], [{ id: '=1' }, { id: 'x' }])).toBe("id\r\n'=1\r\nx\r\n");
  });
});
