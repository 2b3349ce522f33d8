/**
 * A faster way for kafkajs to write produce requests, byte for byte the same as its own.
 *
 * kafkajs encodes every record in JavaScript, and most of that time goes to allocation rather than to writing
 * bytes (measured on 1.9 KB SIEM records: 33–45 µs per record, of which Buffer construction and garbage collection
 * were about two thirds):
 * - a zero-filled Buffer of 512 bytes for every encoder: one per record, one per header, each then regrown;
 * - a Buffer per varint (`Buffer.from([...])`);
 * - 64-bit `Long` arithmetic for each record's timestamp delta, usually 0;
 * - a byte-at-a-time CRC-32C over each record batch.
 *
 * `useFastKafkaEncoding()` swaps four of kafkajs's protocol modules, in Node's module cache, for the versions
 * below: an encoder that takes its buffers from a zero-filled arena and writes varints in place, a record
 * encoder that writes a record and its headers into one buffer, and a CRC-32C that reads eight bytes per step.
 * kafkajs loads its produce-request modules on the first produce, so modules it loads after the call use these.
 * What it loaded before keeps its own, which writes the same bytes. The tests compare both on the same inputs,
 * and the broker checks every batch's CRC.
 *
 * The swap rests on kafkajs's file layout. `kafkajs` is pinned in package.json for that reason, and the
 * install fails loudly if a path changes.
 */

/** The parts of kafkajs's Encoder (kafkajs/src/protocol/encoder.js) this module relies on. */
type EncoderInstance = {
  buf: Buffer;
  offset: number;
  readonly buffer: Buffer;
  writeInt8(value: number): EncoderInstance;
  writeVarLong(value: unknown): EncoderInstance;
};
type EncoderClass = {
  new (initialSize?: number): EncoderInstance;
  prototype: EncoderInstance;
  sizeOfVarInt(value: number): number;
  sizeOfVarLong(value: unknown): number;
};

/* eslint-disable @typescript-eslint/no-require-imports */
const PATHS = {
  encoder: require.resolve('kafkajs/src/protocol/encoder'),
  record: require.resolve('kafkajs/src/protocol/recordBatch/record/v0'),
  crc32cIndex: require.resolve('kafkajs/src/protocol/recordBatch/crc32C'),
  crc32c: require.resolve('kafkajs/src/protocol/recordBatch/crc32C/crc32C'),
};
/**
 * The modules of kafkajs's produce path that bind the four above when they load (and the request versions built on
 * v3), so they must load after the swap. A consumer's first fetch loads recordBatch/v0 too, for one constant.
 */
const PRODUCE_PATH = [
  ...[3, 4, 5, 6, 7].map((version) => require.resolve(`kafkajs/src/protocol/requests/produce/v${version}/request`)),
  require.resolve('kafkajs/src/protocol/recordBatch/v0'),
];
const StockEncoder = require(PATHS.encoder) as EncoderClass;
/* eslint-enable @typescript-eslint/no-require-imports */

// ---- buffers from an arena --------------------------------------------------------------------------------------

const SLAB_BYTES = 1 << 20;
/** Larger requests get a buffer of their own: an arena slab is kept alive by any view of it. */
const OWN_BUFFER_FROM = SLAB_BYTES >> 2;
// the first slab is made on the first encoding: a process that never produces holds none
let slab = Buffer.alloc(0);
let used = 0;

/**
 * A zero-filled buffer of at least `bytes`, cut from a 1 MiB slab (a new slab when this one is used up). Zero-filled
 * so that no byte of this process's earlier memory can ever reach the wire, even through a bug.
 */
function take(bytes: number): Buffer {
  if (bytes >= OWN_BUFFER_FROM) return Buffer.alloc(bytes);
  const size = (bytes + 7) & ~7;
  if (used + size > slab.length) {
    slab = Buffer.alloc(SLAB_BYTES);
    used = 0;
  }
  const piece = slab.subarray(used, used + size);
  used += size;
  return piece;
}

// ---- the encoder ------------------------------------------------------------------------------------------------

const isInt32 = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= -0x80000000 && value <= 0x7fffffff;
/** A 32-bit value's zigzag, unsigned: also its 64-bit zigzag, so a varlong of it is the varint of this */
const zigzag = (value: number) => ((value << 1) ^ (value >> 31)) >>> 0;

/**
 * kafkajs's Encoder with its buffers from the arena, varints written in place and arrays of encoders copied into
 * one sized allocation. Every other method is kafkajs's own. It is a subclass, so kafkajs's `instanceof` and
 * `Buffer.isBuffer(value.buf)` checks still hold.
 */
export class FastEncoder extends StockEncoder {
  constructor(initialSize = 511) {
    // the stock constructor's own buffer, of one byte here, is replaced at once
    super(0);
    this.buf = take(Math.max(16, initialSize));
  }

