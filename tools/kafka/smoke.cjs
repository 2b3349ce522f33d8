#!/usr/bin/env node
// Smoke test for the broker started by tools/kafka/start.sh:
//   topic with 3 partitions -> 100 messages (5 keys) via an idempotent producer (acks=-1)
//   -> consumer group reads them all back; checks count, per-key order and key->partition affinity.
// Usage: KAFKA_BROKERS=127.0.0.1:9092 node tools/kafka/smoke.cjs   (exit 0 = pass)
'use strict';
const path = require('path');
const { Kafka, Partitioners, logLevel } = require(
  require.resolve('kafkajs', { paths: [path.resolve(__dirname, '..', '..'), process.cwd()] }),
);

const brokers = (process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(',');
const N = 100;
const KEYS = ['alice', 'bob', 'carol', 'dave', 'erin'];
const run = `${Date.now()}-${process.pid}`;
const topic = `smoke-${run}`;
const groupId = `smoke-group-${run}`;
const t = (t0) => `${Date.now() - t0} ms`;

async function main() {
  const kafka = new Kafka({ clientId: 'bulwark-kafka-smoke', brokers, logLevel: logLevel.WARN });
  const admin = kafka.admin();
  // Explicit partitioner: same murmur2 partitioner as the Java client, and no
  // "KafkaJS v2.0.0 switched default partitioner" warning.
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const consumer = kafka.consumer({ groupId });
  const t0 = Date.now();

  await admin.connect();
  const created = await admin.createTopics({
    topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  if (!created) throw new Error(`topic ${topic} already existed`);
  const meta = await admin.fetchTopicMetadata({ topics: [topic] });
  const partitions = meta.topics[0].partitions.length;
  if (partitions !== 3) throw new Error(`expected 3 partitions, got ${partitions}`);
  console.log(`created ${topic} (${partitions} partitions) in ${t(t0)}`);

  await producer.connect();
  const tp = Date.now();
  const sent = [];
  for (let i = 0; i < N; i++) {
    const key = KEYS[i % KEYS.length];
    const [res] = await producer.send({
      topic,
      acks: -1,
      messages: [{ key, value: JSON.stringify({ key, seq: i }) }],
    });
    if (res.errorCode !== 0) throw new Error(`produce error ${res.errorCode}`);
    sent.push({ key, seq: i, partition: res.partition });
  }
  console.log(`produced ${N} messages (idempotent, acks=-1) in ${t(tp)}`);

  const received = [];
  let firstAt = 0;
  const tc = Date.now();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const done = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timeout: received ${received.length}/${N}`)),
      Number(process.env.SMOKE_TIMEOUT_MS || 60000),
    );
    consumer.run({
      eachMessage: async ({ partition, message }) => {
        if (!firstAt) firstAt = Date.now();
        const v = JSON.parse(message.value.toString());
        if (v.key !== message.key.toString()) throw new Error('key mismatch');
        received.push({ ...v, partition, offset: Number(message.offset) });
        if (received.length === N) { clearTimeout(timer); resolve(); }
      },
    }).catch(reject);
  });
  await done;
  console.log(`consumed ${N} messages via group ${groupId}: first after ${firstAt - tc} ms, all after ${t(tc)}`);

  // Checks
  if (received.length !== N) throw new Error(`received ${received.length} != ${N}`);
  const seqs = new Set(received.map((m) => m.seq));
  if (seqs.size !== N) throw new Error(`duplicates/missing: ${seqs.size} distinct`);
  const byKey = new Map();
  for (const m of received) {
    const s = byKey.get(m.key) || { last: -1, partitions: new Set(), count: 0 };
    if (m.seq <= s.last) throw new Error(`order broken for key ${m.key}: ${m.seq} after ${s.last}`);
    s.last = m.seq; s.count++; s.partitions.add(m.partition);
    byKey.set(m.key, s);
  }
  for (const [key, s] of byKey) {
    if (s.partitions.size !== 1) throw new Error(`key ${key} spread over partitions ${[...s.partitions]}`);
    const expected = sent.find((x) => x.key === key).partition;
    if ([...s.partitions][0] !== expected) throw new Error(`key ${key}: consumed from other partition`);
  }
  const usage = [...byKey].map(([k, s]) => `${k}->p${[...s.partitions][0]}(${s.count})`).join(' ');
  console.log(`OK: ${N}/${N} received, per-key order holds, ${usage}`);

  await consumer.disconnect();
  await producer.disconnect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin.disconnect();
  console.log(`total ${t(t0)}`);
}

main().then(
  () => process.exit(0),
  (e) => { console.error('SMOKE FAILED:', e && e.stack || e); process.exit(1); },
);
