import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { crc32c, encodeRecord, FastEncoder } from './kafka-encoding';
import { JavaCompatiblePartitioner, murmur2 } from './partitioner';

/* eslint-disable @typescript-eslint/no-require-imports */
type Encoder = { buffer: Buffer } & Record<string, (...args: unknown[]) => Encoder>;
const StockEncoder = require('kafkajs/src/protocol/encoder') as new () => Encoder;
const stockRecord = require('kafkajs/src/protocol/recordBatch/record/v0') as (input: object) => Encoder;
const stockCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C') as (bytes: Buffer) => number;
const stockMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (key: string | Buffer) => number;
const { Partitioners } = require('kafkajs') as typeof import('kafkajs');
/* eslint-enable @typescript-eslint/no-require-imports */

const ROOT = path.resolve(__dirname, '../../..');

/** A seeded source of test inputs, so a failure names the case that broke. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (below: number) => Math.floor(next() * below);
  const alphabet = ['a', 'Z', '0', ' ', '|', '\\', '=', '\n', '"', 'é', 'ß', '中', '😀', '\u0000'];
  const text = (maxLength: number) => Array.from({ length: int(maxLength + 1) }, () => alphabet[int(alphabet.length)]).join('');
  return { next, int, text };
}

const VARINT_EDGES = [0, 1, -1, 63, 64, -64, -65, 127, 128, 8191, 8192, -8193, 2 ** 20, 2 ** 30, -(2 ** 30), 2 ** 31 - 1, -(2 ** 31)];
const VARLONG_EDGES = [...VARINT_EDGES, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, 2 ** 40 + 7, -(2 ** 40), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];

describe('the faster kafkajs encoding writes the bytes kafkajs writes', () => {
  it('CRC-32C: the standard check value, and kafkajs own result on buffers of every length up to 300 bytes and on 1 MiB', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
    for (let length = 0; length <= 300; length++) {
      const bytes = randomBytes(length);
      expect([length, crc32c(bytes)]).toEqual([length, stockCrc32c(bytes)]);
    }
    const big = randomBytes(1 << 20);
    expect(crc32c(big)).toBe(stockCrc32c(big));
    // a view into a larger buffer is checksummed over its own bytes only
    expect(crc32c(big.subarray(5, 1005))).toBe(stockCrc32c(Buffer.from(big.subarray(5, 1005))));
  });

  it('varints and varlongs at every width boundary, signed and unsigned', () => {
    for (const value of VARINT_EDGES) {
      expect([value, new FastEncoder().writeVarInt(value).buffer]).toEqual([value, new StockEncoder().writeVarInt(value).buffer]);
      if (value >= 0) expect([value, new FastEncoder().writeUVarInt(value).buffer]).toEqual([value, new StockEncoder().writeUVarInt(value).buffer]);
    }
    for (const value of VARLONG_EDGES) {
      expect([value, new FastEncoder().writeVarLong(value).buffer]).toEqual([value, new StockEncoder().writeVarLong(value).buffer]);
    }
    // a fraction is no varlong: refused by both
    expect(() => new StockEncoder().writeVarLong(1.5)).toThrow();
    expect(() => new FastEncoder().writeVarLong(1.5)).toThrow();
  });

  it('a long mixed sequence of writes, growing the buffer many times from a tiny start', () => {
    const { int, text } = random(6030);
    const fast = new FastEncoder(1) as unknown as Encoder;
    const stock = new StockEncoder();
    for (let step = 0; step < 5_000; step++) {
      const which = int(9);
      const value = VARLONG_EDGES[int(VARLONG_EDGES.length)]!;
      const varint = VARINT_EDGES[int(VARINT_EDGES.length)]!;
      const small = int(256) - 128;
      const int32 = int(2 ** 31);
      const string = text(which === 8 ? 3_000 : 40);
      const write = (encoder: Encoder) => {
        if (which === 0) encoder.writeInt8!(small);
        else if (which === 1) encoder.writeInt32!(int32);
        else if (which === 2) encoder.writeInt64!(value);
        else if (which === 3) encoder.writeVarInt!(varint);
        else if (which === 4) encoder.writeVarLong!(value);
        else if (which === 5) encoder.writeString!(string);
        else if (which === 6) encoder.writeVarIntBytes!(Buffer.from(string));
        else if (which === 7) encoder.writeVarIntString!(string);
        else encoder.writeBytes!(string);
      };
      write(fast);
      write(stock);
    }
    expect(fast.buffer.length).toBeGreaterThan(100_000);
    expect(fast.buffer.equals(stock.buffer)).toBe(true);
  });

  it('arrays of encoders, kafkajs own among them, copied in order; anything else refused as kafkajs refuses it', () => {
    const parts = (make: () => Encoder) => [make().writeVarInt!(300), make().writeString!('x'.repeat(5_000)), new StockEncoder().writeInt32!(7), make()];
    const fast = (new FastEncoder(4) as unknown as Encoder).writeArray!(parts(() => new FastEncoder() as unknown as Encoder), 'object');
    const stock = new StockEncoder().writeArray!(parts(() => new StockEncoder()), 'object');
    expect(fast.buffer.equals(stock.buffer)).toBe(true);
    expect(() => new FastEncoder().writeEncoderArray([{}])).toThrow('all values should be an instance of Encoder[]');
    expect(() => new FastEncoder().writeEncoderArray('not an array')).toThrow('all values should be an instance of Encoder[]');
  });

  it('records: keys and values as text, bytes or null; headers single, repeated, as bytes; offset and timestamp deltas', () => {
    const { int, text } = random(4226);
    const deltas = [0, 1, 999, 2 ** 31 - 1, 2 ** 31, -5, 2 ** 45];
    for (let n = 0; n < 3_000; n++) {
      const headers: Record<string, unknown> = {};
      for (let h = int(6); h > 0; h--) {
        const kind = int(3);
        headers[text(12) || `h${h}`] = kind === 0 ? text(60) : kind === 1 ? Buffer.from(text(30)) : [text(8), Buffer.from(text(8)), text(0)];
      }
      const input = {
        offsetDelta: int(3) === 0 ? int(1_000_000) : n,
        timestampDelta: deltas[int(deltas.length)]!,
        key: int(5) === 0 ? null : int(2) ? text(40) : Buffer.from(text(40)),
        value: int(9) === 0 ? null : int(2) ? text(n % 7 === 0 ? 4_000 : 300) : Buffer.from(text(300)),
        headers,
      };
      const ours = encodeRecord(input).buffer;
      const theirs = stockRecord(input).buffer;
      if (!ours.equals(theirs)) throw new Error(`record ${n} differs: ${JSON.stringify(input)}`);
    }
  });

  it('a record with a null header value: kafkajs cannot size it, ours writes the header with a null value (-1)', () => {
    expect(() => stockRecord({ key: 'k', value: 'v', headers: { gone: null } })).toThrow();
    const ours = encodeRecord({ key: 'k', value: 'v', headers: { gone: null } }).buffer;
    const expected = stockRecord({ key: 'k', value: 'v', headers: { gone: 'x' } }).buffer;
    // the same record, except the value's length byte (zigzag -1 = 1 instead of 1 = 2), the value byte and the
    // body length (one byte shorter)
    expect(ours.length).toBe(expected.length - 1);
    expect(ours[ours.length - 1]).toBe(1);
    expect(ours.subarray(1, ours.length - 1).equals(expected.subarray(1, expected.length - 2))).toBe(true);
  });
});

describe('the murmur2 partitioner puts keys where kafkajs put them', () => {
  it('the same hash as kafkajs on 50,000 keys of text and bytes, 0 to 80 bytes long', () => {
    const { text } = random(1);
    for (let n = 0; n < 50_000; n++) {
      const key = n % 2 ? randomBytes(n % 81) : text(n % 40);
      if (murmur2(key) !== stockMurmur2(key)) throw new Error(`murmur2 differs for ${JSON.stringify(key)}`);
    }
  });

  it("the Java client's values (Apache Kafka's UtilsTest.testMurmur2)", () => {
    const java: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, hash] of java) expect([key, murmur2(key)]).toEqual([key, hash]);
  });

  it('keyed records to the same partition as the stock DefaultPartitioner; unkeyed and fixed ones left to it', () => {
    const partitionMetadata = [0, 1, 2, 3, 4].map((partitionId) => ({ partitionId, partitionErrorCode: 0, leader: 1, replicas: [1], isr: [1] }));
    const ours = JavaCompatiblePartitioner();
    const stock = Partitioners.DefaultPartitioner();
    const { text } = random(2);
    for (let n = 0; n < 5_000; n++) {
      const message = { key: text(30), value: 'v' };
      expect(ours({ topic: 't', partitionMetadata, message })).toBe(stock({ topic: 't', partitionMetadata, message }));
    }
    expect(ours({ topic: 't', partitionMetadata, message: { key: 'alice', value: 'v', partition: 3 } })).toBe(3);
    const unkeyed = ours({ topic: 't', partitionMetadata, message: { value: 'v' } });
    expect(unkeyed).toBeGreaterThanOrEqual(0);
    expect(unkeyed).toBeLessThan(5);
  });
});

describe('useFastKafkaEncoding in a thread of its own', () => {
  /** Encodes one produce request in a fresh worker thread, with or without the swap, and returns its bytes. */
  function encodeInThread(fast: boolean): Promise<{ bytes: Buffer; swapped: boolean }> {
    const code = `
      require(${JSON.stringify(path.join(ROOT, 'tools/swc-register.cjs'))});
      const { parentPort } = require('node:worker_threads');
      const encoding = require(${JSON.stringify(path.join(__dirname, 'kafka-encoding.ts'))});
      if (${fast}) encoding.useFastKafkaEncoding();
      const produce = require('kafkajs/src/protocol/requests/produce/v3/request');
      const messages = [];
      for (let i = 0; i < 2000; i++) messages.push({ key: 'user-' + (i % 97) + '@contoso.com', value: JSON.stringify({ n: i, pad: 'é'.repeat(i % 900) }), headers: { eventId: 'e-' + i, eventType: 'MfaApproved', format: 'ocsf', position: String(i) }, timestamp: 1795300800000 + i });
      const partitions = [0, 1, 2].map((partition) => ({ partition, firstSequence: partition * 1000, messages: messages.filter((_, i) => i % 3 === partition) }));
      produce({ acks: -1, timeout: 30000, producerId: 4000, producerEpoch: 1, topicData: [{ topic: 'bulwark.ocsf.v1', partitions }] }).encode().then((encoder) => {
        const swapped = require('kafkajs/src/protocol/recordBatch/record/v0') === encoding.encodeRecord && require('kafkajs/src/protocol/recordBatch/crc32C') === encoding.crc32c;
        parentPort.postMessage({ bytes: encoder.buffer, swapped });
      });`;
    return new Promise((resolve, reject) => {
      const worker = new Worker(code, { eval: true });
      worker.once('message', (message: { bytes: Uint8Array; swapped: boolean }) => {
        resolve({ bytes: Buffer.from(message.bytes), swapped: message.swapped });
        void worker.terminate();
      });
      worker.once('error', reject);
    });
  }

  it('a produce request of 2,000 records over three partitions comes out byte for byte the same, with the swap in place', async () => {
    const [stock, fast] = await Promise.all([encodeInThread(false), encodeInThread(true)]);
    expect(stock.swapped).toBe(false);
    expect(fast.swapped).toBe(true);
    expect(fast.bytes.length).toBeGreaterThan(1_000_000);
    expect(fast.bytes.equals(stock.bytes)).toBe(true);
  });
});