  ensureAvailable(length: number): void {
    const needed = this.offset + length;
    if (needed <= this.buf.length) return;
    const grown = take(Math.max(needed, this.buf.length * 2));
    this.buf.copy(grown, 0, 0, this.offset);
    this.buf = grown;
  }

  writeUVarInt(value: number): this {
    this.ensureAvailable(5);
    let rest = value;
    // kafkajs's loop: seven bits at a time while any bit above the lowest seven (of 32) is set
    while ((rest & 0xffffff80) !== 0) {
      this.buf[this.offset++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    this.buf[this.offset++] = rest & 0x7f;
    return this;
  }

  writeVarInt(value: number): this {
    return this.writeUVarInt((value << 1) ^ (value >> 31));
  }

  override writeVarLong(value: unknown): this {
    if (isInt32(value)) return this.writeUVarInt(zigzag(value));
    return super.writeVarLong(value) as this;
  }

  /** A varint length and the bytes (text as UTF-8), the length known already; -1 writes null. */
  writeSizedBytes(value: unknown, length: number): this {
    this.writeVarInt(length);
    if (length <= 0) return this;
    this.ensureAvailable(length);
    if (Buffer.isBuffer(value)) value.copy(this.buf, this.offset);
    else this.buf.write(String(value), this.offset, length, 'utf8');
    this.offset += length;
    return this;
  }

  writeEncoderArray(value: unknown): this {
    if (!Array.isArray(value) || value.some((item) => item == null || !Buffer.isBuffer((item as EncoderInstance).buf))) {
      throw new Error('all values should be an instance of Encoder[]');
    }
    const encoders = value as EncoderInstance[];
    let total = 0;
    for (const encoder of encoders) total += encoder.offset;
    this.ensureAvailable(total);
    for (const encoder of encoders) {
      encoder.buf.copy(this.buf, this.offset, 0, encoder.offset);
      this.offset += encoder.offset;
    }
    return this;
  }
}

// ---- records ----------------------------------------------------------------------------------------------------

type RecordInput = { offsetDelta?: number; timestampDelta?: number; key?: unknown; value?: unknown; headers?: Record<string, unknown> };

const byteLengthOf = (value: unknown) => (Buffer.isBuffer(value) ? value.length : Buffer.byteLength(String(value)));

/**
 * A record (Kafka's record format v2, as kafkajs/src/protocol/recordBatch/record/v0 writes it) in one encoder:
 * length, attributes, timestamp and offset deltas, key, value, then the headers (an array value gives one header
 * per element). Nullish keys, values and header values are written as null (-1).
 */
/** The bytes of a varlong, as kafkajs's sizeOfVarLong counts them, without Long arithmetic for 32-bit values. */
function sizeOfVarLong(value: unknown): number {
  if (!isInt32(value)) return StockEncoder.sizeOfVarLong(value);
  let rest = zigzag(value);
  let bytes = 1;
  while (rest >= 0x80) {
    bytes++;
    rest >>>= 7;
  }
  return bytes;
}

export function encodeRecord({ offsetDelta = 0, timestampDelta = 0, key, value, headers = {} }: RecordInput): FastEncoder {
  // [name, value, name's bytes, value's bytes or -1 for null]
  const headerList: Array<[string, unknown, number, number]> = [];
  const add = (name: string, headerValue: unknown) => headerList.push([name, headerValue, Buffer.byteLength(name), headerValue == null ? -1 : byteLengthOf(headerValue)]);
  for (const name of Object.keys(headers)) {
    const given = headers[name];
    if (Array.isArray(given)) for (const one of given) add(name, one);
    else add(name, given);
  }
  const keyBytes = key == null ? -1 : byteLengthOf(key);
  const valueBytes = value == null ? -1 : byteLengthOf(value);
  const bytesField = (length: number) => StockEncoder.sizeOfVarInt(length) + Math.max(0, length);
  let headerBytes = StockEncoder.sizeOfVarInt(headerList.length);
  for (const [, , nameBytes, headerValueBytes] of headerList) headerBytes += bytesField(nameBytes) + bytesField(headerValueBytes);
  const body = 1 + sizeOfVarLong(timestampDelta) + StockEncoder.sizeOfVarInt(offsetDelta) + bytesField(keyBytes) + bytesField(valueBytes) + headerBytes;
  const encoder = new FastEncoder(StockEncoder.sizeOfVarInt(body) + body);
  encoder.writeVarInt(body);
  encoder.writeInt8(0);
  encoder.writeVarLong(timestampDelta);
  encoder.writeVarInt(offsetDelta);
  encoder.writeSizedBytes(key, keyBytes);
  encoder.writeSizedBytes(value, valueBytes);
  encoder.writeVarInt(headerList.length);
  for (const [name, headerValue, nameBytes, headerValueBytes] of headerList) {
    encoder.writeSizedBytes(name, nameBytes);
    encoder.writeSizedBytes(headerValue, headerValueBytes);
  }
  return encoder;
}

// ---- CRC-32C ----------------------------------------------------------------------------------------------------

/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), eight tables of 256 for slicing by eight. */
const CRC_TABLES = (() => {
  const tables = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let crc = n;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
    tables[n] = crc;
  }
  for (let n = 0; n < 256; n++) {
    for (let table = 1; table < 8; table++) {
      const previous = tables[(table - 1) * 256 + n]!;
      tables[table * 256 + n] = (previous >>> 8) ^ tables[previous & 0xff]!;
    }
  }
  return tables;
})();

