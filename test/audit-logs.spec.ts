import { Embedded, enrol, startEmbedded } from './support/embedded';

const AUDITS = '/v1.0/auditLogs/directoryAudits';
const DEVICES = '/beta/directory/authenticationMethodDevices/hardwareOathDevices';
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

type Audit = {
  id: string;
  activityDisplayName: string;
  activityDateTime: string;
  category: string;
  loggedByService: string;
  result: string;
  correlationId: string;
  initiatedBy: { user: { id: string; ipAddress: string | null } | null; app: { displayName: string; servicePrincipalId: string } | null };
  targetResources: Array<{ id: string; type: string; displayName: string | null; modifiedProperties: Array<{ displayName: string; oldValue: string | null; newValue: string | null }> }>;
  additionalDetails: Array<{ key: string; value: string }>;
};

describe('the directory audit log through HTTP', () => {
  let bulwark: Embedded;

  beforeAll(async () => {
    bulwark = await startEmbedded();
  });

  afterAll(async () => {
    await bulwark.close();
  });

  const admin = () => bulwark.as('admin');
  const analyst = () => bulwark.as('analyst');
  /** Every audit row, newest first, read page by page through @odata.nextLink. */
  const allAudits = async (pageSize = 1000): Promise<Audit[]> => {
    // twice: the reactions' own events (a block's revoked sessions, an auto-block) are applied on the second round
    await bulwark.consumers.catchUp();
    await bulwark.consumers.catchUp();
    const rows: Audit[] = [];
    let next: string | undefined = `${AUDITS}?$top=${pageSize}`;
    while (next) {
      const page = await analyst().get(next);
      expect(page.status).toBe(200);
      rows.push(...page.body.value);
      next = page.body['@odata.nextLink']?.slice(bulwark.url.length);
    }
    return rows;
  };
  const find = (rows: Audit[], activity: string, targetId: string) => rows.filter((row) => row.activityDisplayName === activity && row.targetResources.some((resource) => resource.id === targetId));
  const report = async (userId: string) => {
    const { body: challenge } = await bulwark.as('app').post('/v1/mfa/challenges', { userId, clientIp: '203.0.113.44' });
    expect((await bulwark.as('app').post(`/v1/mfa/challenges/${challenge.id}/reportSuspiciousActivity`)).status).toBe(200);
  };

  it('records security info registered by the user and by an admin, with who did it and never the phone number', async () => {
    await enrol(bulwark, 'audit-alice');
    expect((await admin().post('/v1.0/users/audit-bob/authentication/phoneMethods', { phoneNumber: '+12065550199', phoneType: 'mobile' })).status).toBe(201);
    const rows = await allAudits();
    const [byUser] = find(rows, 'User registered security info', 'audit-alice');
    expect(byUser).toMatchObject({
      category: 'UserManagement',
      loggedByService: 'Authentication Methods',
      result: 'success',
      initiatedBy: { user: { id: 'audit-alice', userPrincipalName: 'audit-alice' }, app: null },
      additionalDetails: expect.arrayContaining([{ key: 'Method', value: 'Authenticator app' }]),
    });
    expect(find(rows, 'User started security info registration', 'audit-alice')).toHaveLength(1);
    const [byAdmin] = find(rows, 'Admin registered security info', 'audit-bob');
    expect(byAdmin).toMatchObject({ initiatedBy: { user: null, app: { displayName: 'Bulwark admin API key', servicePrincipalId: 'key:admin' } } });
    expect(JSON.stringify(rows)).not.toContain('5550199');

    const one = await analyst().get(`${AUDITS}/${byAdmin!.id}`);
    expect(one.body).toEqual({ '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#auditLogs/directoryAudits/$entity', ...byAdmin });
  });

  it('records a block and its clearing with the blocked-until date, and the sessions the block revoked', async () => {
    expect((await admin().post('/v1/users/audit-bob/block', { reason: 'suspected takeover', days: 30 })).status).toBe(200);
    bulwark.clock.advance({ minutes: 5 });
    expect((await admin().post('/v1/users/audit-bob/unblock', { reason: 'verified by phone' })).status).toBe(200);
    const rows = await allAudits();
    const [blocked] = find(rows, 'Add blocked user', 'audit-bob');
    const [cleared] = find(rows, 'Clear block on user', 'audit-bob');
    expect(blocked).toMatchObject({ category: 'Policy', initiatedBy: { app: { displayName: 'Bulwark admin API key' } }, additionalDetails: [{ key: 'Reason', value: 'suspected takeover' }] });
    const until = JSON.parse(blocked!.targetResources[0]!.modifiedProperties[0]!.newValue!);
    expect(Date.parse(until) - Date.parse(blocked!.activityDateTime)).toBe(30 * 86_400_000);
    expect(cleared!.targetResources[0]!.modifiedProperties).toEqual([{ displayName: 'BlockedUntil', oldValue: JSON.stringify(until), newValue: null }]);
    const [revoked] = find(rows, 'Update StsRefreshTokenValidFrom Timestamp', 'audit-bob');
    expect(revoked).toMatchObject({ correlationId: blocked!.correlationId, initiatedBy: { user: null, app: { displayName: 'sessions' } } });
  });

  it('records fraud alert settings changes with old and new values, and fraud reports with and without the auto-block', async () => {
    const fraud = (autoBlockOnFraud: boolean) => admin().put('/v1/settings/fraudAlert', { reportSuspiciousActivity: 'enabled', autoBlockOnFraud });
    try {
      expect((await fraud(false)).status).toBe(200);
      await report('audit-alice');
      // the auto-block reaction reads the settings when it runs: let it run before they change
      await bulwark.consumers.catchUp();
      bulwark.clock.advance({ minutes: 1 });
      expect((await fraud(true)).status).toBe(200);
      await report('audit-alice');
      const rows = await allAudits();

      const settings = rows.filter((row) => row.activityDisplayName === 'Update fraud alert settings');
      expect(settings).toHaveLength(2);
      expect(settings[0]!.targetResources[0]!.modifiedProperties).toEqual([{ displayName: 'autoBlockOnFraud', oldValue: 'false', newValue: 'true' }]);
      expect(settings[1]!.targetResources[0]!.modifiedProperties).toContainEqual({ displayName: 'autoBlockOnFraud', oldValue: null, newValue: 'false' });

      const reports = rows.filter((row) => row.activityDisplayName.startsWith('Fraud reported'));
      expect(reports.map((row) => row.activityDisplayName)).toEqual(['Fraud reported - user is blocked for MFA', 'Fraud reported - no action taken']);
      for (const row of reports) {
        expect(row).toMatchObject({ category: 'UserManagement', loggedByService: 'Azure MFA', initiatedBy: { user: { id: 'audit-alice', ipAddress: '203.0.113.44' }, app: null } });
      }
      const [autoBlock] = find(rows, 'Add blocked user', 'audit-alice');
      expect(autoBlock).toMatchObject({
        correlationId: reports[0]!.correlationId,
        initiatedBy: { user: null, app: { displayName: 'identity-protection' } },
        additionalDetails: expect.arrayContaining([{ key: 'TriggeredBy', value: reports[0]!.id }]),
      });
    } finally {
      await fraud(false);
      await admin().post('/v1/users/audit-alice/unblock', { reason: 'test over' });
    }
  });

  it('records a hardware token import: the job, the token (named by its serial, no secret) and its assignment', async () => {
    const csv = ['upn,serial number,secret key,time interval,manufacturer,model', `audit-carol@contoso.com,AUD-0001,${TOTP_SECRET},30,Contoso,Hardware Token`].join('\r\n');
    const response = await fetch(`${bulwark.url}${DEVICES}/imports`, {
      method: 'POST',
      headers: { connection: 'close', authorization: `Bearer ${bulwark.keys.admin}`, 'content-type': 'text/csv', 'x-file-name': 'tokens.csv' },
      body: csv,
    });
    expect(response.status).toBe(202);
    const { id: importId } = (await response.json()) as { id: string };
    for (let i = 0; i < 100 && (await admin().get(`${DEVICES}/imports/${importId}`)).body.status === 'running'; i++) await new Promise((resolve) => setTimeout(resolve, 20));

    const rows = await allAudits();
    expect(find(rows, 'Bulk upload Hardware Oath Token', importId)[0]).toMatchObject({ targetResources: [{ id: importId, displayName: 'tokens.csv' }] });
    expect(find(rows, 'Bulk add authentication devices - finished (bulk)', importId)[0]!.additionalDetails).toEqual([
      { key: 'Imported', value: '1' },
      { key: 'Assigned', value: '1' },
      { key: 'Rejected', value: '0' },
    ]);
    const [created] = rows.filter((row) => row.activityDisplayName === 'Create Hardware Oath Token');
    expect(created).toMatchObject({ loggedByService: 'Authentication Methods', category: 'ApplicationManagement', targetResources: [{ type: 'Device', displayName: 'AUD-0001' }] });
    const [assigned] = find(rows, 'Assign Hardware Oath Token', 'audit-carol@contoso.com');
    expect(assigned!.targetResources.map((resource) => [resource.type, resource.id, resource.displayName])).toEqual([
      ['Device', created!.targetResources[0]!.id, 'AUD-0001'],
      ['User', 'audit-carol@contoso.com', null],
    ]);
    expect(JSON.stringify(rows)).not.toContain(TOTP_SECRET);
  });

  it('pages newest first through @odata.nextLink to the end, unaffected by rows that arrive meanwhile', async () => {
    const everything = await allAudits();
    expect(everything.length).toBeGreaterThan(10);
    const keys = everything.map((row) => `${row.activityDateTime}|${row.id}`);
    expect([...keys].sort().reverse()).toEqual(keys);

    const first = await analyst().get(`${AUDITS}?$top=3`);
    expect(first.body['@odata.context']).toBe('https://graph.microsoft.com/v1.0/$metadata#auditLogs/directoryAudits');
    expect(first.body.value).toEqual(everything.slice(0, 3));
    expect(first.body['@odata.nextLink']).toMatch(new RegExp(`^${bulwark.url.replace(/\./g, '\\.')}/v1\\.0/auditLogs/directoryAudits\\?\\$top=3&\\$skiptoken=[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$`));

    // new rows, newer than every page: the pages already handed out go on where they stopped
    bulwark.clock.advance({ minutes: 1 });
    expect((await admin().post('/v1/users/audit-dan/block', { reason: 'during paging' })).status).toBe(200);
    await bulwark.consumers.catchUp();
    const rest: Audit[] = [];
    let next: string | undefined = first.body['@odata.nextLink'].slice(bulwark.url.length);
    while (next) {
      const page = await analyst().get(next!);
      expect(page.body.value.length).toBeLessThanOrEqual(3);
      rest.push(...page.body.value);
      next = page.body['@odata.nextLink']?.slice(bulwark.url.length);
    }
    expect([...first.body.value, ...rest]).toEqual(everything);
    expect((await analyst().get(AUDITS)).body.value.length).toBeGreaterThan(everything.length);
  });

  it('answers bad queries with 400, unknown ids with 404, and the wrong key with 401 or 403', async () => {
    const error = (reply: { status: number; body: { error: { code: string; message: string; innerError: { 'request-id': string } } } }, status: number, message: RegExp) => {
      expect(reply.status).toBe(status);
      expect(reply.body.error).toMatchObject({ message: expect.stringMatching(message), innerError: { 'request-id': expect.any(String) } });
    };
    for (const top of ['0', '1001', 'ten', '-1', '2.5']) error(await analyst().get(`${AUDITS}?$top=${top}`), 400, /\$top/);
    error(await analyst().get(`${AUDITS}?$top=1&$top=2`), 400, /more than once/);
    error(await analyst().get(`${AUDITS}?$filter=${encodeURIComponent("activityDisplayName gt 'Add blocked user'")}`), 400, /operator gt is not supported on activityDisplayName/);
    error(await analyst().get(`${AUDITS}?$orderby=category`), 400, /can be sorted by activityDateTime only/);
    error(await analyst().get(`${AUDITS}?$expand=targetResources`), 400, /\$expand is not supported/);
    error(await analyst().get(`${AUDITS}?$skiptoken=not-a-token`), 400, /\$skiptoken/);
    error(await analyst().get(`${AUDITS}?$skiptoken=${Buffer.from('["x","y"]').toString('base64url')}`), 400, /\$skiptoken/);
    error(await analyst().get(`${AUDITS}/3f1f8a2e-4c59-4a8e-9a57-2d7e1d3b0c11`), 404, /no directory audit/);
    error(await analyst().get(`${AUDITS}/not-an-id`), 400, /UUID/);
    error(await bulwark.as(null).get(AUDITS), 401, /bearer key/);
    error(await bulwark.as('app').get(AUDITS), 403, /analyst or admin/);
    error(await bulwark.as('siem').get(`${AUDITS}/3f1f8a2e-4c59-4a8e-9a57-2d7e1d3b0c11`), 403, /analyst or admin/);
    expect((await admin().get(`${AUDITS}?$top=1`)).body.value).toHaveLength(1);
  });
});
