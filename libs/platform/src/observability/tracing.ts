import { Context, context, defaultTextMapGetter, isSpanContextValid, propagation, ROOT_CONTEXT, Span, SpanContext, SpanKind, SpanStatusCode, trace, Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { RecordedEvent, TRACEPARENT } from '@bulwark/contracts';
import type { EventConsumer } from '@bulwark/event-store';
import type { NextFunction, Request, Response } from 'express';
import type { TracingMode } from '../config';
import { routeTemplateOf } from './logging';

const w3c = new W3CTraceContextPropagator();
let provider: NodeTracerProvider | null = null;

/**
 * Off by default. `otlp` sends spans to OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, read by
 * the exporter itself); `console` prints each span as it ends, for debugging.
 * Registers the process's tracer provider, the async-hooks context and the W3C propagator. A test passes its own
 * exporter (an InMemorySpanExporter), exported as each span ends.
 */
export function startTracing(mode: TracingMode, serviceName: string, exporter?: SpanExporter): boolean {
  if (provider || (mode === 'off' && !exporter)) return Boolean(provider);
  const processor = exporter
    ? new SimpleSpanProcessor(exporter)
    : mode === 'console'
      ? new SimpleSpanProcessor(new ConsoleSpanExporter())
      : new BatchSpanProcessor(new OTLPTraceExporter());
  provider = new NodeTracerProvider({ resource: resourceFromAttributes({ 'service.name': `bulwark-${serviceName}` }), spanProcessors: [processor] });
  provider.register({ propagator: w3c });
  return true;
}

/** Flushes what is buffered and unregisters, so a later startTracing (another test) starts clean. */
export async function stopTracing(): Promise<void> {
  if (!provider) return;
  const stopping = provider;
  provider = null;
  await stopping.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
}

export const tracingEnabled = (): boolean => provider !== null;

const tracer = (): Tracer => trace.getTracer('bulwark');

export function formatTraceparent(span: SpanContext): string {
  return `00-${span.traceId}-${span.spanId}-${(span.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** The context a valid traceparent names as the parent (its span is remote); the root context otherwise. */
export function contextOfTraceparent(traceparent: string | undefined | null): Context {
  if (!traceparent || !TRACEPARENT.test(traceparent)) return ROOT_CONTEXT;
  return w3c.extract(ROOT_CONTEXT, { traceparent }, defaultTextMapGetter);
}

type TracedRequest = Request & { traceparent?: string };

/**
 * Express middleware, before the routes. With tracing on, a server span per request, the child of the caller's
 * `traceparent` when it sent a valid one; the request carries the span's traceparent, which the Caller decorator
 * puts in the metadata of every event the request appends. With tracing off, the caller's own valid traceparent
 * is carried as it came: free, and a tracer downstream (a consumer in a traced process) still joins its trace.
 */
export function traceRequests() {
  return (request: TracedRequest, response: Response, next: NextFunction): void => {
    // the propagator reads the header as W3C Trace Context says: a future version's extra fields are ignored
    const incoming = w3c.extract(ROOT_CONTEXT, request.headers, defaultTextMapGetter);
    const parent = trace.getSpanContext(incoming);
    if (!provider) {
      if (parent && isSpanContextValid(parent)) request.traceparent = formatTraceparent(parent);
      next();
      return;
    }
    const span = tracer().startSpan(request.method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'url.path': request.path } }, incoming);
    request.traceparent = formatTraceparent(span.spanContext());
    response.once('close', () => {
      const route = routeTemplateOf(request);
      if (route) {
        span.updateName(`${request.method} ${route}`);
        span.setAttribute('http.route', route);
      }
      span.setAttribute('http.response.status_code', response.statusCode);
      if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(incoming, span), next);
  };
}

function consumerSpan(consumer: string, event: RecordedEvent): Span {
  return tracer().startSpan(
    `${consumer} ${event.type}`,
    { kind: SpanKind.CONSUMER, attributes: { 'bulwark.consumer': consumer, 'bulwark.event.type': event.type, 'bulwark.event.id': event.eventId, 'bulwark.event.position': event.position } },
    contextOfTraceparent(event.metadata.traceparent),
  );
}

function failed(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR });
}

/**
 * A reaction's work on one event, in a span whose parent is the event's traceparent (a new trace when it has
 * none). The span is active while the work runs, so what the reaction appends carries it on.
 */
export async function inConsumerSpan<T>(consumer: string, event: RecordedEvent, work: () => Promise<T>): Promise<T> {
  if (!provider) return work();
  const span = consumerSpan(consumer, event);
  try {
    return await context.with(trace.setSpan(context.active(), span), work);
  } catch (error) {
    failed(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/**
 * A consumer that handles a batch at once (the projections, in one transaction): each event that carries a
 * traceparent gets a span in its trace, lasting as long as the batch. Events without one (history written before
 * tracing, a rebuild) get none, so a replay does not start a million traces.
 */
export function tracedConsumer(consumer: EventConsumer): EventConsumer {
  return {
    name: consumer.name,
    loadCheckpoint: () => consumer.loadCheckpoint(),
    handle: async (batch) => {
      if (!provider) return consumer.handle(batch);
      const spans = batch.filter((event) => event.metadata.traceparent).map((event) => consumerSpan(consumer.name, event));
      try {
        await consumer.handle(batch);
      } catch (error) {
        for (const span of spans) failed(span, error);
        throw error;
      } finally {
        for (const span of spans) span.end();
      }
    },
  };
}