/** The CRC-32C of the bytes, as an unsigned 32-bit number (what a Kafka record batch carries). */
export function crc32c(bytes: Uint8Array): number {
  const t = CRC_TABLES;
  let crc = -1;
  let i = 0;
  const end = bytes.length - (bytes.length & 7);
  for (; i < end; i += 8) {
    const low = crc ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    crc =
      t[1792 + (low & 0xff)]! ^
      t[1536 + ((low >>> 8) & 0xff)]! ^
      t[1280 + ((low >>> 16) & 0xff)]! ^
      t[1024 + (low >>> 24)]! ^
      t[768 + bytes[i + 4]!]! ^
      t[512 + bytes[i + 5]!]! ^
      t[256 + bytes[i + 6]!]! ^
      t[bytes[i + 7]!]!;
  }
  for (; i < bytes.length; i++) crc = t[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

// ---- the swap ---------------------------------------------------------------------------------------------------

let installed = false;
/** Produce-path modules already loaded when the swap ran: they hold kafkajs's own encoder for good. */
let boundBeforeSwap: string[] = [];

/**
 * Makes the kafkajs modules loaded from now on encode with the versions above. Idempotent. Call it before the
 * first produce of the process (or worker thread); durableProducer does, and checks the result with
 * fastKafkaEncodingProblem.
 */
export function useFastKafkaEncoding(): void {
  if (installed) return;
  // loaded already (by a consumer's fetch, say): loaded again below, binding ours. produce/index.js requires its
  // request module on every call, so it takes the new ones. Jest's module registry ignores the delete.
  for (const file of PRODUCE_PATH) delete require.cache[file];
  boundBeforeSwap = PRODUCE_PATH.filter((file) => require.cache[file] !== undefined);
  const replace = (file: string, exports: unknown) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(file);
    const cached = require.cache[file];
    if (!cached) throw new Error(`kafkajs's module ${file} is not in the module cache: its encoding cannot be replaced`);
    cached.exports = exports;
  };
  replace(PATHS.encoder, FastEncoder);
  replace(PATHS.record, encodeRecord);
  replace(PATHS.crc32c, crc32c);
  replace(PATHS.crc32cIndex, crc32c);
  // the produce path binds ours now, so nothing loaded later (a kafkajs module cache reset aside) can undo it
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  for (const file of PRODUCE_PATH) require(file);
  installed = true;
}

/**
 * Why kafkajs's producer in this process would not encode with the versions above, or null when it does: the swap
 * has run, the module cache still holds ours, and the produce path loaded after the swap (so it bound ours). A
 * module system other than Node's require (an ES module build, a bundler) or a kafkajs that moved its files breaks
 * one of these; the producer then still works, with kafkajs's slower encoder.
 */
export function fastKafkaEncodingProblem(): string | null {
  if (!installed) return 'useFastKafkaEncoding has not run in this process';
  const ours: Array<[string, unknown]> = [
    [PATHS.encoder, FastEncoder],
    [PATHS.record, encodeRecord],
    [PATHS.crc32c, crc32c],
    [PATHS.crc32cIndex, crc32c],
  ];
  const lost = ours.filter(([file, exports]) => require.cache[file]?.exports !== exports).map(([file]) => kafkajsPath(file));
  if (lost.length) return `kafkajs's ${lost.join(', ')} no longer export the fast encoding in the module cache`;
  if (boundBeforeSwap.length) return `kafkajs's ${boundBeforeSwap.map(kafkajsPath).join(', ')} loaded before the swap and keep kafkajs's own encoder`;
  return null;
}

/** What /health reports: 'fast' when produce requests are encoded by this module, 'kafkajs' when by kafkajs's own code. */
export const kafkaEncoding = (): 'fast' | 'kafkajs' => (fastKafkaEncodingProblem() === null ? 'fast' : 'kafkajs');

const kafkajsPath = (file: string) => file.slice(file.lastIndexOf('kafkajs/') + 'kafkajs/'.length);
