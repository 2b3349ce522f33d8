import { LoggerService } from '@nestjs/common';
import type { NewEvent } from '@bulwark/contracts';
import type { EventStore, ExpectedRevision } from '@bulwark/event-store';
import type { NextFunction, Request, Response } from 'express';
import pino, { DestinationStream, Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import { escapeUnsafeText } from '@bulwark/odata';

import { defaultLogLevel, LOG_LEVELS, LogLevel } from '../config';

export type LogSettings = { level: LogLevel; pretty: boolean };

export function createLogger(settings: LogSettings, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: settings.level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    // nothing here logs a request's headers or body; should someone add one, the secrets still stay out
    redact: { paths: ['req.headers.authorization', 'headers.authorization'], censor: '[redacted]' },
    // free text (a reason, a path, a user id) cannot forge a line, colour a terminal or reverse what is read: control
    // characters and bidi overrides are written as visible \uXXXX, in JSON and in pretty printing alike
    formatters: { log: (object) => visible(object, 0) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((arg) => (typeof arg === 'string' ? escapeUnsafeText(arg) : arg)) as Parameters<typeof method>);
      },
    },
  };
  if (destination) return pino(options, destination);
  // pino-pretty as a stream in this thread: no worker to outlive the process, and it is for a developer's terminal only
  return settings.pretty ? pino(options, pinoPretty({ colorize: process.stdout.isTTY, sync: true })) : pino(options);
}

function visible(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return escapeUnsafeText(value);
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => visible(item, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, visible(item, depth + 1)]));
}

/**
 * The process's logger. One per process, as Nest's is: the HTTP middleware, the error filter and the store's
 * append hook reach it without injection, and the embedded app's services share it.
 */
const fromEnv = process.env.BULWARK_LOG_LEVEL as LogLevel | undefined;
let root: Logger = createLogger({ level: fromEnv && LOG_LEVELS.includes(fromEnv) ? fromEnv : defaultLogLevel(), pretty: false });

export function configureLogging(settings: LogSettings, destination?: DestinationStream): Logger {
  root = createLogger(settings, destination);
  return root;
}

export const logger = (): Logger => root;

/** Nest's own messages (bootstrap, errors it catches outside our filter) through the same pino logger. */
export class PinoNestLogger implements LoggerService {
  /** Nest's `log` is its start-up chatter (a line per mapped route): debug here, so `info` stays one line a request. */
  log(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  /** Nest passes the context (the class that logs) last, and an error's stack before it. */
  private write(level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace', message: unknown, rest: unknown[]): void {
    const context = typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    const stack = rest.length > 1 && typeof rest[0] === 'string' ? rest[0] : undefined;
    const fields = { kind: 'nest', ...(context ? { context } : {}), ...(stack ? { stack } : {}) };
    if (message instanceof Error) root[level]({ ...fields, err: message }, message.message);
    else if (typeof message === 'string') root[level](fields, message);
    else root[level]({ ...fields, value: message }, 'nest');
  }
}

type LoggedRequest = Request & { requestId?: string; role?: string; traceparent?: string };

/** The route template Express matched (`/v1/users/:userId/...`), or null before routing or on a 404. */
export function routeTemplateOf(request: Request): string | null {
  const route = (request as Request & { route?: { path?: unknown } }).route;
  return typeof route?.path === 'string' ? `${request.baseUrl ?? ''}${route.path}` : null;
}

/** The trace id of a W3C traceparent, for lines a log search joins to a trace. */
const traceIdOf = (traceparent: string | undefined) => (traceparent ? traceparent.slice(3, 35) : undefined);

/**
 * Express middleware: one access line per request once its response is written (or its client went away):
 * request id, method, route template and path (never the query string), status, latency, role and trace id.
 * Headers and bodies are never logged: keys travel in the Authorization header, codes and secrets in bodies.
 */
export function accessLog() {
  return (request: LoggedRequest, response: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    response.once('close', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const status = response.statusCode;
      const line = {
        kind: 'access',
        requestId: request.requestId,
        method: request.method,
        route: routeTemplateOf(request),
        path: request.path,
        status,
        ms: Math.round(ms * 10) / 10,
        role: request.role ?? null,
        ...(request.traceparent ? { traceId: traceIdOf(request.traceparent) } : {}),
        ...(response.writableFinished ? {} : { aborted: true }),
      };
      if (status >= 500) root.error(line, 'request');
      else root.info(line, 'request');
    });
    next();
  };
}

