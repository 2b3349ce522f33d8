import { configureLogging, defaultLogLevel } from '@bulwark/platform';
import { Embedded, enrol, startEmbedded, wrongCodeAt } from './support/embedded';

/**
 * Free text an attacker controls (here a user agent) reaches the sign-in CSV and the SIEM feed in CEF, OCSF and ECS:
 * in none may it start a forged line, colour a terminal or reverse what an analyst reads.
 */
const HOSTILE = 'Evil\r\nX-Forged: yes\x1b[31m\u202eexe.txt\u2066\u0000';
const UNSAFE = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('hostile free text in exports', () => {
  let bulwark: Embedded;
  const userId = 'mallory-target';

  beforeAll(async () => {
    bulwark = await startEmbedded();
    const { secret } = await enrol(bulwark, userId);
    const app = bulwark.as('app');
    const challenge = await app.post('/v1/mfa/challenges', { userId, clientIp: '203.0.113.9', userAgent: HOSTILE, appId: 'portal' });
    expect(challenge.status).toBe(201);
    expect((await app.post(`/v1/mfa/challenges/${challenge.body.id}/verify`, { code: wrongCodeAt(secret, bulwark.clock) })).body).toMatchObject({ status: 'denied' });
    await bulwark.consumers.catchUp();
  }, 60_000);

  afterAll(() => {
    configureLogging({ level: defaultLogLevel(), pretty: false });
    return bulwark?.close();
  });

  const get = async (path: string, role: 'analyst' | 'siem', accept?: string) => {
    const response = await fetch(`${bulwark.url}${path}`, {
      headers: { authorization: `Bearer ${bulwark.keys[role]}`, connection: 'close', ...(accept ? { accept } : {}) },
    });
    expect(response.status).toBe(200);
    return response.text();
  };

  it('keeps the exact user agent in the Graph JSON (the evidence)', async () => {
    const reply = await bulwark.as('analyst').get(`/v1.0/auditLogs/signIns?$filter=userId eq '${userId}'`);
    expect(reply.body.value.map((row: { userAgent: string }) => row.userAgent)).toContain(HOSTILE);
  });

  it('writes each sign-in as one CSV line, the user agent escaped visibly', async () => {
    const csv = await get(`/v1.0/auditLogs/signIns?$filter=userId eq '${userId}'`, 'analyst', 'text/csv');
    const lines = csv.split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).every((line) => !/[\r\n]/.test(line) && !UNSAFE.test(line))).toBe(true);
    expect(lines.some((line) => line.startsWith('X-Forged'))).toBe(false);
    expect(csv).toContain('Evil\\u000d\\u000aX-Forged: yes\\u001b[31m\\u202eexe.txt\\u2066\\u0000');
  });

  it.each(['cef', 'ocsf', 'ecs'])('writes every %s record of the SIEM feed as one line with no raw control or bidi character', async (format) => {
    const feed = await get(`/v1/siem/events?format=${format}&after=0&limit=1000`, 'siem');
    const lines = feed.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) {
      expect(line).not.toMatch(UNSAFE);
      expect(line).not.toMatch(/^X-Forged/);
    }
    if (format === 'cef') expect(feed).toContain('Evil\\nX-Forged: yes\\u001b[31m\\u202eexe.txt\\u2066\\u0000');
    // JSON escapes are the format's own: the parsed record still holds the exact text
    else expect(lines.some((line) => JSON.stringify(JSON.parse(line)).includes(JSON.stringify(HOSTILE).slice(1, -1)))).toBe(true);
  });

  it('writes log lines with no raw control or bidi character, the free text escaped visibly', async () => {
    const raw: string[] = [];
    configureLogging({ level: 'info', pretty: false }, { write: (chunk: string) => void raw.push(chunk) });
    const reply = await bulwark.as('admin').post(`/v1/users/${userId}/block`, { reason: `stolen ${HOSTILE}` });
    expect(reply.status).toBe(200);
    const blocked = raw.find((line) => line.includes('"event":"block"'));
    expect(blocked).toBeDefined();
    for (const line of raw) expect(line.replace(/\n$/, '')).not.toMatch(UNSAFE);
    expect(JSON.parse(blocked!).reason).toBe('stolen Evil\\u000d\\u000aX-Forged: yes\\u001b[31m\\u202eexe.txt\\u2066\\u0000');
  });
});
