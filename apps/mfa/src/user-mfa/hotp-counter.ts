/**
 * HOTP counters have 64 bits (RFC 4226), more than a JavaScript number holds exactly. Events and the write model's
 * state (which snapshots keep as JSON) hold a counter as a number while it is a safe integer and as its decimal string
 * beyond (the contracts' `hotpCounter`); comparisons and arithmetic go through bigint, here. TOTP time steps are
 * numbers, and pass through these helpers unchanged.
 */
export type Counter = number | string;

/** The largest HOTP counter, 2^64 - 1. */
export const MAX_HOTP_COUNTER = 0xffff_ffff_ffff_ffffn;

/** A counter as events and state keep it: a number while it is a safe integer, else its decimal string. */
export const storedCounter = (value: bigint): Counter =>
  value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();

/** Whether counter `a` comes after counter `b`. */
export const isAfter = (a: Counter, b: Counter) => BigInt(a) > BigInt(b);

/** The later of two counters. */
export const laterOf = (a: Counter, b: Counter): Counter => (isAfter(b, a) ? b : a);

/** `counter + n`, as it is stored. */
export const addToCounter = (counter: Counter, n: number | bigint): Counter => storedCounter(BigInt(counter) + BigInt(n));
