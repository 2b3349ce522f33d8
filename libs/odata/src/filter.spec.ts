import Database from 'better-sqlite3';
import { compileFilter } from './filter-compiler';
import { parseFilter } from './filter-parser';
import { graphEnum } from './graph-enums';
import { tokenize } from './lexer';
import { ODataQueryError } from './odata-error';
import { BOOLEAN, DATETIME, GraphResource, INT, scalar, STRING } from './resource';

/** A sign-in-like resource over a real SQLite table, so every compiled filter is also run. */
const resource: Pick<GraphResource, 'filterable'> = {
  filterable: {
    id: scalar('id', STRING, ['eq', 'in']),
    userId: scalar('user_id', STRING, ['eq', 'ne', 'in']),
    userPrincipalName: scalar('upn', STRING),
    createdDateTime: scalar('created_at', DATETIME),
    'status/errorCode': scalar('error_code', INT),
    ipAddress: scalar('ip', STRING),
    isInteractive: scalar('interactive', BOOLEAN),
    riskLevelDuringSignIn: scalar('risk_level', graphEnum('riskLevel')),
    appDisplayName: scalar('app', STRING),
    riskEventTypes_v2: { kind: 'collection', sql: 'risk_event_types', element: STRING },
    targetResources: {
      kind: 'collection',
      sql: 'targets',
      element: { properties: { id: { json: '$.id', type: STRING }, displayName: { json: '$.displayName', type: STRING } } },
    },
  },
};

const rows = [
  { id: 'a', user_id: 'alice', upn: 'alice@contoso.com', created_at: '2026-01-01T10:00:00.000Z', error_code: 0, ip: '203.0.113.7', interactive: 1, risk_level: 'none', app: "O'Reilly Portal", risk_event_types: '[]', targets: '[{"id":"u1","displayName":"Alice"}]' },
  { id: 'b', user_id: 'bob', upn: 'bob@contoso.com', created_at: '2026-01-02T10:00:00.000Z', error_code: 500121, ip: '203.0.113.8', interactive: 1, risk_level: 'high', app: null, risk_event_types: '["mfaFatigue"]', targets: '[{"id":"u2","displayName":"Bob"},{"id":"d1","displayName":"Token"}]' },
  { id: 'c', user_id: 'carol', upn: 'carol@fabrikam.com', created_at: '2026-01-03T10:00:00.000Z', error_code: 500121, ip: '198.51.100.1', interactive: 0, risk_level: 'low', app: 'Portal', risk_event_types: '["mfaSpray","mfaFatigue"]', targets: '[]' },
  { id: 'd', user_id: "x' OR '1'='1", upn: '100%_sure@contoso.com', created_at: '2026-01-04T10:00:00.000Z', error_code: 50053, ip: '2001:db8::1', interactive: 0, risk_level: 'none', app: 'Portal', risk_event_types: '[]', targets: '[]' },
];

const db = new Database(':memory:');
db.exec(`CREATE TABLE sign_ins (id TEXT PRIMARY KEY, user_id TEXT, upn TEXT, created_at TEXT, error_code INTEGER, ip TEXT, interactive INTEGER,
  risk_level TEXT, app TEXT, risk_event_types TEXT, targets TEXT)`);
const insert = db.prepare('INSERT INTO sign_ins VALUES (@id, @user_id, @upn, @created_at, @error_code, @ip, @interactive, @risk_level, @app, @risk_event_types, @targets)');
for (const row of rows) insert.run(row);

/** The ids a filter selects, compiled and run. */
const ids = (filter: string) => {
  const { sql, params } = compileFilter(parseFilter(filter), resource);
  return (db.prepare(`SELECT id FROM sign_ins WHERE ${sql} ORDER BY id`).all(...params) as Array<{ id: string }>).map((row) => row.id);
};
const refused = (filter: string) => {
  try {
    ids(filter);
  } catch (error) {
    expect(error).toBeInstanceOf(ODataQueryError);
    expect(error).toMatchObject({ code: 'badRequest', kind: 'invalid' });
    return (error as Error).message;
  }
  throw new Error(`the filter was accepted: ${filter}`);
};

