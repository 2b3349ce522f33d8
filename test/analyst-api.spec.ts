import { parse } from 'csv-parse/sync';
import { Embedded, enrol, startEmbedded, totpAt, wrongCodeAt } from './support/embedded';

const SIGN_INS = '/v1.0/auditLogs/signIns';
const AUDITS = '/v1.0/auditLogs/directoryAudits';
const DETECTIONS = '/v1.0/identityProtection/riskDetections';
const RISKY_USERS = '/v1.0/identityProtection/riskyUsers';

type SignIn = {
  id: string;
  createdDateTime: string;
  userId: string;
  ipAddress: string;
  userAgent: string | null;
  appId: string | null;
  riskLevelDuringSignIn: string;
  riskState: string;
  riskEventTypes_v2: string[];
  status: { errorCode: number; failureReason: string | null; additionalDetails: string };
  mfaDetail: { authMethod: string | null; authDetail: string | null };
  authenticationDetails: Array<{ authenticationMethod: string | null; authenticationMethodDetail: string | null; succeeded: boolean; authenticationStepResultDetail: string }>;
};

/** RFC 4180 as a spreadsheet reads it (quoted cells may hold commas, doubled quotes and line breaks), every row ended by CRLF. */
function parseCsv(text: string): string[][] {
  expect(text.endsWith('\r\n')).toBe(true);
  return parse(text, { record_delimiter: '\r\n', relax_column_count: true });
}

