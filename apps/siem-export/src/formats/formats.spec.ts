import { eventRegistry, RecordedEvent } from '@bulwark/contracts';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { catalog, defaultExportOptions, EXPORT_FORMATS, ExportFormat, ExportOptions, exportRecord, MAX_RECORD_CHARS, UnmappedEventTypeError } from './index';
import { fixtureEvents, PARALLEL_EVENT_TYPES, PLANTED } from './fixtures/events';
import { validateOcsf } from './fixtures/ocsf-validator';
import { parseCef } from './fixtures/cef-parser';

/**
 * Golden examples: every event type, every format, compared byte for byte with the files under fixtures/golden.
 * After an intended change, regenerate them with `UPDATE_GOLDEN=1 npx jest apps/siem-export/src/formats` and
 * read the diff before committing it.
 */

const goldenDir = path.join(__dirname, 'fixtures', 'golden');
const extension: Record<ExportFormat, string> = { ocsf: 'json', ecs: 'json', cef: 'cef' };
const options: ExportOptions = { ...defaultExportOptions, tenantId: '5611623b-9128-461e-9d7f-a0d9c270ead2' };
const ecsSchema = JSON.parse(readFileSync(path.join(__dirname, 'fixtures', 'ecs', 'ecs-fields.json'), 'utf8')) as {
  kind: string[];
  category: Record<string, string[] | null>;
  type: string[];
  outcome: string[];
  fields: Record<string, string>;
};

const render = (format: ExportFormat, event: RecordedEvent, with_: Partial<ExportOptions> = {}) => exportRecord(format, event, { ...options, ...with_ });
const pretty = (format: ExportFormat, line: string) => (format === 'cef' ? `${line}\n` : `${JSON.stringify(JSON.parse(line), null, 2)}\n`);
const byType = (type: string) => fixtureEvents.find((event) => event.type === type)!;
const ocsfOf = (type: string, with_: Partial<ExportOptions> = {}) => JSON.parse(render('ocsf', byType(type), with_).line);
const ecsOf = (type: string, with_: Partial<ExportOptions> = {}) => JSON.parse(render('ecs', byType(type), with_).line);