describe('the $filter tokenizer', () => {
  it('reads literals by their spelling', () => {
    expect(tokenize("userId eq 'it''s' and n ge -1.5e3 and t lt 2026-01-31T10:00:00+01:00 and d eq 2026-01-31 and g eq 3F2504E0-4F89-11D3-9A0C-0305E82C3301 and r eq microsoft.graph.riskLevel'high'")
      .filter((token) => token.kind !== 'identifier' && token.kind !== 'end')).toEqual([
      { kind: 'string', value: "it's", at: 10 },
      { kind: 'number', value: -1500, text: '-1.5e3', at: 27 },
      { kind: 'datetime', value: '2026-01-31T09:00:00.000Z', text: '2026-01-31T10:00:00+01:00', at: 43 },
      { kind: 'date', value: '2026-01-31', text: '2026-01-31', at: 78 },
      { kind: 'guid', value: '3f2504e0-4f89-11d3-9a0c-0305e82c3301', at: 98 },
      { kind: 'enum', type: 'microsoft.graph.riskLevel', value: 'high', at: 144 },
    ]);
  });

  it.each([
    ["userId eq 'open", /no closing quote/],
    ['createdDateTime ge 2026-02-30T00:00:00Z', /not a valid date and time/],
    ['createdDateTime ge 2026-13-01', /not a valid date/],
    ['userId eq "alice"', /unexpected character/],
    ['userId eq alice;', /unexpected character ";"/],
    ['userId eq 1e999', /out of range/],
  ])('refuses %s', (filter, message) => {
    expect(() => tokenize(filter)).toThrow(message);
  });

  it('refuses a filter longer than any honest one', () => {
    expect(() => tokenize(`userId eq '${'a'.repeat(5000)}'`)).toThrow(/longer than 4000/);
  });
});

describe('the $filter parser', () => {
  it('gives not precedence over and, and and over or', () => {
    expect(parseFilter("not userId eq 'a' and userId eq 'b' or userId eq 'c'")).toEqual({
      kind: 'or',
      left: {
        kind: 'and',
        left: { kind: 'not', operand: { kind: 'compare', operator: 'eq', left: { kind: 'property', path: ['userId'] }, right: { kind: 'literal', type: 'string', value: 'a' } } },
        right: { kind: 'compare', operator: 'eq', left: { kind: 'property', path: ['userId'] }, right: { kind: 'literal', type: 'string', value: 'b' } },
      },
      right: { kind: 'compare', operator: 'eq', left: { kind: 'property', path: ['userId'] }, right: { kind: 'literal', type: 'string', value: 'c' } },
    });
  });

  it('reads nested paths, in lists, functions and lambdas', () => {
    expect(parseFilter('status/errorCode in (0, 500121)')).toEqual({
      kind: 'in',
      property: { kind: 'property', path: ['status', 'errorCode'] },
      values: [
        { kind: 'literal', type: 'number', value: 0, text: '0' },
        { kind: 'literal', type: 'number', value: 500121, text: '500121' },
      ],
    });
    expect(parseFilter("startswith(ipAddress,'203.')")).toEqual({ kind: 'function', name: 'startswith', args: [{ kind: 'property', path: ['ipAddress'] }, { kind: 'literal', type: 'string', value: '203.' }] });
    expect(parseFilter("targetResources/any(t: t/id eq 'u1')")).toEqual({
      kind: 'lambda',
      quantifier: 'any',
      collection: { kind: 'property', path: ['targetResources'] },
      variable: 't',
      predicate: { kind: 'compare', operator: 'eq', left: { kind: 'property', path: ['id'], variable: 't' }, right: { kind: 'literal', type: 'string', value: 'u1' } },
    });
  });

  it.each([
    ["userId eq 'a' and", /expected a property or a literal value, found the end/],
    ["(userId eq 'a'", /expected '\)'/],
    ["userId eq 'a')", /expected the end of the filter, found '\)'/],
    ["userId 'a'", /expected a comparison operator/],
    ["userId like 'a'", /expected a comparison operator.*found 'like'/],
    ['status/errorCode add 1 eq 2', /operator 'add' is not supported/],
    ["userId eq 'a' eq 'b'", /expected the end of the filter/],
    ["'a' in ('a')", /'in' needs a property/],
    ["userId in ('a', userId)", /only literal values/],
    ["microsoft.graph.signIn/userId eq 'a'", /type casts are not supported/],
    ["targetResources/any(t: targetResources/any(t: t/id eq 'x'))", /already in use/],
    ['', /empty/],
  ])('refuses %s', (filter, message) => {
    expect(() => parseFilter(filter)).toThrow(message);
  });

  it('refuses filters nested deeper than any honest one', () => {
    expect(() => parseFilter(`${'not '.repeat(60)}isInteractive`)).toThrow(/nests deeper/);
    expect(() => parseFilter(`${'('.repeat(60)}isInteractive${')'.repeat(60)}`)).toThrow(/nests deeper/);
  });

  it('refuses an in list longer than 200 values', () => {
    expect(() => parseFilter(`userId in (${Array.from({ length: 201 }, (_, i) => `'u${i}'`).join(',')})`)).toThrow(/at most 200/);
  });
});