describe('the analyst API: Microsoft Graph queries over sign-ins, audits and risk', () => {
  let bulwark: Embedded;
  const app = () => bulwark.as('app');
  const analyst = () => bulwark.as('analyst');
  const admin = () => bulwark.as('admin');
  const q = (path: string, query: Record<string, string>) => `${path}?${Object.entries(query).map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('&')}`;
  const challenge = async (userId: string, extra: Record<string, unknown> = {}) => {
    const reply = await app().post('/v1/mfa/challenges', { userId, clientIp: '203.0.113.10', userAgent: 'Mozilla/5.0 (analyst test)', appId: 'portal', ...extra });
    expect(reply.status).toBe(201);
    return reply.body as { id: string; numberToShow?: string };
  };
  /** Every row of a collection, following @odata.nextLink as a client does. */
  const everything = async <T>(path: string, between?: (page: number) => Promise<void>): Promise<T[]> => {
    const rows: T[] = [];
    let next: string | undefined = path;
    for (let page = 0; next; page++) {
      const reply = await analyst().get(next);
      expect(reply.status).toBe(200);
      rows.push(...reply.body.value);
      await between?.(page);
      next = reply.body['@odata.nextLink'] ? reply.body['@odata.nextLink'].slice(bulwark.url.length) : undefined;
    }
    return rows;
  };
  const signIns = async (filter: string, extra: Record<string, string> = {}) => {
    const reply = await analyst().get(q(SIGN_INS, { $filter: filter, ...extra }));
    expect(reply.status).toBe(200);
    return reply.body.value as SignIn[];
  };
  let startedAt: string;
  let middle: string;

  beforeAll(async () => {
    bulwark = await startEmbedded();
    expect((await admin().put('/v1/settings/lockout', { denialsBeforeLockout: 100, counterResetMinutes: 10, autoUnlockMinutes: 15 })).status).toBe(200);
    startedAt = bulwark.clock.now().toISOString();

    // alice: an authenticator app; one approval, one wrong code from another address
    const alice = await enrol(bulwark, 'ana-alice');
    const approved = await challenge('ana-alice');
    expect((await app().post(`/v1/mfa/challenges/${approved.id}/verify`, { code: totpAt(alice.secret, bulwark.clock) })).body.status).toBe('approved');
    bulwark.clock.advance({ minutes: 1 });
    const wrong = await challenge('ana-alice', { clientIp: '203.0.113.11', userAgent: '=HYPERLINK("http://evil.example","click")' });
    expect((await app().post(`/v1/mfa/challenges/${wrong.id}/verify`, { code: wrongCodeAt(alice.secret, bulwark.clock) })).body.status).toBe('denied');
    bulwark.clock.advance({ minutes: 1 });
    middle = bulwark.clock.now().toISOString();

    // bob: an office phone; a call approved with #, a call reported with the fraud code
    expect((await app().post('/v1.0/users/ana-bob/authentication/phoneMethods', { phoneNumber: '+1 2065550142', phoneType: 'office' })).status).toBe(201);
    const call = await challenge('ana-bob', { clientIp: '198.51.100.5' });
    expect((await app().post(`/v1/mfa/challenges/${call.id}/callResponse`, { keys: '#' })).body.status).toBe('approved');
    bulwark.clock.advance({ minutes: 1 });
    const fraudCall = await challenge('ana-bob', { clientIp: '198.51.100.5' });
    expect((await app().post(`/v1/mfa/challenges/${fraudCall.id}/callResponse`, { keys: '0#' })).body).toEqual({ status: 'denied', reason: 'fraudReported', retryAllowed: false });
    bulwark.clock.advance({ minutes: 1 });

    // carol: push notifications; she declines one, then reports one as fraud from the app
    await enrol(bulwark, 'ana-carol', { pushEnabled: true });
    const declined = await challenge('ana-carol', { channel: 'appNotification', clientIp: '192.0.2.1' });
    expect((await app().post(`/v1/mfa/challenges/${declined.id}/pushResponse`, { response: 'deny' })).body.reason).toBe('userDeclined');
    bulwark.clock.advance({ minutes: 1 });
    const reported = await challenge('ana-carol', { channel: 'appNotification', clientIp: '192.0.2.1' });
    expect((await app().post(`/v1/mfa/challenges/${reported.id}/reportSuspiciousActivity`)).status).toBe(200);
    bulwark.clock.advance({ minutes: 1 });

    // dan: many sign-ins, to page through
    const dan = await enrol(bulwark, 'ana-dan');
    for (let i = 0; i < 7; i++) {
      const attempt = await challenge('ana-dan', { clientIp: `203.0.113.${100 + i}` });
      await app().post(`/v1/mfa/challenges/${attempt.id}/verify`, { code: wrongCodeAt(dan.secret, bulwark.clock) });
      bulwark.clock.advance({ seconds: 10 });
    }
    expect((await admin().post('/v1/users/ana-dan/block', { reason: 'too many wrong codes', days: 1 })).status).toBe(200);
    await bulwark.consumers.catchUp();
  }, 60_000);

  afterAll(async () => {
    await bulwark.close();
  });

  describe('signIns', () => {
    it('filters by user, by error code, by address prefix, by time range, with in, not, and or', async () => {
      expect((await signIns("userId eq 'ana-alice'")).map((row) => row.status.errorCode)).toEqual([500121, 0]);
      expect((await signIns("userId in ('ana-alice', 'ana-bob')")).every((row) => ['ana-alice', 'ana-bob'].includes(row.userId))).toBe(true);
      expect(await signIns("userId in ('ana-alice', 'ana-bob')")).toHaveLength(4);
      expect((await signIns("startswith(ipAddress,'198.51.100.')")).map((row) => row.userId)).toEqual(['ana-bob', 'ana-bob']);
      const denied = await signIns("status/errorCode eq 500121 and userId eq 'ana-bob'");
      expect(denied.map((row) => row.status)).toEqual([{ errorCode: 500121, failureReason: 'Authentication failed during strong authentication request.', additionalDetails: 'MFA denied; fraud code entered' }]);
      const early = await signIns(`createdDateTime ge ${startedAt} and createdDateTime lt ${middle}`);
      expect(early.map((row) => row.userId)).toEqual(['ana-alice', 'ana-alice']);
      expect((await signIns(`createdDateTime ge ${middle}`)).some((row) => row.userId === 'ana-alice')).toBe(false);
      expect((await signIns("not (status/errorCode eq 500121) and (userId eq 'ana-bob' or userId eq 'ana-alice')")).map((row) => row.status.errorCode)).toEqual([0, 0]);
      expect(await signIns("userPrincipalName eq 'nobody'")).toEqual([]);
    });

    it("records Entra's strings per channel, the masked phone number, and the risk detected on the sign-in", async () => {
      const bob = await signIns("userId eq 'ana-bob'");
      expect(bob[1]).toMatchObject({ status: { errorCode: 0, additionalDetails: 'MFA successfully completed' }, mfaDetail: { authMethod: 'Phone call', authDetail: '+XXXXXXXXX42' } });
      expect(bob[0]!.authenticationDetails).toEqual([expect.objectContaining({ authenticationMethod: 'Phone call', authenticationMethodDetail: '+XXXXXXXXX42', succeeded: false })]);
      expect(JSON.stringify(bob)).not.toContain('5550142');

      const carol = await signIns("userId eq 'ana-carol' and status/errorCode eq 500121");
      expect(carol.map((row) => row.status.additionalDetails)).toEqual(['MFA denied; Phone App Reported Fraud', 'MFA denied; user declined the authentication']);
      expect(carol[0]).toMatchObject({ riskLevelDuringSignIn: 'high', riskState: 'atRisk', riskEventTypes_v2: ['userReportedSuspiciousActivity'], mfaDetail: { authMethod: 'Mobile app notification' } });
      expect(carol[1]).toMatchObject({ riskLevelDuringSignIn: 'none', riskState: 'none', riskEventTypes_v2: [] });
      // both reported sign-ins, bob's call and carol's push, and no other
      const reportedIds = [carol[0]!.id, bob[0]!.id];
      expect(bob[0]).toMatchObject({ riskLevelDuringSignIn: 'high', riskState: 'atRisk' });
      expect((await signIns("riskLevelDuringSignIn eq 'high'")).map((row) => row.id)).toEqual(reportedIds);
      expect((await signIns("riskEventTypes_v2/any(t: t eq 'userReportedSuspiciousActivity')")).map((row) => row.id)).toEqual(reportedIds);
      expect((await signIns("riskLevelDuringSignIn eq 'high' and userId eq 'ana-bob'")).map((row) => row.status.additionalDetails)).toEqual(['MFA denied; fraud code entered']);
    });

    it('selects properties, counts on request, sorts oldest first on request', async () => {
      const reply = await analyst().get(q(SIGN_INS, { $filter: "userId eq 'ana-dan'", $select: 'id,status', $count: 'true' }));
      expect(reply.body['@odata.context']).toBe('https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns(id,status)');
      expect(reply.body['@odata.count']).toBe(7);
      expect(reply.body.value).toHaveLength(7);
      for (const row of reply.body.value) expect(Object.keys(row).sort()).toEqual(['id', 'status']);
      const ascending = await signIns("userId eq 'ana-dan'", { $orderby: 'createdDateTime asc' });
      const times = ascending.map((row) => row.createdDateTime);
      expect(times).toEqual([...times].sort());
      expect(ascending.map((row) => row.id)).toEqual((await signIns("userId eq 'ana-dan'")).map((row) => row.id).reverse());
    });

    it('pages to the end through @odata.nextLink while new rows arrive, each row once', async () => {
      const before = await signIns("userId eq 'ana-dan'");
      const dan = (await bulwark.store.readStream('user_mfa-ana-dan')).find((event) => event.type === 'AuthenticatorAppAdded');
      expect(dan).toBeDefined();
      const paged = await everything<SignIn>(q(SIGN_INS, { $filter: "userId eq 'ana-dan'", $top: '2' }), async () => {
        // a newer sign-in of dan's arrives between pages
        bulwark.clock.advance({ seconds: 5 });
        await challenge('ana-dan', { clientIp: '203.0.113.200' }).then((c) => app().post(`/v1/mfa/challenges/${c.id}/verify`, { code: '000000' }));
        await bulwark.consumers.catchUp();
      });
      expect(paged.map((row) => row.id)).toEqual(before.map((row) => row.id));
      expect((await signIns("userId eq 'ana-dan'")).length).toBe(before.length + 4);
    });

    it('treats an injection attempt as a value that matches nothing', async () => {
      for (const attempt of ["x' or '1'='1", "'; DROP TABLE sign_ins; --", "ana-alice' --"]) {
        expect(await signIns(`userId eq '${attempt.replace(/'/g, "''")}'`)).toEqual([]);
      }
      expect((await analyst().get(SIGN_INS)).body.value.length).toBeGreaterThan(10);
    });

    it('downloads a page as CSV for spreadsheets, formulas neutralised, with the next page in a Link header', async () => {
      const response = await fetch(`${bulwark.url}${q(SIGN_INS, { $filter: "userId eq 'ana-alice'", $top: '1' })}`, {
        headers: { authorization: `Bearer ${bulwark.keys.analyst}`, accept: 'text/csv', connection: 'close' },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(response.headers.get('link')).toMatch(/^<http:\/\/127\.0\.0\.1:\d+\/v1\.0\/auditLogs\/signIns\?\$filter=.*\$skiptoken=[\w.-]+>; rel="next"$/);
      const [header, row, ...rest] = parseCsv(await response.text());
      expect(rest).toEqual([]);
      const cell = (name: string) => row![header!.indexOf(name)];
      expect(cell('User agent')).toBe(`'=HYPERLINK("http://evil.example","click")`);
      expect(cell('Sign-in error code')).toBe('500121');
      expect(cell('Additional details')).toBe('MFA denied; invalid verification code');
      const json = await analyst().get(q(SIGN_INS, { $filter: "userId eq 'ana-alice'", $top: '1' }));
      expect(json.body.value[0].userAgent).toBe('=HYPERLINK("http://evil.example","click")');
    });

    it('honours $select in CSV: only the columns of the selected properties, in the usual order', async () => {
      const csvOf = async (path: string) => {
        const response = await fetch(`${bulwark.url}${path}`, { headers: { authorization: `Bearer ${bulwark.keys.analyst}`, accept: 'text/csv', connection: 'close' } });
        expect(response.status).toBe(200);
        return parseCsv(await response.text());
      };
      const signInRows = await csvOf(q(SIGN_INS, { $filter: "userId eq 'ana-alice'", $top: '1', $select: 'userAgent,status,createdDateTime' }));
      expect(signInRows[0]).toEqual(['Date (UTC)', 'User agent', 'Status', 'Sign-in error code', 'Failure reason', 'Additional details']);
      expect(signInRows[1]).toHaveLength(6);
      const auditRows = await csvOf(q(AUDITS, { $select: 'result,activityDisplayName', $top: '2' }));
      expect(auditRows[0]).toEqual(['Activity', 'Result']);
      expect(auditRows.slice(1).every((row) => row.length === 2)).toBe(true);
    });
  });

  describe('directoryAudits', () => {
    const audits = async (filter: string) => {
      const reply = await analyst().get(q(AUDITS, { $filter: filter, $count: 'true' }));
      expect(reply.status).toBe(200);
      expect(reply.body['@odata.count']).toBe(reply.body.value.length);
      return reply.body.value as Array<{ activityDisplayName: string; category: string; targetResources: Array<{ id: string }> }>;
    };

    it('filters by activity, prefix, category, target and initiator', async () => {
      expect((await audits("activityDisplayName eq 'Add blocked user'")).map((row) => row.targetResources[0]!.id)).toContain('ana-dan');
      expect((await audits("startswith(activityDisplayName,'Fraud reported')")).map((row) => row.activityDisplayName)).toEqual(['Fraud reported - no action taken', 'Fraud reported - no action taken']);
      expect((await audits("category eq 'Policy'")).every((row) => row.category === 'Policy')).toBe(true);
      expect((await audits("targetResources/any(t: t/id eq 'ana-bob')")).map((row) => row.activityDisplayName).sort()).toEqual(['Fraud reported - no action taken', 'User registered security info']);
      expect((await audits("initiatedBy/user/id eq 'ana-carol' and activityDisplayName eq 'User registered security info'"))).toHaveLength(1);
      expect(await audits("result eq 'failure'")).toEqual([]);
    });

    it('downloads CSV with RFC 4180 quoting', async () => {
      const response = await fetch(`${bulwark.url}${q(AUDITS, { $filter: "activityDisplayName eq 'Add blocked user'" })}`, {
        headers: { authorization: `Bearer ${bulwark.keys.admin}`, accept: 'text/csv', connection: 'close' },
      });
      const rows = parseCsv(await response.text());
      expect(rows[0]).toContain('Activity');
      expect(rows.slice(1).map((row) => row[rows[0]!.indexOf('Activity')])).toEqual(['Add blocked user']);
      expect(rows[1]![rows[0]!.indexOf('Additional details')]).toBe('Reason=too many wrong codes');
    });
  });

  describe('riskDetections and riskyUsers', () => {
    it('filter detections by level, user, type and time; page by 20 unless asked', async () => {
      const reply = await analyst().get(q(DETECTIONS, { $filter: "riskLevel eq 'high' and userId eq 'ana-carol'" }));
      expect(reply.body.value).toEqual([expect.objectContaining({ userId: 'ana-carol', riskEventType: 'userReportedSuspiciousActivity', riskState: 'atRisk', activity: 'signin' })]);
      expect((await analyst().get(q(DETECTIONS, { $filter: `detectedDateTime ge ${startedAt} and riskEventType eq 'userReportedSuspiciousActivity'` }))).body.value.map((d: { userId: string }) => d.userId).sort()).toEqual(['ana-bob', 'ana-carol']);
      expect((await analyst().get(q(DETECTIONS, { $select: 'id,riskLevel', $top: '1' }))).body.value.map(Object.keys)).toEqual([['id', 'riskLevel']]);
    });

    it('filter, count, select and page risky users', async () => {
      const atRisk = await analyst().get(q(RISKY_USERS, { $filter: "riskState eq 'atRisk' and riskLevel eq 'high'", $count: 'true' }));
      expect(atRisk.body['@odata.count']).toBe(2);
      expect(atRisk.body.value.map((user: { id: string }) => user.id).sort()).toEqual(['ana-bob', 'ana-carol']);
      const paged = await everything<{ id: string }>(q(RISKY_USERS, { $top: '1', $select: 'id' }));
      expect(paged.map((user) => user.id).sort()).toEqual(['ana-bob', 'ana-carol']);
      expect((await analyst().get(q(RISKY_USERS, { $filter: "startswith(userPrincipalName,'ana-c')" }))).body.value.map((user: { id: string }) => user.id)).toEqual(['ana-carol']);
    });

    it('shows evolvable enum members only to clients that send Prefer: include-unknown-enum-members', async () => {
      expect((await admin().post(`${RISKY_USERS}/confirmSafe`, { userIds: ['ana-bob'] })).status).toBe(204);
      await bulwark.consumers.catchUp();
      const read = (path: string, prefer?: string) =>
        fetch(`${bulwark.url}${path}`, { headers: { authorization: `Bearer ${bulwark.keys.analyst}`, connection: 'close', ...(prefer ? { prefer } : {}) } });
      const plain = await read(q(RISKY_USERS, { $filter: "id eq 'ana-bob'" }));
      expect(plain.headers.get('preference-applied')).toBeNull();
      expect(((await plain.json()) as { value: Array<{ riskDetail: string }> }).value[0]!.riskDetail).toBe('unknownFutureValue');
      const asked = await read(q(RISKY_USERS, { $filter: "id eq 'ana-bob'" }), 'include-unknown-enum-members');
      expect(asked.headers.get('preference-applied')).toBe('include-unknown-enum-members');
      expect(((await asked.json()) as { value: Array<{ riskDetail: string }> }).value[0]!.riskDetail).toBe('adminConfirmedAccountSafe');
      const detection = await read(q(DETECTIONS, { $filter: "userId eq 'ana-bob'" }), 'odata.maxpagesize=5, include-unknown-enum-members');
      expect(((await detection.json()) as { value: Array<{ riskDetail: string; riskState: string }> }).value[0]).toMatchObject({ riskDetail: 'adminConfirmedAccountSafe', riskState: 'confirmedSafe' });
      // filtering by an evolvable member works whatever the client sees
      expect((await analyst().get(q(RISKY_USERS, { $filter: "riskDetail eq 'adminConfirmedAccountSafe'" }))).body.value.map((user: { id: string }) => user.id)).toEqual(['ana-bob']);
    });
  });

  describe('reports', () => {
    it('counts authentications per method and result per day, users configured for MFA and users by MFA state', async () => {
      expect((await admin().raw('PATCH', '/beta/users/ana-carol/authentication/requirements', JSON.stringify({ perUserMfaState: 'enforced' }))).status).toBe(204);
      await bulwark.consumers.catchUp();
      const early = await analyst().get(`/v1/reports/usage?from=${startedAt}&to=${middle}&interval=day`);
      expect(early.status).toBe(200);
      expect(early.body.authentications).toEqual([
        { period: startedAt.slice(0, 10), methods: [{ method: 'Mobile app verification code', success: 1, failure: 1, bypassed: 0, total: 2 }] },
      ]);
      const all = await analyst().get(`/v1/reports/usage?from=${startedAt}&interval=hour`);
      const methods = Object.fromEntries(all.body.authentications.flatMap((period: { methods: Array<{ method: string }> }) => period.methods).map((m: { method: string }) => [m.method, m]));
      expect(methods['Phone call']).toMatchObject({ success: 1, failure: 1 });
      expect(methods['Mobile app notification']).toMatchObject({ success: 0, failure: 2 });
      expect(all.body.totals.total).toBe(all.body.totals.success + all.body.totals.failure + all.body.totals.bypassed);
      expect(all.body).toMatchObject({
        usersConfiguredForMfa: 4,
        usersConfiguredByMethod: { phone: 1, softwareOath: 3 },
        usersByMfaState: { disabled: 3, enabled: 0, enforced: 1 },
        billing: { perUser: 4, perAuthentication: all.body.totals.success + all.body.totals.failure },
      });
    });

    it('lists lockouts with how each ended, and the blocked users with who blocked them and why', async () => {
      expect((await admin().put('/v1/settings/lockout', { denialsBeforeLockout: 2, counterResetMinutes: 10, autoUnlockMinutes: 15 })).status).toBe(200);
      try {
        const erin = await enrol(bulwark, 'ana-erin');
        const fail = async () => {
          const attempt = await challenge('ana-erin');
          await app().post(`/v1/mfa/challenges/${attempt.id}/verify`, { code: wrongCodeAt(erin.secret, bulwark.clock) });
        };
        await fail();
        await fail();
        expect((await admin().post('/v1/users/ana-erin/unlock', { reason: 'called the help desk' })).status).toBe(200);
        bulwark.clock.advance({ minutes: 1 });
        await fail();
        await fail();
      } finally {
        expect((await admin().put('/v1/settings/lockout', { denialsBeforeLockout: 100, counterResetMinutes: 10, autoUnlockMinutes: 15 })).status).toBe(200);
      }
      await bulwark.consumers.catchUp();
      const report = await analyst().get(`/v1/reports/lockouts?from=${startedAt}`);
      expect(report.status).toBe(200);
      expect(report.body).toMatchObject({ total: 2, distinctUsers: 1, perDay: [{ day: startedAt.slice(0, 10), lockouts: 2 }] });
      expect(report.body.value.map((lock: { status: string }) => lock.status)).toEqual(['active', 'unlocked']);
      expect(report.body.value[1]).toMatchObject({ userId: 'ana-erin', denials: 2, unlockedBy: 'admin:key:admin', unlockReason: 'called the help desk' });

      const blocked = await analyst().get('/v1/reports/blockedUsers');
      expect(blocked.body.value).toContainEqual(expect.objectContaining({ userId: 'ana-dan', reason: 'too many wrong codes', blockedBy: 'admin:key:admin' }));
      bulwark.clock.advance({ minutes: 2 * 24 * 60 });
      expect((await analyst().get('/v1/reports/blockedUsers')).body.value.map((row: { userId: string }) => row.userId)).not.toContain('ana-dan');
      expect((await analyst().get(`/v1/reports/lockouts?from=${startedAt}`)).body.value.map((lock: { status: string }) => lock.status)).toEqual(['expired', 'unlocked']);
    });

    it.each([
      ['/v1/reports/usage?interval=week', /interval is hour, day or month/],
      ['/v1/reports/usage?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', /from must be before to/],
      ['/v1/reports/usage?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&interval=hour', /at most 31 days/],
      ['/v1/reports/usage?from=yesterday', /ISO 8601/],
      ['/v1/reports/lockouts?user=x', /unknown field/],
    ])('refuses %s', async (path, message) => {
      const reply = await analyst().get(path);
      expect(reply.status).toBe(400);
      expect(reply.body.error.message).toMatch(message);
    });

    it.each(['/v1/reports/usage', '/v1/reports/lockouts', '/v1/reports/blockedUsers'])('%s is for analysts and admins only', async (path) => {
      expect((await bulwark.as(null).get(path)).status).toBe(401);
      expect((await bulwark.as('app').get(path)).status).toBe(403);
      expect((await bulwark.as('siem').get(path)).status).toBe(403);
      expect((await admin().get(path)).status).toBe(200);
    });
  });

  describe('bad queries and the wrong keys', () => {
    const refused = async (path: string, status: number, message: RegExp, role: 'analyst' | 'admin' | 'app' | 'siem' | null = 'analyst') => {
      const reply = await bulwark.as(role).get(path);
      expect(reply.status).toBe(status);
      expect(reply.body.error).toEqual({
        code: status === 400 ? 'badRequest' : status === 401 ? 'unauthenticated' : 'accessDenied',
        message: expect.stringMatching(message),
        innerError: { 'request-id': expect.any(String), date: expect.any(String) },
      });
    };

    it.each([
      [SIGN_INS, { $filter: "userid eq 'a'" }, /did you mean userId/],
      [SIGN_INS, { $filter: "password eq 'a'" }, /password is unknown or cannot be filtered on/],
      [SIGN_INS, { $filter: "userId gt 'a'" }, /operator gt is not supported on userId/],
      [SIGN_INS, { $filter: "status/errorCode eq '500121'" }, /is a number/],
      [SIGN_INS, { $filter: "createdDateTime ge '2026-01-01'" }, /without quotes/],
      [SIGN_INS, { $filter: 'createdDateTime ge 2026-02-30T00:00:00Z' }, /not a valid date/],
      [SIGN_INS, { $filter: "userId eq 'unterminated" }, /no closing quote/],
      [SIGN_INS, { $filter: "riskState eq 'panicking'" }, /not a member of riskState/],
      [SIGN_INS, { $filter: "endswith(userPrincipalName,'x')" }, /endswith is not supported/],
      [SIGN_INS, { $top: '1001' }, /\$top must be a whole number from 1 to 1000/],
      [SIGN_INS, { $orderby: 'userId' }, /sorted by createdDateTime only/],
      [SIGN_INS, { $select: 'secret' }, /has no property secret/],
      [SIGN_INS, { $skiptoken: 'abc.def' }, /\$skiptoken is not a token this service issued/],
      [AUDITS, { $filter: "initiatedBy/user/id ne 'x'" }, /operator ne is not supported on initiatedBy\/user\/id/],
      [AUDITS, { $filter: "targetResources eq 'x'" }, /is a collection/],
      [DETECTIONS, { $count: 'true' }, /\$count is not supported on identityProtection\/riskDetections/],
      [DETECTIONS, { $top: '501' }, /from 1 to 500/],
      [DETECTIONS, { $orderby: 'detectedDateTime' }, /\$orderby is not supported/],
      [DETECTIONS, { $skip: '1' }, /\$skip is not supported/],
      [RISKY_USERS, { $filter: "riskLevel eq 'extreme'" }, /not a member of riskLevel/],
      [RISKY_USERS, { $expand: 'history' }, /\$expand is not supported/],
    ])('%s %j → 400', async (path, query, message) => {
      await refused(q(path, query as Record<string, string>), 400, message);
    });

    it('refuses a skip token moved to another filter', async () => {
      const first = await analyst().get(q(SIGN_INS, { $filter: "userId eq 'ana-dan'", $top: '1' }));
      const token = new URL(first.body['@odata.nextLink']).searchParams.get('$skiptoken')!;
      await refused(q(SIGN_INS, { $filter: "userId eq 'ana-alice'", $top: '1', $skiptoken: token }), 400, /for this query/);
    });

    it.each([SIGN_INS, AUDITS, DETECTIONS, RISKY_USERS])('%s: 401 without a key, 403 for the app and SIEM roles, 200 for admins', async (path) => {
      await refused(path, 401, /bearer key/, null);
      await refused(path, 403, /analyst or admin/, 'app');
      await refused(path, 403, /analyst or admin/, 'siem');
      expect((await admin().get(`${path}?$top=1`)).status).toBe(200);
    });
  });
});