describe('fastKafkaEncodingProblem: whether the swap is in force', () => {
  /** Runs `steps` in a fresh worker thread (its own module cache) with `encoding` loaded, and returns what it posts. */
  function inThread(steps: string): Promise<unknown> {
    const code = `
      require(${JSON.stringify(path.join(ROOT, 'tools/swc-register.cjs'))});
      const { parentPort } = require('node:worker_threads');
      const encoding = require(${JSON.stringify(path.join(__dirname, 'kafka-encoding.ts'))});
      const report = () => ({ encoding: encoding.kafkaEncoding(), problem: encoding.fastKafkaEncodingProblem() });
      ${steps}`;
    return new Promise((resolve, reject) => {
      const worker = new Worker(code, { eval: true });
      worker.once('message', (message: unknown) => {
        resolve(message);
        void worker.terminate();
      });
      worker.once('error', reject);
    });
  }

  it('says fast after the swap, and kafkajs before it', async () => {
    expect(await inThread(`const before = report(); encoding.useFastKafkaEncoding(); parentPort.postMessage([before, report()]);`)).toEqual([
      { encoding: 'kafkajs', problem: 'useFastKafkaEncoding has not run in this process' },
      { encoding: 'fast', problem: null },
    ]);
  });

  it('says kafkajs when a swapped module holds kafkajs’s own code again', async () => {
    const steps = `
      encoding.useFastKafkaEncoding();
      const file = require.resolve('kafkajs/src/protocol/recordBatch/crc32C');
      delete require.cache[file];
      require(file);
      parentPort.postMessage(report());`;
    expect(await inThread(steps)).toEqual({ encoding: 'kafkajs', problem: expect.stringMatching(/^kafkajs.s src\/protocol\/recordBatch\/crc32C\/index\.js no longer export/) });
  });

  it('says fast when a consumer’s fetch loaded the record batch module first: the produce path is loaded again, binding ours', async () => {
    const steps = `
      require('kafkajs/src/protocol/requests/fetch/v4/decodeMessages');
      const before = require('kafkajs/src/protocol/recordBatch/v0');
      encoding.useFastKafkaEncoding();
      parentPort.postMessage({ ...report(), reloaded: require('kafkajs/src/protocol/recordBatch/v0') !== before });`;
    expect(await inThread(steps)).toEqual({ encoding: 'fast', problem: null, reloaded: true });
  });
});
