import { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SwaggerModule } from '@nestjs/swagger';
import express from 'express';
import { randomUUID } from 'node:crypto';
import { BulwarkConfig } from './config';
import { loadCredentials } from './credentials';
import { toResponse } from './errors';
import { accessLog, configureLogging, logger, PinoNestLogger } from './observability/logging';
import { BulwarkMetrics } from './observability/metrics';
import { startTracing, traceRequests } from './observability/tracing';
import { openApiDocument } from './openapi';

export const BODY_LIMIT = '64kb';

/** HTTP plumbing shared by every entry point (and by tests): body limits, JSON errors, request ids, OpenAPI. */
export function configureHttp(app: INestApplication, title: string): void {
  const instance = app.getHttpAdapter().getInstance() as express.Express;
  instance.disable('x-powered-by');
  instance.set('query parser', 'simple');
  // first, so that requests refused before routing (bad JSON, too large) are counted too
  app.use(app.get(BulwarkMetrics).httpMiddleware());
  app.use((request: express.Request & { requestId?: string }, response: express.Response, next: express.NextFunction) => {
    request.requestId = randomUUID();
    response.setHeader('request-id', request.requestId);
    // Graph echoes the client's own id for the request; it is the events' correlation id (request-context.ts), never an Idempotency-Key
    const clientRequestId = request.headers['client-request-id'];
    if (typeof clientRequestId === 'string' && /^[\w.:-]{1,100}$/.test(clientRequestId)) response.setHeader('client-request-id', clientRequestId);
    next();
  });
  // after the request id (both read it when the response closes), before the body and the routes
  app.use(traceRequests());
  app.use(accessLog());
  app.use(express.json({ limit: BODY_LIMIT, strict: true, type: ['application/json', 'application/*+json'] }));
  // body-parser errors (malformed JSON, too large) happen before Nest's filters: answer them in the same shape
  app.use((error: unknown, request: express.Request, response: express.Response, next: express.NextFunction) => {
    if (!error) return next();
    const { status, body } = toResponse(error, request);
    response.status(status).json(body);
  });
  SwaggerModule.setup('docs', app, openApiDocument(app, title), { jsonDocumentUrl: 'docs/openapi.json' });
}

/** Starts a service (or the embedded whole) on the configured port, and says where the keys are. */
export async function startHttp(rootModule: Type<unknown> | ReturnType<typeof Object>, config: BulwarkConfig, title: string): Promise<INestApplication> {
  const credentials = loadCredentials(config);
  configureLogging({ level: config.logLevel, pretty: config.logPretty });
  startTracing(config.tracing, config.serviceName);
  const app = await NestFactory.create(rootModule as Type<unknown>, { bodyParser: false, logger: new PinoNestLogger() });
  configureHttp(app, title);
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);
  const url = `http://127.0.0.1:${config.port}`;
  const store = config.eventStoreConnectionString ? 'EventStoreDB' : `SQLite in ${config.dataDir}`;
  logger().info({ kind: 'start', url, store, delivery: config.delivery, tracing: config.tracing, docs: `${url}/docs` }, `${title} listening on ${url}`);
  if (credentials.file) {
    // where the keys are, never the keys
    logger().info({ kind: 'start', keysFile: credentials.file, created: credentials.created }, `role keys (admin, analyst, siem, app) are in ${credentials.file}${credentials.created ? ' (created now)' : ''}`);
  }
  return app;
}
