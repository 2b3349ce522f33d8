#!/usr/bin/env node
// Readiness probe for the test broker started by tools/kafka/start.sh.
// Usage: node ready.cjs <host:port>            -> exit 0 when the broker answers a metadata request.
//        node ready.cjs --warmup <host:port>   -> (kafkajs only) create __consumer_offsets and get a
//           first producer id, so the first test does not hit "group coordinator is not available" /
//           "coordinator is loading" (kafkajs retries those, but logs them as ERROR and waits ~1-2 s).
//
// Uses kafkajs (admin.listTopics) when it is installed in the repo; otherwise falls back to
// a dependency-free Metadata v4 request over a raw socket, so the broker can be started
// before/while `npm ci` runs.
'use strict';
const path = require('path');
const net = require('net');

const args = process.argv.slice(2);
const warmup = args[0] === '--warmup';
const target = (warmup ? args[1] : args[0]) || '127.0.0.1:9092';
const [host, portStr] = target.split(':');
const port = Number(portStr);

function findKafkajs() {
  if (process.env.KAFKA_READY_RAW === '1') return null;
  try {
    return require.resolve('kafkajs', { paths: [path.resolve(__dirname, '..', '..'), process.cwd()] });
  } catch {
    return null;
  }
}

async function viaKafkajs(modPath) {
  const { Kafka, logLevel } = require(modPath);
  const kafka = new Kafka({
    clientId: 'bulwark-kafka-ready',
    brokers: [target],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 2000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (!cluster.brokers.length) throw new Error('no brokers in metadata');
    await admin.listTopics();
    return `kafkajs: cluster ${cluster.clusterId}, controller ${cluster.controller}`;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

// Metadata v4 (non-flexible): topics = [] (no topics, brokers only), allow_auto_topic_creation = false.
function viaRawMetadata() {
  return new Promise((resolve, reject) => {
    const clientId = Buffer.from('bulwark-kafka-ready');
    const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length + 4 + 1);
    let o = 0;
    o = body.writeInt16BE(3, o); // api_key = Metadata
    o = body.writeInt16BE(4, o); // api_version
    o = body.writeInt32BE(4242, o); // correlation_id
    o = body.writeInt16BE(clientId.length, o);
    o += clientId.copy(body, o);
    o = body.writeInt32BE(0, o); // topics: empty array
    body.writeInt8(0, o); // allow_auto_topic_creation
    const size = Buffer.alloc(4);
    size.writeInt32BE(body.length);

    const sock = net.connect({ host, port });
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('timeout')); }, 2500);
    let buf = Buffer.alloc(0);
    sock.on('connect', () => sock.write(Buffer.concat([size, body])));
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 4 || buf.length < 4 + buf.readInt32BE(0)) return;
      clearTimeout(timer);
      sock.destroy();
      try {
        let p = 4;
        const corr = buf.readInt32BE(p); p += 4;
        if (corr !== 4242) throw new Error('bad correlation id');
        p += 4; // throttle_time_ms
        const brokers = buf.readInt32BE(p);
        if (brokers < 1) throw new Error('no brokers in metadata');
        resolve(`raw metadata: ${brokers} broker(s)`);
      } catch (e) { reject(e); }
    });
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
    sock.on('close', () => { clearTimeout(timer); reject(new Error('connection closed')); });
  });
}

async function warmupViaKafkajs(modPath) {
  const { Kafka, logLevel } = require(modPath);
  const kafka = new Kafka({
    clientId: 'bulwark-kafka-warmup',
    brokers: [target],
    logLevel: logLevel.NOTHING,
    retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 },
  });
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  try {
    await admin.connect();
    // FindCoordinator makes the broker create __consumer_offsets; retried until it is loaded.
    await admin.describeGroups(['bulwark-kafka-warmup']);
    // An idempotent producer's connect() runs InitProducerId (producer-id block from the controller).
    await producer.connect();
    return 'warm-up done';
  } finally {
    await producer.disconnect().catch(() => {});
    await admin.disconnect().catch(() => {});
  }
}

(async () => {
  const mod = findKafkajs();
  if (warmup) {
    const msg = mod ? await warmupViaKafkajs(mod) : 'warm-up skipped (kafkajs not installed)';
    if (process.env.KAFKA_READY_VERBOSE === '1') console.error(msg);
    process.exit(0);
  }
  const msg = mod ? await viaKafkajs(mod) : await viaRawMetadata();
  if (process.env.KAFKA_READY_VERBOSE === '1') console.error(msg);
  process.exit(0);
})().catch((e) => {
  if (process.env.KAFKA_READY_VERBOSE === '1') console.error(String(e && e.message || e));
  process.exit(1);
});