describe('the SIEM mappers', () => {
  const everyType = [...new Set([...eventRegistry.types(), ...PARALLEL_EVENT_TYPES])];

  describe('cover every event type', () => {
    it.each(everyType)('%s has a mapping and a fixture', (type) => {
      expect(catalog[type]).toBeInstanceOf(Function);
      expect(fixtureEvents.filter((event) => event.type === type)).toHaveLength(1);
    });

    it('maps nothing that is not an event type', () => {
      expect(Object.keys(catalog).sort()).toEqual([...everyType].sort());
    });

    it.each(fixtureEvents.filter((event) => eventRegistry.types().includes(event.type)).map((event) => [event.type, event] as const))(
      'the %s fixture is a valid event of its contract',
      (_, event) => {
        expect(() => eventRegistry.validate(event)).not.toThrow();
      },
    );

    it('refuses an event type it has no mapping for, loudly', () => {
      const unknown = { ...fixtureEvents[0]!, type: 'SomethingNew' };
      for (const format of EXPORT_FORMATS) expect(() => render(format, unknown)).toThrow(UnmappedEventTypeError);
    });
  });

  describe('golden examples', () => {
    const cases = fixtureEvents.flatMap((event) => EXPORT_FORMATS.map((format) => [event.type, format, event] as const));
    it.each(cases)('%s as %s', (type, format, event) => {
      const file = path.join(goldenDir, format, `${type}.${extension[format]}`);
      const actual = pretty(format, render(format, event).line);
      if (process.env.UPDATE_GOLDEN) {
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, actual);
      }
      expect(existsSync(file)).toBe(true);
      expect(actual).toBe(readFileSync(file, 'utf8'));
    });

    it('carries the event id in every format, and the same output for the same event', () => {
      for (const event of fixtureEvents) {
        const ocsf = JSON.parse(render('ocsf', event).line);
        const ecs = JSON.parse(render('ecs', event).line);
        const cef = parseCef(render('cef', event).line);
        expect(ocsf.metadata.uid).toBe(event.eventId);
        expect(ecs.event.id).toBe(event.eventId);
        expect(cef.extension.externalId).toBe(event.eventId);
        expect(render('cef', event).line).toBe(render('cef', event).line);
      }
    });

    it('keys each record by its user, else by its stream', () => {
      expect(render('ocsf', byType('MfaDenied')).key).toBe('alice@contoso.com');
      expect(render('ocsf', byType('LockoutSettingsChanged')).key).toBe('mfa_settings-lockout');
    });
  });

  describe('OCSF, checked against the schema extract', () => {
    it.each(fixtureEvents.map((event) => [event.type, event] as const))('%s is a valid OCSF record', (_, event) => {
      const record = JSON.parse(render('ocsf', event).line);
      expect(validateOcsf(record)).toEqual([]);
      expect(record.type_uid).toBe(record.class_uid * 100 + record.activity_id);
      expect(record.time).toBe(Date.parse(event.data.at as string));
    });

    it('uses the classes the issue names: 3002 for MFA results, 3001 for account changes, 2004 for risk, 3004 for the token inventory', () => {
      const classOf = (type: string) => [ocsfOf(type).class_uid, ocsfOf(type).activity_id];
      expect(classOf('MfaApproved')).toEqual([3002, 1]);
      expect(classOf('MfaDenied')).toEqual([3002, 1]);
      expect(classOf('MethodRegistered')).toEqual([3001, 10]);
      expect(classOf('MethodRemoved')).toEqual([3001, 11]);
      expect(classOf('UserBlocked')).toEqual([3001, 5]);
      expect(classOf('UserUnblocked')).toEqual([3001, 2]);
      expect(classOf('AccountLockedOut')).toEqual([3001, 9]);
      expect(classOf('AccountUnlocked')).toEqual([3001, 12]);
      expect(classOf('RiskDetected')).toEqual([2004, 1]);
      expect(classOf('SuspiciousActivityReported')).toEqual([2004, 1]);
      expect(classOf('RiskyUserDismissed')).toEqual([2004, 3]);
      expect(classOf('OathTokenImported')).toEqual([3004, 1]);
      expect(classOf('SessionsRevoked')).toEqual([3002, 2]);
    });

    it('reports an MFA denial the way Sentinel and Splunk read it', () => {
      const denied = ocsfOf('MfaDenied');
      expect(denied).toMatchObject({
        status_id: 2,
        status: 'Failure',
        status_code: '500121',
        status_detail: 'MFA denied; Phone App Reported Fraud',
        severity_id: 4,
        is_mfa: true,
        action_id: 2,
        disposition_id: 25,
        user: { uid: 'alice@contoso.com', name: 'alice@contoso.com', email_addr: 'alice@contoso.com' },
        src_endpoint: { ip: '203.0.113.7' },
      });
      expect(denied.metadata.profiles).toEqual(['security_control']);
    });

    it('puts the at-risk user in the evidences of a finding, with its risk level', () => {
      const risk = ocsfOf('RiskDetected');
      expect(risk).toMatchObject({ severity_id: 4, risk_level_id: 3, is_alert: true, status_id: 1, status: 'New' });
      expect(risk.finding_info).toMatchObject({ uid: 'det-1', types: ['mfaFatigue'], analytic: { type_id: 1, name: 'mfaFatigue' } });
      expect(risk.evidences[0]).toMatchObject({ user: { uid: 'alice@contoso.com' }, src_endpoint: { ip: '203.0.113.7' } });
      expect(risk).not.toHaveProperty('user');
    });

    it('the validator is not a rubber stamp', () => {
      const good = ocsfOf('RiskDetected');
      expect(validateOcsf({ ...good, type_uid: 200402 })).toEqual([expect.stringContaining('type_uid')]);
      const { finding_info: _, ...noFinding } = good;
      expect(validateOcsf(noFinding)).toEqual([expect.stringContaining('finding_info: required')]);
      expect(validateOcsf({ ...good, status_id: 7 })).toEqual(expect.arrayContaining([expect.stringContaining('status_id: 7 is not a member')]));
      expect(validateOcsf({ ...good, risk_level_id: 2 })).toEqual([expect.stringContaining('does not match risk_level_id 2')]);
      expect(validateOcsf({ ...good, evidences: [{}] })).toEqual([expect.stringContaining('needs at least one of')]);
      expect(validateOcsf({ ...good, is_mfa: true })).toEqual([expect.stringContaining('is_mfa: not an attribute of Detection Finding')]);
      const denied = ocsfOf('MfaDenied');
      expect(validateOcsf({ ...denied, auth_factors: [{ factor_type_id: 12 }] })).toEqual([expect.stringContaining('auth_factors[0].factor_type_id: 12')]);
      expect(validateOcsf({ ...denied, metadata: { ...denied.metadata, profiles: [] } })).toEqual(
        expect.arrayContaining([expect.stringContaining('action_id: not an attribute')]),
      );
      expect(validateOcsf({ ...denied, time: '2026-11-21' })).toEqual([expect.stringContaining('time: expected an integer')]);
    });
  });

  describe('ECS', () => {
    const flatten = (value: unknown, prefix = ''): string[] =>
      value && typeof value === 'object' && !Array.isArray(value)
        ? Object.entries(value).flatMap(([key, inner]) => flatten(inner, prefix ? `${prefix}.${key}` : key))
        : [prefix];

    it.each(fixtureEvents.map((event) => [event.type, event] as const))('%s uses ECS fields and allowed categorization values', (_, event) => {
      const doc = JSON.parse(render('ecs', event, { hostname: 'bulwark-1' }).line);
      expect(doc.event.id).toBe(event.eventId);
      expect(ecsSchema.kind).toContain(doc.event.kind);
      expect(ecsSchema.outcome).toContain(doc.event.outcome);
      for (const category of doc.event.category) {
        expect(Object.keys(ecsSchema.category)).toContain(category);
        for (const type of doc.event.type) expect(ecsSchema.category[category]).toContain(type);
      }
      // IAM events name both what happened and to what (user or group)
      if (doc.event.category.includes('iam') && doc.event.type.some((type: string) => type !== 'info' && type !== 'creation' && type !== 'change')) {
        expect(doc.event.type).toContain('user');
      }
      const fields = flatten(doc).filter((field) => !field.startsWith('bulwark.'));
      expect(fields.filter((field) => !(field in ecsSchema.fields))).toEqual([]);
    });

    it('puts an admin in user.* and the user they changed in user.target.*', () => {
      const blocked = ecsOf('UserUnblocked');
      expect(blocked.user).toMatchObject({ id: 'key:admin', roles: ['admin'], target: { id: 'alice@contoso.com', name: 'alice', domain: 'contoso.com' } });
      expect(blocked.related.user).toEqual(['alice@contoso.com', 'key:admin']);
      const denied = ecsOf('MfaDenied');
      expect(denied.user).toEqual({ id: 'alice@contoso.com', name: 'alice', domain: 'contoso.com', email: 'alice@contoso.com' });
      expect(denied.event).toMatchObject({ category: ['authentication'], type: ['start'], outcome: 'failure', reason: 'fraudReported', severity: 8 });
    });
  });

  describe('CEF', () => {
    it.each(fixtureEvents.map((event) => [event.type, event] as const))('%s is one parsable line with a severity in its OCSF band', (_, event) => {
      const line = render('cef', event).line;
      expect(line).not.toMatch(/[\r\n]/);
      const cef = parseCef(line);
      expect(cef.header).toHaveLength(7);
      expect(cef.header.slice(0, 4)).toEqual(['CEF:0', 'Bulwark', 'Bulwark', '0.1.0']);
      expect(cef.extension.externalId).toBe(event.eventId);
      expect(cef.extension.rt).toBe(String(Date.parse(event.data.at as string)));
      const severity = Number(cef.header[6]);
      const band: Record<number, [number, number]> = { 1: [0, 2], 2: [3, 3], 3: [4, 6], 4: [7, 8], 5: [9, 10] };
      const [low, high] = band[JSON.parse(render('ocsf', event).line).severity_id]!;
      expect(severity).toBeGreaterThanOrEqual(low);
      expect(severity).toBeLessThanOrEqual(high);
      // a label goes with every custom slot
      for (const key of Object.keys(cef.extension).filter((key) => /^(cs|cn|flexString)\d$/.test(key))) expect(cef.extension[`${key}Label`]).toBeDefined();
    });

    it('gives each MFA denial reason its own signature', () => {
      const reasons = ['wrongCode', 'timeout', 'userDeclined', 'fraudReported', 'userBlocked', 'lockedOut', 'replayedCode', 'methodDisabled', 'expired', 'wrongNumber', 'superseded'];
      const denied = byType('MfaDenied');
      const signatures = reasons.map((reason) => parseCef(render('cef', { ...denied, data: { ...denied.data, reason } }).line).header[4]);
      expect(new Set(signatures).size).toBe(reasons.length);
    });

    describe('escapes hostile input', () => {
      const hostile = 'pipe | back\\slash = equals\r\nnew line\nact=allow suser=root\rcr';
      const withReason = (type: string, reason: string) => ({ ...byType(type), data: { ...byType(type).data, reason } });

      it('in extension values: the value comes back whole and no key is injected', () => {
        const line = render('cef', withReason('AccountUnlocked', hostile)).line;
        expect(line).not.toMatch(/[\r\n]/);
        expect(line).toContain('reason=pipe | back\\\\slash \\= equals\\nnew line\\nact\\=allow suser\\=root\\ncr');
        const cef = parseCef(line);
        expect(cef.extension.reason).toBe('pipe | back\\slash = equals\nnew line\nact=allow suser=root\ncr');
        expect(cef.extension.act).toBe('unlock');
        expect(cef.extension.suser).toBe('key:admin');
        expect(cef.header).toHaveLength(7);
      });

      it('in header fields: pipes and backslashes escaped, line breaks become spaces', () => {
        const risk = byType('RiskDetected');
        const line = render('cef', { ...risk, data: { ...risk.data, riskEventType: 'evil|7|x\\y\nz=1' } }, {
          product: { vendor: 'Acme|Corp', name: 'Bul\\wark', version: '1.0\r\n' },
        }).line;
        expect(line.startsWith('CEF:0|Acme\\|Corp|Bul\\\\wark|1.0 |2001|Risk detected: evil\\|7\\|x\\\\y z=1|8|')).toBe(true);
        const cef = parseCef(line);
        expect(cef.header).toEqual(['CEF:0', 'Acme|Corp', 'Bul\\wark', '1.0 ', '2001', 'Risk detected: evil|7|x\\y z=1', '8']);
        expect(cef.extension.cs3).toBe('evil|7|x\\y\nz=1');
      });

      it('a user id cannot forge fields either', () => {
        const event = { ...byType('UserBlocked'), data: { ...byType('UserBlocked').data, userId: 'mallory duser=admin@contoso.com' } };
        const cef = parseCef(render('cef', event).line);
        expect(cef.extension.duser).toBe('mallory duser=admin@contoso.com');
        expect(cef.extension.duid).toBe('mallory duser=admin@contoso.com');
      });
    });
  });

  describe('privacy', () => {
    const everything = (with_: Partial<ExportOptions> = {}) => fixtureEvents.flatMap((event) => EXPORT_FORMATS.map((format) => render(format, event, with_).line)).join('\n');

    it('never exports a secret, a hash, a code hash, a webhook path or secret, nor a full phone number', () => {
      const out = everything();
      for (const planted of Object.values(PLANTED)) expect(out).not.toContain(planted);
      expect(out).not.toContain('4915112345678');
      expect(out).not.toMatch(/ciphertext|"hash"|codeHash|deviceTokenHash|webhookSecrets|voiceReportingCode/);
      // the fraud reporting digit is a code too
      expect(JSON.parse(render('ocsf', byType('FraudAlertSettingsChanged')).line).entity.data).toEqual({ reportSuspiciousActivity: 'enabled', autoBlockOnFraud: true, version: 2 });
    });

    it('shows a phone number masked to its last digits', () => {
      const registered = ocsfOf('MethodRegistered');
      expect(registered.auth_factors).toEqual([{ factor_type_id: 1, factor_type: 'SMS', provider: 'Bulwark', phone_number: '+***********78' }]);
      expect(ecsOf('MethodRegistered').bulwark.mfa.phone_number).toBe('+***********78');
      // a number typed into a free-text reason is masked as well
      const removed = { ...byType('MethodRemoved'), data: { ...byType('MethodRemoved').data, reason: 'moved to +447700900123 today' } };
      expect(render('cef', removed).line).toContain('reason=moved to +**********23 today');
    });

    it('switched off per format, user names and emails are replaced by a stable pseudonym', () => {
      const off = { userNames: false };
      expect(everything(off).split('\n').filter((line) => /alice|@contoso\.com|secops/i.test(line))).toEqual([]);
      const denied = ocsfOf('MfaDenied', off);
      expect(denied.user).toEqual({ uid: expect.stringMatching(/^anon-[0-9a-f]{20}$/), type_id: 1, type: 'User' });
      expect(ecsOf('MfaDenied', off).user).toEqual({ id: denied.user.uid });
      expect(render('ocsf', byType('MfaApproved'), off).key).toBe(denied.user.uid);
      // another key, another pseudonym: the key is what keeps them from being reversed by guessing
      expect(ocsfOf('MfaDenied', { ...off, pseudonymKey: 'another key' }).user.uid).not.toBe(denied.user.uid);
      // and the other formats are untouched by one format's setting
      expect(ocsfOf('MfaDenied').user.email_addr).toBe('alice@contoso.com');
    });
  });

  describe('size', () => {
    it('keeps a huge event under the record limit: its raw data is cut, its mapping stays', () => {
      const completed = byType('OathImportCompleted');
      const errors = Array.from({ length: 10_000 }, (_, row) => ({ row, serialNumber: `SN-${row}`, reason: 'x'.repeat(200) }));
      for (const format of ['ocsf', 'ecs'] as const) {
        const line = render(format, { ...completed, data: { ...completed.data, errors } }).line;
        expect(line.length).toBeLessThanOrEqual(MAX_RECORD_CHARS);
        const record = JSON.parse(line);
        const bulwark = format === 'ocsf' ? record.unmapped.bulwark : record.bulwark;
        expect(bulwark.data).toEqual({ importId: 'imp-1', imported: 10, assigned: 4, rejected: 1, at: completed.data.at, truncated: true });
        if (format === 'ocsf') expect(record.entity.data).toEqual({ imported: 10, assigned: 4, rejected: 1 });
      }
    });
  });

  describe('replay', () => {
    it('marks a replayed record in every format', () => {
      const replay = { replay: { jobId: 'job-1', requestedAt: '2026-11-22T08:00:00.000Z' } };
      expect(ocsfOf('MfaDenied', replay).metadata.labels).toEqual(['replay']);
      expect(ocsfOf('MfaDenied', replay).unmapped.bulwark.replay).toEqual({ job_id: 'job-1', requested_at: '2026-11-22T08:00:00.000Z' });
      expect(ecsOf('MfaDenied', replay).tags).toEqual(['replay']);
      const cef = parseCef(render('cef', byType('MfaDenied'), replay).line);
      expect(cef.extension).toMatchObject({ deviceCustomDate1Label: 'Replay', deviceCustomDate1: String(Date.parse('2026-11-22T08:00:00.000Z')) });
      expect(ocsfOf('MfaDenied').metadata.labels).toBeUndefined();
    });
  });
});
