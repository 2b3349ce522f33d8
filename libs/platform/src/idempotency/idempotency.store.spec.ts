import { ManualClock } from '@bulwark/testing';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiError } from '../errors';
import { SealedBox } from '../sealed-box';
import { fingerprintOf, idempotencyKeyOf } from './idempotency-key';
import { IdempotencyStore, StoredAnswer } from './idempotency.store';

const answer: StoredAnswer = { status: 201, headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"secret":"JBSWY3DPEHPK3PXP"}' };

describe('the idempotency store', () => {
  const box = new SealedBox(randomBytes(32));
  let file: string;
  let clock: ManualClock;
  let store: IdempotencyStore;

  beforeEach(() => {
    file = path.join(mkdtempSync(path.join(tmpdir(), 'bulwark-idempotency-')), 'test.idempotency.db');
    clock = new ManualClock();
    store = IdempotencyStore.open(file, box, clock);
  });

  afterEach(() => store.onApplicationShutdown());

  it('gives a new key to the first request, and the first answer to its retries', () => {
    expect(store.claim('app', 'k1', 'f1')).toEqual({ outcome: 'claimed' });
    store.complete('app', 'k1', 'f1', answer);
    expect(store.claim('app', 'k1', 'f1')).toEqual({ outcome: 'replay', answer });
  });

  it('says a key is in progress until its answer is kept, and reused for another request, even in progress', () => {
    store.claim('app', 'k1', 'f1');
    expect(store.claim('app', 'k1', 'f1')).toEqual({ outcome: 'inProgress' });
    expect(store.claim('app', 'k1', 'f2')).toEqual({ outcome: 'reused' });
  });

  it('keeps keys apart by scope', () => {
    store.claim('app', 'k1', 'f1');
    expect(store.claim('admin', 'k1', 'f2')).toEqual({ outcome: 'claimed' });
  });

  it('lets a retry run after the key is given back (a 5xx)', () => {
    store.claim('app', 'k1', 'f1');
    store.release('app', 'k1');
    expect(store.claim('app', 'k1', 'f2')).toEqual({ outcome: 'claimed' });
  });

  it('does not give back a key whose answer is kept', () => {
    store.claim('app', 'k1', 'f1');
    store.complete('app', 'k1', 'f1', answer);
    store.release('app', 'k1');
    expect(store.claim('app', 'k1', 'f1')).toEqual({ outcome: 'replay', answer });
  });

  it('forgets a key 24 hours after its first request', () => {
    store.claim('app', 'k1', 'f1');
    store.complete('app', 'k1', 'f1', answer);
    clock.advance({ minutes: 24 * 60 - 1 });
    expect(store.claim('app', 'k1', 'f2')).toEqual({ outcome: 'reused' });
    clock.advance({ minutes: 1 });
    expect(store.claim('app', 'k1', 'f2')).toEqual({ outcome: 'claimed' });
  });

  it('after a restart, replays kept answers and drops the requests a dead process left in progress', () => {
    store.claim('app', 'kept', 'f1');
    store.complete('app', 'kept', 'f1', answer);
    store.claim('app', 'abandoned', 'f1');
    store.onApplicationShutdown();
    store = IdempotencyStore.open(file, box, clock);
    expect(store.claim('app', 'kept', 'f1')).toEqual({ outcome: 'replay', answer });
    expect(store.claim('app', 'abandoned', 'f1')).toEqual({ outcome: 'claimed' });
  });

  it('cannot replay an answer with another data key', () => {
    store.claim('app', 'k1', 'f1');
    store.complete('app', 'k1', 'f1', answer);
    store.onApplicationShutdown();
    store = IdempotencyStore.open(file, new SealedBox(randomBytes(32)), clock);
    expect(() => store.claim('app', 'k1', 'f1')).toThrow(/unknown key/);
  });
});

describe('the Idempotency-Key header', () => {
  it.each([
    ['a bare token', '8e03978e-40d5-43e8-bc93-6894a57f9324', '8e03978e-40d5-43e8-bc93-6894a57f9324'],
    ["the draft's structured-field string", '"8e03978e-40d5-43e8-bc93-6894a57f9324"', '8e03978e-40d5-43e8-bc93-6894a57f9324'],
    ['a string with escapes', '"a \\"b\\" \\\\c"', 'a "b" \\c'],
    ['255 characters', 'k'.repeat(255), 'k'.repeat(255)],
  ])('takes %s', (_, header, key) => {
    expect(idempotencyKeyOf(header)).toBe(key);
  });

  it('is optional', () => {
    expect(idempotencyKeyOf(undefined)).toBeNull();
  });

  it.each([
    ['empty', ''],
    ['an empty string', '""'],
    ['256 characters', 'k'.repeat(256)],
    ['not ASCII', 'clé'],
    ['a control character', 'a\tb'],
  ])('refuses a key that is %s (400)', (_, header) => {
    expect(() => idempotencyKeyOf(header)).toThrow(ApiError);
  });

  it('refuses two keys', () => {
    expect(() => idempotencyKeyOf(['a', 'b'])).toThrow(/one Idempotency-Key/);
  });
});

describe('the request fingerprint', () => {
  const secret = randomBytes(32);
  const of = (method: string, url: string, body: unknown, contentType = 'application/json') => fingerprintOf(secret, { method, url, contentType, body });

  it('is the same for the same JSON in another key order', () => {
    expect(of('POST', '/v1/a', { x: 1, y: { b: 2, a: [1, { d: 1, c: 2 }] } })).toBe(of('POST', '/v1/a', { y: { a: [1, { c: 2, d: 1 }], b: 2 }, x: 1 }));
  });

  it('differs by method, path, query, body and raw bytes', () => {
    const fingerprints = [
      of('POST', '/v1/a', { x: 1 }),
      of('PUT', '/v1/a', { x: 1 }),
      of('POST', '/v1/b', { x: 1 }),
      of('POST', '/v1/a?x=1', { x: 1 }),
      of('POST', '/v1/a', { x: 2 }),
      of('POST', '/v1/a', undefined),
      of('POST', '/v1/a', Buffer.from('{"x":1}'), 'text/csv'),
      of('POST', '/v1/a', Buffer.from('{"x":2}'), 'text/csv'),
    ];
    expect(new Set(fingerprints).size).toBe(fingerprints.length);
  });

  it('depends on the secret, so a small body cannot be found by trying every value', () => {
    expect(fingerprintOf(randomBytes(32), { method: 'POST', url: '/v1/a', contentType: undefined, body: { code: '123456' } })).not.toBe(
      of('POST', '/v1/a', { code: '123456' }),
    );
  });
});
