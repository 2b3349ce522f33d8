import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Embedded, enrol, startEmbedded, totpAt, wrongCodeAt } from './support/embedded';

/** The samples of a Prometheus text exposition: `name{labels} value`, comments left out. */
export function samplesOf(text: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map(([, key, value]) => [key!, value!]));
      return { name: match[1]!, labels, value: Number(match[3]) };
    });
}

describe('/metrics', () => {
  let bulwark: Embedded;
  const userId = 'metrics-mia@contoso.com';

  beforeAll(async () => {
    bulwark = await startEmbedded();
  });

  afterAll(async () => {
    await bulwark?.close();
  });

  const scrape = async () => {
    const response = await fetch(`${bulwark.url}/metrics`, { headers: { connection: 'close', authorization: `Bearer ${bulwark.keys.siem}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return samplesOf(await response.text());
  };
  const value = (samples: ReturnType<typeof samplesOf>, name: string, labels: Record<string, string>) =>
    samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted)).reduce((sum, sample) => sum + sample.value, 0);

  it('is refused without a key (401) and to the app key (403); the siem and admin keys scrape it', async () => {
    expect((await bulwark.as(null).get('/metrics')).status).toBe(401);
    expect(await bulwark.as('app').get('/metrics')).toMatchObject({ status: 403, body: { error: { code: 'accessDenied' } } });
    expect((await bulwark.as('analyst').get('/metrics')).status).toBe(403);
    const admin = await fetch(`${bulwark.url}/metrics`, { headers: { connection: 'close', authorization: `Bearer ${bulwark.keys.admin}` } });
    expect(admin.status).toBe(200);
    await admin.text();
  });

  it('counts MFA outcomes from the committed events, requests by route template, and reports append latency and consumer lag', async () => {
    const app = bulwark.as('app');
    const { secret } = await enrol(bulwark, userId);
    const challenge = async () => (await app.post('/v1/mfa/challenges', { userId, clientIp: '203.0.113.7' })).body.id as string;
    expect((await app.post(`/v1/mfa/challenges/${await challenge()}/verify`, { code: wrongCodeAt(secret, bulwark.clock) })).body).toMatchObject({ status: 'denied' });
    expect((await app.post(`/v1/mfa/challenges/${await challenge()}/verify`, { code: totpAt(secret, bulwark.clock) })).body).toMatchObject({ status: 'approved' });
    await bulwark.consumers.catchUp();

    const samples = await scrape();
    const mfa = { method: 'softwareOath', channel: 'appCode', service: 'bulwark' };
    expect(value(samples, 'bulwark_mfa_outcomes_total', { ...mfa, outcome: 'denied', reason: 'wrongCode' })).toBe(1);
    expect(value(samples, 'bulwark_mfa_outcomes_total', { ...mfa, outcome: 'approved', reason: 'none' })).toBe(1);
    expect(value(samples, 'bulwark_events_appended_total', { type: 'MfaChallengeIssued' })).toBe(2);

    // the route's template, never the path with its ids
    const verify = { name: 'bulwark_http_requests_total', labels: { method: 'POST', route: '/v1/mfa/challenges/:challengeId/verify', status: '200' } };
    expect(value(samples, verify.name, verify.labels)).toBe(2);
    expect(value(samples, 'bulwark_http_requests_total', { route: '/metrics', status: '401' })).toBe(1);
    expect(value(samples, 'bulwark_http_requests_total', { route: '/metrics', status: '403' })).toBe(2);
    const routes = new Set(samples.filter((sample) => sample.name === 'bulwark_http_requests_total').map((sample) => sample.labels.route));
    expect([...routes].filter((route) => route!.includes(userId))).toEqual([]);
    expect(value(samples, 'bulwark_http_request_duration_seconds_count', verify.labels)).toBe(2);

    expect(value(samples, 'bulwark_event_store_append_duration_seconds_count', { store: 'sqlite', outcome: 'ok' })).toBeGreaterThanOrEqual(4);
    const lags = samples.filter((sample) => sample.name === 'bulwark_consumer_lag_positions');
    expect(lags.map((sample) => sample.labels.kind)).toEqual(expect.arrayContaining(['projection', 'reaction']));
    expect(lags.every((sample) => sample.value === 0)).toBe(true);
    expect(samples.filter((sample) => sample.name === 'bulwark_outbox_depth' && sample.labels.outbox === 'adminNotifications')).toHaveLength(4);
  });

  it('has a Grafana dashboard whose every query names a metric /metrics exposes', async () => {
    const dashboard = JSON.parse(readFileSync(path.join(__dirname, '../deploy/grafana/bulwark-dashboard.json'), 'utf8'));
    const exprs: string[] = dashboard.panels.flatMap((panel: { targets?: Array<{ expr: string }> }) => (panel.targets ?? []).map((target) => target.expr));
    expect(exprs.length).toBeGreaterThanOrEqual(10);
    const used = new Set(exprs.flatMap((expr) => expr.match(/\b(?:bulwark|process|nodejs)_[a-z0-9_]+/g) ?? []));
    // from the declarations, not the samples: a counter with labels has no sample before its first event
    const response = await fetch(`${bulwark.url}/metrics`, { headers: { connection: 'close', authorization: `Bearer ${bulwark.keys.siem}` } });
    const declared = [...(await response.text()).matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name, type]) => ({ name: name!, type: type! }));
    const exposed = new Set(declared.flatMap(({ name, type }) => (type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name])));
    expect([...used].filter((name) => !exposed.has(name))).toEqual([]);
  });
});
