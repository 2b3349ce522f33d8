import type { INestApplication } from '@nestjs/common';
import { ApiBody, ApiExtension, ApiResponse, DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';
import { z } from 'zod';

const methods = ['get', 'put', 'post', 'delete', 'patch'] as const;
/** Marks a route open without a key (auth.ts `Public`); the document then asks no key of it (`security: []`). */
export const PUBLIC_EXTENSION = 'x-bulwark-public';
/** Marks a route a rate limit can refuse (429 with Retry-After); see ApiRateLimited. */
export const RATE_LIMITED_EXTENSION = 'x-bulwark-rate-limited';
/** The route can answer 429 tooManyRequests with Retry-After: a per-user limit, or an in-process bucket per client IP or app key. */
export const ApiRateLimited = () => ApiExtension(RATE_LIMITED_EXTENSION, true);
const TEXT_BODY_EXTENSION = 'x-bulwark-text-body';

// The document is OpenAPI 3.1, whose schemas are JSON Schema 2020-12: what z.toJSONSchema writes, less its $schema line.
function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

/**
 * Documents a request body from the same zod schema that validates it, with a realistic example: without one, Swagger UI
 * fills "Try it out" with strings generated from the regexes. test/openapi.spec.ts checks each example against its schema.
 */
export const ApiZodBody = <T extends z.ZodType>(schema: T, example: z.input<T>) =>
  ApiBody({ schema: jsonSchemaOf(schema, 'input'), examples: { example: { summary: 'an example', value: example } } });

/** Documents a JSON answer with a zod schema of what the route returns (and the text media types it may send instead, as for `Accept: text/csv`). */
export const ApiZodResponse = (status: number, schema: z.ZodType, description: string, textMediaTypes: string[] = []) =>
  ApiResponse({
    status,
    description,
    content: {
      'application/json': { schema: jsonSchemaOf(schema, 'output') },
      ...Object.fromEntries(textMediaTypes.map((type) => [type, { schema: { type: 'string' } }])),
    },
  });

/**
 * Documents a body that is a file sent as is (CSV, XML), with an example per media type: @nestjs/swagger's ApiBody
 * would give every media type the same example. completeOpenApiDocument turns it into the operation's requestBody.
 */
export const ApiTextBody = (description: string, examples: Record<string, string>) => ApiExtension(TEXT_BODY_EXTENSION, { description, examples });

/** Documents an answer that is text, not JSON (CSV, NDJSON), in each media type the route can send. */
export const ApiTextResponse = (status: number, mediaTypes: string[], description: string) =>
  ApiResponse({ status, description, content: Object.fromEntries(mediaTypes.map((type) => [type, { schema: { type: 'string' } }])) });

/** Documents a 204: done, nothing to read. */
export const ApiNoContentResponse = (description: string) => ApiResponse({ status: 204, description });

/** A page of a Graph collection: the entities in `value`, the next page in `@odata.nextLink`, the total in `@odata.count` when asked. */
export const graphCollection = (entity: z.ZodType) =>
  z.object({ '@odata.context': z.string(), '@odata.count': z.int().optional(), '@odata.nextLink': z.string().optional(), value: z.array(entity) });

/** The settings documents every GET and PUT of /v1/settings answers: the fields, and the version the change made. */
export const versioned = <T extends z.ZodRawShape>(shape: T) => z.object({ ...shape, version: z.int() });

/** Microsoft Graph's error body (libs/platform/src/errors.ts), the answer of every 4xx and 5xx. */
export const errorBodySchema = z.object({
  error: z.object({
    /** camelCase and stable: badRequest, unauthenticated, accessDenied, itemNotFound, lockedOut, methodLimitReached, … */
    code: z.string(),
    message: z.string(),
    target: z.string().optional(),
    details: z.array(z.object({ code: z.string(), message: z.string(), target: z.string().optional() })).optional(),
    innerError: z.object({ 'request-id': z.string(), date: z.iso.datetime() }),
  }),
});

/** The JSON error statuses one operation can answer with, beside what its controller documents. */
const errorResponses: Record<string, string> = {
  400: 'The path, query or body is not valid (the message names the field)',
  401: 'No bearer key, or one that is not valid',
  403: "The key's role may not use this route",
  404: 'The user, method, challenge or item named does not exist',
  409: 'The request conflicts with the current state (already done, limit reached, locked out), or a request with the same Idempotency-Key is still being processed (code idempotencyKeyInProgress)',
  413: 'The body is larger than the limit',
  422: 'The request is understood but cannot be carried out in the current state, or its Idempotency-Key was sent with another request in the last 24 hours (code idempotencyKeyReused)',
  429: 'A rate limit refused the request (code tooManyRequests; the message names the limit); Retry-After gives the seconds until the window frees a slot',
  500: 'An internal error; nothing was stored',
};

/** Declared on every write (idempotency/idempotency.interceptor.ts). */
const idempotencyKeyParameter = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes a retry safe: within 24 hours, the same request (method, path and body) by the same role with the same key gets the first answer again ' +
    '(with `Idempotent-Replayed: true`) and changes nothing. The same key on another request: 422; while the first is still being processed: 409. ' +
    'Printable ASCII, 1 to 255 characters (a UUID is a good key); the draft\'s quoted form `"…"` is taken too.',
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x20-\\x7E]+$' },
};

