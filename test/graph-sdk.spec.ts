import {
  AuthenticationHandler,
  Client,
  Context,
  CustomAuthenticationProvider,
  GraphError,
  Middleware,
  PageCollection,
  PageIterator,
} from '@microsoft/microsoft-graph-client';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Embedded, enrol, startEmbedded, wrongCodeAt } from './support/embedded';

/**
 * Microsoft's Graph JavaScript client, pointed at Bulwark with only a new base URL and a key. Bulwark is served
 * over HTTPS (a certificate made for this test, in front of the embedded server) so the client behaves exactly as
 * it does against graph.microsoft.com: its own AuthenticationHandler attaches the bearer key to our host, and its
 * PageIterator follows our absolute @odata.nextLink.
 */

/** The client's last middleware: the HTTP request, over TLS trusting the test's own certificate (Node 20's fetch cannot be told to). */
class TrustingHttpsHandler implements Middleware {
  constructor(private readonly ca: Buffer) {}

  async execute(context: Context): Promise<void> {
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    const options = context.options ?? {};
    const headers = new Headers(options.headers as ConstructorParameters<typeof Headers>[0]);
    const body = typeof options.body === 'string' ? options.body : undefined;
    context.response = await new Promise<Response>((resolve, reject) => {
      const request = https.request(url, { method: options.method ?? 'GET', headers: Object.fromEntries(headers), ca: this.ca }, (reply) => {
        const chunks: Buffer[] = [];
        reply.on('data', (chunk: Buffer) => chunks.push(chunk));
        reply.on('end', () => {
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(reply.headers)) if (typeof value === 'string') responseHeaders.set(name, value);
          const status = reply.statusCode ?? 500;
          resolve(new Response(status === 204 ? null : Buffer.concat(chunks), { status, headers: responseHeaders }));
        });
        reply.on('error', reject);
      });
      request.on('error', reject);
      request.end(body);
    });
  }
}

/** HTTPS in front of the embedded server, saying so (X-Forwarded-Proto) as a TLS-terminating gateway does. */
async function httpsGateway(target: string, key: Buffer, cert: Buffer): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const server = https.createServer({ key, cert }, (incoming, outgoing) => {
    const proxied = http.request(
      { host: upstream.hostname, port: upstream.port, path: incoming.url, method: incoming.method, headers: { ...incoming.headers, 'x-forwarded-proto': 'https', connection: 'close' } },
      (reply) => {
        outgoing.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(outgoing);
      },
    );
    proxied.on('error', () => outgoing.destroy());
    incoming.pipe(proxied);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

function selfSignedCertificate(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-tls-'));
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], {
    cwd: dir,
    encoding: 'utf8',
  });
  if (made.status !== 0) throw new Error(`openssl could not make a test certificate: ${made.stderr}`);
  return { key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) };
}

