import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Embedded, enrol, startEmbedded, totpAt, wrongCodeAt } from './support/embedded';
import { missingServer } from './support/required-server';
import { freePort } from './support/rsyslog';

/**
 * /metrics as a real Prometheus sees it: Debian's prometheus (installed by .ci/run) scrapes the embedded server every
 * second with the siem key, and what this test did is read back through Prometheus's own query API.
 */
function prometheusBinary(): string | null {
  if (existsSync('/usr/bin/prometheus')) return '/usr/bin/prometheus';
  return missingServer("prometheus (Debian's prometheus package)", 'install it (`sudo apt-get install -y prometheus`), then `npx jest --selectProjects prometheus`');
}

const binary = prometheusBinary();

type Vector = Array<{ metric: Record<string, string>; value: [number, string] }>;

(binary ? describe : describe.skip)('metrics scraped by a real Prometheus', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-prometheus-'));
  let bulwark: Embedded;
  let prometheus: ChildProcess;
  let prometheusUrl: string;
  let stderr = '';

  beforeAll(async () => {
    bulwark = await startEmbedded();
    const target = new URL(bulwark.url).host;
    writeFileSync(
      path.join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        'scrape_configs:',
        '  - job_name: bulwark',
        '    metrics_path: /metrics',
        '    authorization:',
        '      type: Bearer',
        `      credentials: ${bulwark.keys.siem}`,
        '    static_configs:',
        `      - targets: ['${target}']`,
        '',
      ].join('\n'),
    );
    const listen = `127.0.0.1:${await freePort()}`;
    prometheusUrl = `http://${listen}`;
    prometheus = spawn(
      binary!,
      [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=${listen}`, '--log.level=warn'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    prometheus.stderr!.on('data', (chunk) => (stderr += chunk));
    await until(async () => (await fetch(`${prometheusUrl}/-/ready`).catch(() => null))?.status === 200, 30_000, 'Prometheus to be ready');
  }, 60_000);

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await bulwark?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  async function query(promql: string): Promise<Vector> {
    const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as { status: string; data: { resultType: string; result: Vector }; error?: string };
    if (body.status !== 'success') throw new Error(`${promql}: ${body.error}`);
    return body.data.result;
  }

  /** `{labels → value}` of an instant query, keyed by the labels named. */
  async function table(promql: string, by: string[]): Promise<Record<string, number>> {
    const rows = await query(promql);
    return Object.fromEntries(rows.map((row) => [by.map((label) => row.metric[label] ?? '').join(' '), Number(row.value[1])]));
  }

  /** Waits for a scrape that started after this moment: what was committed before it is in Prometheus. */
  async function scrapedAfter(moment: number): Promise<void> {
    await until(async () => Number((await query('timestamp(up{job="bulwark"})'))[0]?.value[1] ?? 0) * 1000 > moment, 30_000, 'a scrape after the sign-ins');
    expect(Number((await query('up{job="bulwark"}'))[0]!.value[1])).toBe(1);
  }

  it('counts exactly the sign-ins done: 3 wrong codes, the lockout, a refused locked user, 2 right codes, a fraud report, a block, a 403', async () => {
    const app = bulwark.as('app');
    const admin = bulwark.as('admin');
    const clock = bulwark.clock;
    expect(prometheus.exitCode).toBeNull();
    expect((await admin.put('/v1/settings/lockout', { denialsBeforeLockout: 3, counterResetMinutes: 10, autoUnlockMinutes: 15 })).status).toBe(200);
    const challenge = async (userId: string) => {
      const reply = await app.post('/v1/mfa/challenges', { userId, clientIp: '203.0.113.7', userAgent: 'prometheus-test/1.0' });
      expect(reply.status).toBe(201);
      return reply.body as { id: string; status: string; reason?: string };
    };
    const verify = (challengeId: string, code: string) => app.post(`/v1/mfa/challenges/${challengeId}/verify`, { code });

    // Lena: three wrong codes lock her out; her next sign-in is refused as it is issued
    const lena = await enrol(bulwark, 'lena@contoso.com');
    for (let attempt = 1; attempt <= 3; attempt++) {
      // the third denial locks her out: that challenge may not be answered again
      const open = attempt < 3 ? { retryAllowed: true, attemptsLeft: 4 } : { retryAllowed: false };
      expect((await verify((await challenge('lena@contoso.com')).id, wrongCodeAt(lena.secret, clock))).body).toEqual({ status: 'denied', reason: 'wrongCode', ...open });
      clock.advance({ seconds: 5 });
    }
    expect(await challenge('lena@contoso.com')).toMatchObject({ status: 'denied', reason: 'lockedOut' });

    // Rui: two right codes, a time step apart
    const rui = await enrol(bulwark, 'rui@contoso.com');
    for (let attempt = 0; attempt < 2; attempt++) {
      expect((await verify((await challenge('rui@contoso.com')).id, totpAt(rui.secret, clock))).body).toMatchObject({ status: 'approved' });
      clock.advance({ seconds: 30 });
    }
    // then reports a push he did not ask for: a denial, and a detection
    expect((await app.post(`/v1/mfa/challenges/${(await challenge('rui@contoso.com')).id}/reportSuspiciousActivity`)).status).toBe(200);

    // Bo: blocked by an admin, then refused
    await enrol(bulwark, 'bo@contoso.com');
    expect((await admin.post('/v1/users/bo@contoso.com/block', { reason: 'suspected takeover', days: 1 })).status).toBe(200);
    await bulwark.consumers.catchUp();
    expect(await challenge('bo@contoso.com')).toMatchObject({ status: 'denied', reason: 'userBlocked' });

    // the app key on an analyst's route
    expect((await app.get('/v1.0/identityProtection/riskDetections')).status).toBe(403);
    await bulwark.consumers.catchUp();
    await scrapedAfter(Date.now());

    const outcomes = { method: 'softwareOath', channel: 'appCode' };
    const by = ['outcome', 'reason', 'method', 'channel'];
    const key = (outcome: string, reason: string) => [outcome, reason, outcomes.method, outcomes.channel].join(' ');
    const expected = { [key('approved', 'none')]: 2, [key('denied', 'fraudReported')]: 1, [key('denied', 'lockedOut')]: 1, [key('denied', 'userBlocked')]: 1, [key('denied', 'wrongCode')]: 3 };
    expect(await table('sum by (outcome, reason, method, channel) (bulwark_mfa_outcomes_total{job="bulwark"})', by)).toEqual(expected);

    // lockouts, blocks and detections: what the store committed, reactions' own included
    const committed = await bulwark.store.readAll({ after: 0, maxCount: 100_000 });
    const countOf = (type: string) => committed.filter((event) => event.type === type).length;
    expect(countOf('AccountLockedOut')).toBe(1);
    expect(countOf('UserBlocked')).toBeGreaterThanOrEqual(1);
    expect(await table('sum by (factor) (bulwark_account_lockouts_total)', ['factor'])).toEqual({ oneTimeCode: 1 });
    expect(await table('sum(bulwark_user_blocks_total)', [])).toEqual({ '': countOf('UserBlocked') });
    const detections: Record<string, number> = {};
    for (const event of committed.filter((event) => event.type === 'RiskDetected')) {
      const type = event.data.riskEventType as string;
      detections[type] = (detections[type] ?? 0) + 1;
    }
    expect(detections.userReportedSuspiciousActivity).toBe(1);
    const sorted = (record: Record<string, number>) => Object.fromEntries(Object.entries(record).sort());
    expect(sorted(await table('sum by (risk_event_type) (bulwark_risk_detections_total)', ['risk_event_type']))).toEqual(sorted(detections));

    // requests by route template and status: the block, the 403, the verifications
    const requests = await table('sum by (route, status) (bulwark_http_requests_total{route=~"/v1/users/:userId/block|/v1.0/identityProtection/riskDetections|/v1/mfa/challenges/:challengeId/verify"})', ['route', 'status']);
    expect(requests).toEqual({
      '/v1/users/:userId/block 200': 1,
      '/v1.0/identityProtection/riskDetections 403': 1,
      '/v1/mfa/challenges/:challengeId/verify 200': 5,
    });
    // latency and lag come through as well
    expect((await query('bulwark_event_store_append_duration_seconds_count{store="sqlite",outcome="ok"}')).length).toBe(1);
    expect(Number((await query('max(bulwark_consumer_lag_positions)'))[0]!.value[1])).toBeGreaterThanOrEqual(0);
    expect(stderr).not.toMatch(/level=error/);
  }, 90_000);

  it('answers every query of the Grafana dashboard, and accepts deploy/prometheus.yml', async () => {
    const dashboard = JSON.parse(readFileSync(path.join(__dirname, '../deploy/grafana/bulwark-dashboard.json'), 'utf8'));
    const exprs: string[] = dashboard.panels.flatMap((panel: { targets?: Array<{ expr: string }> }) => (panel.targets ?? []).map((target) => target.expr));
    for (const expr of exprs) {
      // Grafana's variables as Grafana would fill them for "All"
      const rows = await query(expr.replaceAll('$__rate_interval', '1m').replaceAll('$job', '.*').replaceAll('$service', '.*'));
      expect({ expr, answered: Array.isArray(rows) }).toEqual({ expr, answered: true });
    }
    // the example's key file, made real for the check
    const keyFile = path.join(dir, 'siem.key');
    writeFileSync(keyFile, bulwark.keys.siem, { mode: 0o400 });
    const example = readFileSync(path.join(__dirname, '../deploy/prometheus.yml'), 'utf8').replaceAll('/etc/prometheus/bulwark-siem.key', keyFile);
    writeFileSync(path.join(dir, 'example.yml'), example);
    expect(execFileSync(path.join(path.dirname(binary!), 'promtool'), ['check', 'config', path.join(dir, 'example.yml')], { encoding: 'utf8' })).toMatch(/SUCCESS/);
  });
});

async function until(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