describe('the $filter compiler, run on SQLite', () => {
  it('compares strings, numbers, instants, Booleans and enums', () => {
    expect(ids("userId eq 'alice'")).toEqual(['a']);
    expect(ids("'alice' eq userId")).toEqual(['a']);
    expect(ids('status/errorCode eq 500121')).toEqual(['b', 'c']);
    expect(ids('status/errorCode gt 0 and status/errorCode lt 500000')).toEqual(['d']);
    expect(ids('createdDateTime ge 2026-01-02T10:00:00Z and createdDateTime le 2026-01-03T10:00:00Z')).toEqual(['b', 'c']);
    expect(ids('createdDateTime gt 2026-01-02T11:00:00+01:00')).toEqual(['c', 'd']);
    expect(ids('createdDateTime lt 2026-01-02')).toEqual(['a']);
    expect(ids('2026-01-03 lt createdDateTime')).toEqual(['c', 'd']);
    expect(ids('isInteractive')).toEqual(['a', 'b']);
    expect(ids('isInteractive eq false')).toEqual(['c', 'd']);
    expect(ids("riskLevelDuringSignIn eq 'high'")).toEqual(['b']);
    expect(ids("riskLevelDuringSignIn eq microsoft.graph.riskLevel'low'")).toEqual(['c']);
    expect(ids("riskLevelDuringSignIn in ('low', 'high')")).toEqual(['b', 'c']);
  });

  it('treats null as OData does: ne includes missing values, not negates a comparison with one', () => {
    expect(ids('appDisplayName eq null')).toEqual(['b']);
    expect(ids('appDisplayName ne null')).toEqual(['a', 'c', 'd']);
    expect(ids("appDisplayName ne 'Portal'")).toEqual(['a', 'b']);
    expect(ids("not (appDisplayName eq 'Portal')")).toEqual(['a', 'b']);
    expect(ids("not startswith(appDisplayName, 'Port')")).toEqual(['a', 'b']);
    expect(ids("appDisplayName in ('Portal', null)")).toEqual(['b', 'c', 'd']);
  });

  it('combines with and, or, not and parentheses', () => {
    expect(ids("userId eq 'alice' or userId eq 'bob' and status/errorCode eq 0")).toEqual(['a']);
    expect(ids("(userId eq 'alice' or userId eq 'bob') and status/errorCode eq 500121")).toEqual(['b']);
    expect(ids("not (userId eq 'alice' or userId eq 'bob')")).toEqual(['c', 'd']);
    expect(ids("userId in ('alice', 'carol')")).toEqual(['a', 'c']);
  });

  it('matches prefixes with startswith, taking % and _ literally, and startswith(…) eq true|false', () => {
    expect(ids("startswith(ipAddress, '203.0.113.')")).toEqual(['a', 'b']);
    expect(ids("startswith(ipAddress,'2001:')")).toEqual(['d']);
    expect(ids("startswith(userPrincipalName, '100%_')")).toEqual(['d']);
    expect(ids("startswith(userPrincipalName, '%')")).toEqual([]);
    expect(ids("startswith(userPrincipalName, '')")).toEqual(['a', 'b', 'c', 'd']);
    expect(ids("startswith(userPrincipalName, 'bob') eq false")).toEqual(['a', 'c', 'd']);
  });

  it('filters JSON collections with any and all', () => {
    expect(ids("riskEventTypes_v2/any(t: t eq 'mfaFatigue')")).toEqual(['b', 'c']);
    expect(ids('riskEventTypes_v2/any()')).toEqual(['b', 'c']);
    expect(ids("riskEventTypes_v2/all(t: t eq 'mfaFatigue')")).toEqual(['a', 'b', 'd']);
    expect(ids("targetResources/any(t: t/id eq 'd1')")).toEqual(['b']);
    expect(ids("targetResources/any(t: startswith(t/displayName, 'Al'))")).toEqual(['a']);
    expect(ids("not targetResources/any(t: t/displayName eq 'Bob')")).toEqual(['a', 'c', 'd']);
  });

  it('binds every value as a parameter: injection attempts are plain strings that match only themselves', () => {
    const attempts = [
      "x' OR '1'='1",
      "'; DROP TABLE sign_ins; --",
      "alice') OR 1=1 --",
      '" OR ""="',
      '\\',
      'alice\u0000',
      "' UNION SELECT name FROM sqlite_master --",
    ];
    for (const attempt of attempts) {
      const filter = `userId eq '${attempt.replace(/'/g, "''")}'`;
      const { sql, params } = compileFilter(parseFilter(filter), resource);
      expect(sql).toBe('(user_id = ?)');
      expect(params).toEqual([attempt]);
      expect(ids(filter)).toEqual(attempt === "x' OR '1'='1" ? ['d'] : []);
    }
    const { sql, params } = compileFilter(parseFilter("startswith(userPrincipalName, ''') --') or userId in ('a'' or 1=1', 'b')"), resource);
    expect(sql).toBe('((upn >= ? AND upn < ?) OR (user_id IN (?, ?)))');
    expect(params).toEqual(["') --", "') -.", "a' or 1=1", 'b']);
    expect(db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'sign_ins'").get()).toEqual({ n: 1 });
  });

  it('puts no text of the query into the SQL but its own fragments', () => {
    const { sql } = compileFilter(parseFilter("targetResources/any(t: t/displayName eq 'Robert''); DROP TABLE x') and createdDateTime ge 2026-01-01T00:00:00Z"), resource);
    expect(sql).toBe("((EXISTS (SELECT 1 FROM json_each(targets) AS e0 WHERE (json_extract(e0.value, '$.displayName') = ?))) AND (created_at >= ?))");
  });

  it.each([
    ["userid eq 'a'", /unknown property userid; property names are case-sensitive: did you mean userId\?/],
    ["password eq 'a'", /the property password is unknown or cannot be filtered on; filterable: id, userId/],
    ["status/failureReason eq 'a'", /status\/failureReason is unknown/],
    ["id ne 'a'", /operator ne is not supported on id; supported: eq, in/],
    ["userId gt 'a'", /operator gt is not supported on userId/],
    ["startswith(userId, 'a')", /operator startswith is not supported on userId/],
    ["startswith(status/errorCode, '5')", /operator startswith is not supported on status\/errorCode/],
    ["riskLevelDuringSignIn gt 'low'", /operator gt is not supported on riskLevelDuringSignIn/],
    ["endswith(userPrincipalName, '.com')", /function endswith is not supported here; supported: startswith/],
    ["contains(userPrincipalName, 'a')", /function contains is not supported/],
    ["frobnicate(userPrincipalName, 'a')", /unknown function frobnicate/],
    ["startswith('a', userPrincipalName)", /startswith takes a property and a string/],
    ['startswith(userPrincipalName, 1)', /needs a string/],
    ["status/errorCode eq '0'", /status\/errorCode is a number; the string '0' is not/],
    ['status/errorCode eq 1.5', /32-bit integer; 1.5 is not/],
    ['status/errorCode eq 99999999999', /32-bit integer/],
    ['userId eq 5', /userId is a string; the number 5 is not/],
    ["createdDateTime ge '2026-01-01T00:00:00Z'", /written without quotes/],
    ['createdDateTime ge 5', /is a date and time; the number 5 is not/],
    ['createdDateTime gt null', /gt null compares nothing/],
    ["isInteractive eq 'true'", /is a Boolean; the string 'true' is not/],
    ["riskLevelDuringSignIn eq 'severe'", /'severe' is not a member of riskLevel; members: low, medium, high/],
    ["riskLevelDuringSignIn eq microsoft.graph.riskState'atRisk'", /of the enum type riskLevel, not microsoft.graph.riskState/],
    ['userId eq userPrincipalName', /compares a property with a literal value/],
    ["'a' eq 'a'", /compares a property with a literal value/],
    ['userPrincipalName', /not a Boolean/],
    ["riskEventTypes_v2 eq 'x'", /is a collection: use riskEventTypes_v2\/any/],
    ["userId/any(t: t eq 'a')", /userId is not a collection/],
    ["targetResources/any(t: t/type eq 'User')", /t\/type cannot be filtered on; filterable here: t\/id, t\/displayName/],
    ["riskEventTypes_v2/any(t: t/id eq 'x')", /have no property id/],
    ['riskEventTypes_v2/all()', /all\(\) needs a predicate/],
    ["targetResources/any(t: t/any(u: u eq 'x'))", /nested lambdas are not supported/],
  ])('refuses %s with a reason', (filter, message) => {
    expect(refused(filter)).toMatch(message);
  });
});