describe('a Microsoft Graph SDK client against Bulwark', () => {
  let bulwark: Embedded;
  let gateway: { url: string; close(): Promise<void> };
  let client: Client;
  let certificate: Buffer;

  const graphClient = (key: string, ca: Buffer) => {
    const auth = new AuthenticationHandler(new CustomAuthenticationProvider((done) => done(null, key)));
    auth.setNext(new TrustingHttpsHandler(ca));
    // the only change from a Graph script: the base URL (and our host among the client's trusted hosts)
    return Client.initWithMiddleware({ baseUrl: `${gateway.url}/`, defaultVersion: 'v1.0', middleware: auth, customHosts: new Set(['127.0.0.1']) });
  };

  beforeAll(async () => {
    bulwark = await startEmbedded();
    const { key, cert } = selfSignedCertificate();
    certificate = cert;
    gateway = await httpsGateway(bulwark.url, key, cert);
    client = graphClient(bulwark.keys.analyst, cert);

    for (const userId of ['sdk-alice', 'sdk-bob']) {
      const { secret } = await enrol(bulwark, userId);
      for (let i = 0; i < 4; i++) {
        const { body: challenge } = await bulwark.as('app').post('/v1/mfa/challenges', { userId, clientIp: `198.51.100.${i + 1}` });
        await bulwark.as('app').post(`/v1/mfa/challenges/${challenge.id}/verify`, { code: wrongCodeAt(secret, bulwark.clock) });
        bulwark.clock.advance({ seconds: 20 });
      }
    }
    const { body: suspicious } = await bulwark.as('app').post('/v1/mfa/challenges', { userId: 'sdk-bob', clientIp: '203.0.113.9' });
    expect((await bulwark.as('app').post(`/v1/mfa/challenges/${suspicious.id}/reportSuspiciousActivity`)).status).toBe(200);
    await bulwark.consumers.catchUp();
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
    await bulwark?.close();
  });

  it('lists sign-ins, filters them, and pages to the end with PageIterator through @odata.nextLink', async () => {
    const all: PageCollection = await client.api('/auditLogs/signIns').get();
    expect(all['@odata.context']).toBe('https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns');
    expect(all.value.length).toBe(9);

    const firstPage: PageCollection = await client.api('/auditLogs/signIns').filter("status/errorCode eq 500121 and startswith(ipAddress,'198.51.100.')").top(3).get();
    expect(firstPage['@odata.nextLink']).toMatch(new RegExp(`^${gateway.url.replace(/\./g, '\\.')}/v1\\.0/auditLogs/signIns\\?`));
    const seen: Array<{ id: string; ipAddress: string }> = [];
    const iterator = new PageIterator(client, firstPage, (signIn: { id: string; ipAddress: string }) => {
      seen.push(signIn);
      return true;
    });
    await iterator.iterate();
    expect(iterator.isComplete()).toBe(true);
    expect(seen).toHaveLength(8);
    expect(new Set(seen.map((row) => row.id)).size).toBe(8);
    expect(seen.every((row) => row.ipAddress.startsWith('198.51.100.'))).toBe(true);
    const expected = all.value.filter((row: { ipAddress: string }) => row.ipAddress.startsWith('198.51.100.')).map((row: { id: string }) => row.id);
    expect(seen.map((row) => row.id)).toEqual(expected);
  });

  it('selects, counts and filters risky users and detections with the request builder', async () => {
    const users: PageCollection = await client.api('/identityProtection/riskyUsers').filter("riskState eq 'atRisk'").select(['id', 'riskLevel']).count(true).get();
    expect(users['@odata.count']).toBe(1);
    expect(users.value).toEqual([{ id: 'sdk-bob', riskLevel: 'high' }]);
    const detections: PageCollection = await client.api('/identityProtection/riskDetections').filter("userId eq 'sdk-bob' and riskLevel eq 'high'").get();
    expect(detections.value).toEqual([expect.objectContaining({ riskEventType: 'userReportedSuspiciousActivity', riskState: 'atRisk' })]);
  });

  it('confirms a user compromised, as a Graph script does, and reads the outcome back', async () => {
    const adminClient = graphClient(bulwark.keys.admin, certificate);
    await adminClient.api('/identityProtection/riskyUsers/confirmCompromised').post({ userIds: ['sdk-bob'] });
    await bulwark.consumers.catchUp();
    const alice = await client.api('/identityProtection/riskyUsers/sdk-bob').get();
    expect(alice).toMatchObject({ id: 'sdk-bob', riskState: 'confirmedCompromised', riskLevel: 'high', riskDetail: 'adminConfirmedUserCompromised' });
  });

  it('surfaces our errors as GraphError with the status and code', async () => {
    const error = await client.api('/auditLogs/signIns').filter('userid eq 1').get().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GraphError);
    expect(error).toMatchObject({ statusCode: 400, code: 'badRequest', message: expect.stringMatching(/did you mean userId/) });
    const siem = graphClient(bulwark.keys.siem, certificate);
    expect(await siem.api('/auditLogs/signIns').get().catch((caught: unknown) => caught)).toMatchObject({ statusCode: 403, code: 'accessDenied' });
    const unknownKey = graphClient('not-a-key', certificate);
    expect(await unknownKey.api('/identityProtection/riskyUsers').get().catch((caught: unknown) => caught)).toMatchObject({ statusCode: 401, code: 'unauthenticated' });
  });
});