export type SecurityEvent = 'lockout' | 'unlock' | 'block' | 'unblock' | 'fraudReport' | 'accessDenied' | 'throttled';

/** One line per security event; `kind: "security"` is what an operator filters on. */
export function logSecurityEvent(event: SecurityEvent, fields: Record<string, unknown>, message: string): void {
  const level = event === 'unblock' || event === 'unlock' ? 'info' : 'warn';
  root[level]({ kind: 'security', event, ...fields }, message);
}

/**
 * The error filter's hook: a 401 or 403 (from the role guard or a route) and a 429 (no route throttles yet; one that
 * does answers 429 and is logged here) get a security line with the route and the role, never the key.
 */
export function logRefusal(request: Request | undefined, status: number, code: string, reason: string): void {
  if (status !== 401 && status !== 403 && status !== 429) return;
  const logged = request as LoggedRequest | undefined;
  logSecurityEvent(
    status === 429 ? 'throttled' : 'accessDenied',
    {
      status,
      code,
      reason,
      requestId: logged?.requestId,
      method: logged?.method,
      route: logged ? routeTemplateOf(logged) : null,
      path: logged?.path,
      role: logged?.role ?? null,
      ...(logged?.traceparent ? { traceId: traceIdOf(logged.traceparent) } : {}),
    },
    status === 429 ? 'request throttled' : 'access denied',
  );
}

/** The committed events that get a security line, and the fields of each that may be logged (no secrets in any). */
const securityLines: Record<string, { event: SecurityEvent; message: string; fields: (data: Record<string, unknown>) => Record<string, unknown> }> = {
  AccountLockedOut: { event: 'lockout', message: 'account locked out', fields: (data) => ({ userId: data.userId, lockedUntil: data.lockedUntil, factor: data.factor }) },
  AccountUnlocked: { event: 'unlock', message: 'account unlocked', fields: (data) => ({ userId: data.userId, reason: data.reason }) },
  UserBlocked: { event: 'block', message: 'user blocked', fields: (data) => ({ userId: data.userId, blockedUntil: data.blockedUntil, reason: data.reason }) },
  UserUnblocked: { event: 'unblock', message: 'user unblocked', fields: (data) => ({ userId: data.userId, reason: data.reason }) },
  SuspiciousActivityReported: {
    event: 'fraudReport',
    message: 'suspicious activity reported',
    fields: (data) => ({ userId: data.userId, challengeId: data.challengeId, clientIp: data.clientIp, autoBlockOnFraud: data.autoBlockOnFraud }),
  },
};

/** How many appended event ids are remembered, so an idempotent retry (which stores nothing) is not logged twice. */
const REMEMBERED_EVENT_IDS = 2_000;

/**
 * Logs the security events this process commits, where they are appended: the process that decided a lockout
 * logs it once (every service of the embedded app shares one store), with the request's correlation and trace.
 * Like the metrics hook, only `append` is wrapped, so the store's own object (and its class) stays.
 */
export function logSecurityEvents<S extends EventStore>(store: S): S {
  const append = store.append.bind(store);
  const logged = new Set<string>();
  store.append = async (streamId: string, events: NewEvent[], options: { expectedRevision: ExpectedRevision }) => {
    const result = await append(streamId, events, options);
    for (const event of events) {
      const line = securityLines[event.type];
      if (!line || logged.has(event.eventId)) continue;
      if (logged.size >= REMEMBERED_EVENT_IDS) logged.delete(logged.values().next().value!);
      logged.add(event.eventId);
      const { metadata } = event;
      logSecurityEvent(
        line.event,
        {
          type: event.type,
          eventId: event.eventId,
          streamId,
          ...line.fields(event.data as Record<string, unknown>),
          actor: metadata.actor.type,
          correlationId: metadata.correlationId,
          // the request id, for what a request appended; the triggering event's id, for what a reaction appended
          causationId: metadata.causationId,
          ...(metadata.traceparent ? { traceId: traceIdOf(metadata.traceparent) } : {}),
        },
        line.message,
      );
    }
    return result;
  };
  return store;
}