type Operation = {
  summary?: string;
  description?: string;
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: unknown; description?: string }>;
  requestBody?: { content?: Record<string, unknown> };
  responses: Record<string, unknown>;
  security?: unknown[];
  [PUBLIC_EXTENSION]?: boolean;
  [RATE_LIMITED_EXTENSION]?: boolean;
  [TEXT_BODY_EXTENSION]?: { description: string; examples: Record<string, string> };
};

function errorStatuses(method: (typeof methods)[number], operation: Operation, isPublic: boolean, pathParams: string[]): string[] {
  const writes = method !== 'get';
  const takesInput = Boolean(operation.requestBody) || (operation.parameters?.length ?? 0) > 0;
  return [
    ...(takesInput ? ['400'] : []),
    ...(isPublic ? [] : ['401', '403']),
    ...(pathParams.length || writes ? ['404'] : []),
    ...(writes ? ['409', '422'] : []),
    ...(operation.requestBody ? ['413'] : []),
    ...(operation[RATE_LIMITED_EXTENSION] ? ['429'] : []),
    '500',
  ];
}

/**
 * Turns what @nestjs/swagger collected into a complete OpenAPI 3.1 document: the version, every path parameter
 * declared, the error answers every route shares (Graph's error body), and no key asked of public routes.
 */
export function completeOpenApiDocument(document: OpenAPIObject): OpenAPIObject {
  const complete = document as unknown as { openapi: string; paths: Record<string, Record<string, Operation>>; components: Record<string, Record<string, unknown>> };
  complete.openapi = '3.1.0';
  complete.components.schemas = { ...complete.components.schemas, ErrorBody: jsonSchemaOf(errorBodySchema, 'output') };
  complete.components.responses = Object.fromEntries(
    Object.entries(errorResponses).map(([status, description]) => [
      `Error${status}`,
      {
        description,
        ...(status === '429' ? { headers: { 'Retry-After': { description: 'Seconds until the limit lets a request through', schema: { type: 'integer', minimum: 1 } } } } : {}),
        content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
      },
    ]),
  );
  for (const [route, operations] of Object.entries(complete.paths)) {
    const pathParams = [...route.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!);
    for (const method of methods) {
      const operation = operations[method];
      if (!operation) continue;
      const isPublic = operation[PUBLIC_EXTENSION] === true;
      delete operation[PUBLIC_EXTENSION];
      if (isPublic) operation.security = [];
      const textBody = operation[TEXT_BODY_EXTENSION];
      delete operation[TEXT_BODY_EXTENSION];
      if (textBody) {
        const content = Object.entries(textBody.examples).map(([type, example]) => [type, { schema: { type: 'string' }, example }]);
        operation.requestBody = { required: true, description: textBody.description, content: Object.fromEntries(content) } as Operation['requestBody'];
      }
      const parameters = (operation.parameters ??= []);
      for (const name of pathParams) {
        if (!parameters.some((parameter) => parameter.in === 'path' && parameter.name === name)) {
          parameters.push({ name, in: 'path', required: true, schema: { type: 'string' } });
        }
      }
      if (method !== 'get') parameters.push(idempotencyKeyParameter);
      if (!parameters.length) delete operation.parameters;
      for (const status of errorStatuses(method, operation, isPublic, pathParams)) {
        operation.responses[status] ??= { $ref: `#/components/responses/Error${status}` };
      }
      delete operation[RATE_LIMITED_EXTENSION];
    }
  }
  return document;
}

/** The document served at /docs/openapi.json (and written to docs/openapi.json by `npm run openapi:client`). */
export function openApiDocument(app: INestApplication, title: string): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(title)
      .setDescription('Bulwark: event-sourced MFA and identity protection. Every route except /health and /docs needs `Authorization: Bearer <key>` of the right role.')
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
  document.security = [{ bearer: [] }];
  return completeOpenApiDocument(document);
}
