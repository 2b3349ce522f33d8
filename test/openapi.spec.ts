import Ajv2020, { ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Embedded, startEmbedded, totpAt, wrongCodeAt } from './support/embedded';

type Schema = Record<string, unknown>;
type MediaType = { schema?: Schema; example?: unknown; examples?: Record<string, { value: unknown }> };
type Operation = {
  summary?: string;
  description?: string;
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<string, { description: string; content?: Record<string, MediaType> }>;
};
type Document = { openapi: string; info: { title: string }; paths: Record<string, Record<string, Operation>> };

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** A copy of a part of the document with every local $ref replaced by what it names (the document has no cycles). */
function dereferenced(value: unknown, document: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => dereferenced(item, document));
  if (!value || typeof value !== 'object') return value;
  const { $ref, ...rest } = value as { $ref?: string };
  if (typeof $ref === 'string' && $ref.startsWith('#/')) {
    const target = $ref
      .slice(2)
      .split('/')
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key.replace(/~1/g, '/').replace(/~0/g, '~')], document);
    return dereferenced(target, document);
  }
  return Object.fromEntries(Object.entries(rest).map(([key, item]) => [key, dereferenced(item, document)]));
}

/** The contract at /docs/openapi.json: valid OpenAPI 3.1, complete, and true of what the routes answer. */
describe('the OpenAPI document', () => {
  let bulwark: Embedded;
  let served: Document;
  // the document with every $ref replaced by what it names, as the validator resolves it
  let resolved: Document;
  let validationErrors: unknown;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const operations = () =>
    Object.entries(resolved.paths).flatMap(([route, methods]) =>
      Object.entries(methods)
        .filter(([method]) => METHODS.includes(method))
        .map(([method, operation]) => ({ name: `${method.toUpperCase()} ${route}`, route, operation })),
    );

  beforeAll(async () => {
    bulwark = await startEmbedded();
    served = (await (await fetch(`${bulwark.url}/docs/openapi.json`, { headers: { connection: 'close' } })).json()) as Document;
    // the validator is an ES module, which Jest's CommonJS runtime cannot load: it runs in its own node
    const validation = spawnSync(process.execPath, [path.join(__dirname, '../tools/openapi/validate.mjs')], { input: JSON.stringify(served), encoding: 'utf8' });
    validationErrors = validation.stdout ? (JSON.parse(validation.stdout) as { errors: unknown }).errors : validation.stderr;
    resolved = dereferenced(served, served) as Document;
  });

  afterAll(async () => {
    await bulwark.close();
  });

  it('is OpenAPI 3.1 with no validation error', () => {
    expect(served.openapi).toBe('3.1.0');
    expect(validationErrors).toEqual([]);
  });

  it('is the committed docs/openapi.json that the generated client comes from (npm run openapi:client)', () => {
    const committed = JSON.parse(readFileSync(path.join(__dirname, '../docs/openapi.json'), 'utf8')) as Document;
    expect({ ...served, info: { ...served.info, title: 'Bulwark' } }).toEqual(committed);
  });

  it('describes every operation', () => {
    const undescribed = operations().filter(({ operation }) => !(operation.summary ?? operation.description)?.trim());
    expect(undescribed.map(({ name }) => name)).toEqual([]);
  });

  it('declares every path parameter', () => {
    const undeclared = operations().flatMap(({ name, route, operation }) =>
      [...route.matchAll(/\{([^}]+)\}/g)]
        .map((match) => match[1]!)
        .filter((param) => !operation.parameters?.some((parameter) => parameter.in === 'path' && parameter.name === param && parameter.required))
        .map((param) => `${name}: {${param}}`),
    );
    expect(undeclared).toEqual([]);
  });

  it('has a schema for every answer but 204, Graph’s error body for every 4xx and 5xx, and 401 and 403 on every route that needs a key', () => {
    const problems = operations().flatMap(({ name, route, operation }) => {
      const found: string[] = [];
      const statuses = Object.keys(operation.responses);
      if (!statuses.some((status) => status.startsWith('2'))) found.push(`${name}: no success answer`);
      for (const status of statuses) {
        const content = operation.responses[status]!.content ?? {};
        if (status === '204') {
          if (Object.keys(content).length) found.push(`${name} ${status}: a 204 has no body`);
          continue;
        }
        if (!Object.keys(content).length) found.push(`${name} ${status}: no content`);
        for (const [type, media] of Object.entries(content)) if (!media.schema) found.push(`${name} ${status} ${type}: no schema`);
        // /health answers 503 with its own body, saying which part is down
        const healthDegraded = route === '/health' && status === '503';
        if (Number(status) >= 400 && !healthDegraded && !(content['application/json']?.schema?.properties as Schema | undefined)?.error) {
          found.push(`${name} ${status}: not Graph's error body`);
        }
      }
      if (route !== '/health') for (const status of ['401', '403', '500']) if (!statuses.includes(status)) found.push(`${name}: no ${status}`);
      return found;
    });
    expect(problems).toEqual([]);
  });

  it('gives every request body an example that its own schema accepts', () => {
    const problems = operations().flatMap(({ name, operation }) =>
      Object.entries(operation.requestBody?.content ?? {}).flatMap(([type, media]) => {
        const examples = [...(media.example !== undefined ? [media.example] : []), ...Object.values(media.examples ?? {}).map((example) => example.value)];
        if (!examples.length) return [`${name} ${type}: no example`];
        // a multipart example names its file instead of holding it
        if (type !== 'application/json') return [];
        const validate = ajv.compile(media.schema!);
        return examples.filter((example) => !validate(example)).map((example) => `${name}: ${JSON.stringify(example)} ${ajv.errorsText(validate.errors)}`);
      }),
    );
    expect(problems).toEqual([]);
  });

  describe('answers as it says', () => {
    const validators = new Map<string, ValidateFunction>();
    /** Checks a real answer against the document's schema for that route, method and status. */
    const expectConforms = (method: string, route: string, reply: { status: number; body: unknown }) => {
      const key = `${method} ${route} ${reply.status}`;
      const response = resolved.paths[route]?.[method.toLowerCase()]?.responses[String(reply.status)];
      expect({ key, documented: Boolean(response) }).toEqual({ key, documented: true });
      const schema = response!.content?.['application/json']?.schema;
      if (reply.status === 204) return;
      if (!validators.has(key)) validators.set(key, ajv.compile(schema!));
      const validate = validators.get(key)!;
      expect({ key, errors: validate(reply.body) ? null : ajv.errorsText(validate.errors) }).toEqual({ key, errors: null });
    };

    it('for a sign-in from enrolment to the sign-in log, and for refusals', async () => {
      const app = bulwark.as('app');
      const userId = 'alice';
      const registered = await app.post(`/v1/users/${userId}/authentication/authenticatorApps`, { displayName: 'Alice’s phone' });
      expectConforms('POST', '/v1/users/{userId}/authentication/authenticatorApps', registered);
      const { id: methodId, secret } = registered.body;
      const activated = await app.post(`/v1/users/${userId}/authentication/authenticatorApps/${methodId}/activate`, { code: totpAt(secret, bulwark.clock) });
      expectConforms('POST', '/v1/users/{userId}/authentication/authenticatorApps/{methodId}/activate', activated);
      bulwark.clock.advance({ seconds: 30 });

      const issued = await app.post('/v1/mfa/challenges', { userId, clientIp: '203.0.113.7', appId: 'portal' });
      expectConforms('POST', '/v1/mfa/challenges', issued);
      const denied = await app.post(`/v1/mfa/challenges/${issued.body.id}/verify`, { code: wrongCodeAt(secret, bulwark.clock) });
      expectConforms('POST', '/v1/mfa/challenges/{challengeId}/verify', denied);
      expect(denied.body.status).toBe('denied');
      const again = await app.post('/v1/mfa/challenges', { userId, clientIp: '203.0.113.7', appId: 'portal' });
      const approved = await app.post(`/v1/mfa/challenges/${again.body.id}/verify`, { code: totpAt(secret, bulwark.clock) });
      expectConforms('POST', '/v1/mfa/challenges/{challengeId}/verify', approved);
      expect(approved.body.status).toBe('approved');
      expectConforms('GET', '/v1/sessions/{sessionId}', await bulwark.as('analyst').get(`/v1/sessions/${approved.body.sessionId}`));

      const admin = bulwark.as('admin');
      expectConforms('GET', '/v1.0/users/{userId}/authentication/{collection}', await admin.get(`/v1.0/users/${userId}/authentication/methods`));
      expectConforms('PUT', '/v1/settings/lockout', await admin.put('/v1/settings/lockout', { denialsBeforeLockout: 5, counterResetMinutes: 10, autoUnlockMinutes: 15 }));
      expectConforms('GET', '/v1/settings/mfa', await admin.get('/v1/settings/mfa'));
      expectConforms('GET', '/v1/lockouts', await admin.get('/v1/lockouts'));
      await bulwark.consumers.catchUp();
      const signIns = await bulwark.as('analyst').get('/v1.0/auditLogs/signIns');
      expectConforms('GET', '/v1.0/auditLogs/signIns', signIns);
      expectConforms('GET', '/v1.0/identityProtection/riskyUsers', await bulwark.as('analyst').get('/v1.0/identityProtection/riskyUsers'));
      expectConforms('GET', '/health', await bulwark.as(null).get('/health'));

      // refusals, in Graph's error body
      expectConforms('POST', '/v1/mfa/challenges', await bulwark.as(null).post('/v1/mfa/challenges', { userId, clientIp: '203.0.113.7' }));
      expectConforms('POST', '/v1/mfa/challenges', await bulwark.as('analyst').post('/v1/mfa/challenges', { userId, clientIp: '203.0.113.7' }));
      expectConforms('POST', '/v1/mfa/challenges', await app.post('/v1/mfa/challenges', { userId, clientIp: 'not-an-ip' }));
      expectConforms('GET', '/v1.0/users/{userId}/authentication/{collection}', await admin.get('/v1.0/users/nobody/authentication/methods'));
    });
  });
});
