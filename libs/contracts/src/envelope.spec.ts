import { metadataSchema } from './envelope';

describe('event metadata', () => {
  const metadata = { correlationId: 'c-1', causationId: null, actor: { type: 'admin', id: 'key:admin' }, occurredAt: '2026-11-21T10:00:00.000Z', schemaVersion: 1 };
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  it('has no traceparent unless one was given, and keeps the one given', () => {
    expect(metadataSchema.parse(metadata)).toEqual(metadata);
    expect(metadataSchema.parse({ ...metadata, traceparent })).toEqual({ ...metadata, traceparent });
  });

  it.each([
    ['a longer value', `${traceparent}-extra`],
    ['another version', traceparent.replace(/^00/, '01')],
    ['upper case', traceparent.toUpperCase()],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
    ['an all-zero parent id', `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01`],
  ])('refuses a traceparent with %s', (_, value) => {
    expect(metadataSchema.safeParse({ ...metadata, traceparent: value }).success).toBe(false);
  });
});
