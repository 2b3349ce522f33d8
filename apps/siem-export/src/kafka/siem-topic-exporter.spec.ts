import { lazily, sendInChunks, TopicMessage, TopicSender } from './siem-topic-exporter';

/**
 * The slicing and its pipelining, through a sender that records what a producer would see. The broker's side
 * (acknowledgements, retries, every record once in order) is test/siem-export.kafka.spec.ts, against a real broker.
 */
type Sent = { topic: string; acks: number; keys: string[]; bytes: number };

/** A producer whose sends are acknowledged when the test says so, recording what it was given and when. */
function controlledSender(log: string[]) {
  const sent: Sent[] = [];
  const pending: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const sender: TopicSender = {
    send(record) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      sent.push({ topic: record.topic, acks: record.acks, keys: record.messages.map((message) => message.key), bytes: record.messages.reduce((sum, message) => sum + Buffer.byteLength(message.value), 0) });
      log.push(`send ${sent.length}`);
      return new Promise<void>((resolve, reject) => pending.push({ resolve: () => (inFlight--, resolve()), reject: (error) => (inFlight--, reject(error)) }));
    },
  };
  return {
    sender,
    sent,
    maxInFlight: () => maxInFlight,
    /** acknowledges the oldest unacknowledged send, once it has been made and a few turns of the loop later */
    async ack(): Promise<void> {
      while (!pending.length) await new Promise((resolve) => setImmediate(resolve));
      for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
      log.push('ack');
      pending.shift()!.resolve();
    },
    async fail(error: Error): Promise<void> {
      while (!pending.length) await new Promise((resolve) => setImmediate(resolve));
      pending.shift()!.reject(error);
    },
  };
}

const message = (n: number, chars = 100_000): TopicMessage => ({ key: `user-${n}`, value: 'x'.repeat(chars), headers: { eventId: `e-${n}` } });

describe('sendInChunks', () => {
  it('slices of at most 512 KiB, in order, one in flight at a time, every message once', async () => {
    const log: string[] = [];
    const producer = controlledSender(log);
    const messages = Array.from({ length: 23 }, (_, n) => message(n));
    const done = sendInChunks(producer.sender, 'bulwark.ocsf.v1', messages);
    for (let n = 0; n < 5; n++) await producer.ack();
    await done;
    expect(producer.sent.map((send) => send.keys.length)).toEqual([5, 5, 5, 5, 3]);
    expect(producer.sent.flatMap((send) => send.keys)).toEqual(messages.map((one) => one.key));
    expect(producer.sent.every((send) => send.bytes <= 512 * 1024 && send.acks === -1 && send.topic === 'bulwark.ocsf.v1')).toBe(true);
    expect(producer.maxInFlight()).toBe(1);
  });

  it('a message larger than a slice goes alone; nothing is sent for no messages', async () => {
    const producer = controlledSender([]);
    const done = sendInChunks(producer.sender, 't', [message(1, 10), message(2, 600_000), message(3, 10)]);
    for (let n = 0; n < 3; n++) await producer.ack();
    await done;
    expect(producer.sent.map((send) => send.keys)).toEqual([['user-1'], ['user-2'], ['user-3']]);
    await sendInChunks(producer.sender, 't', []);
    expect(producer.sent).toHaveLength(3);
  });

  it('maps the next slice while the one before is in flight, and sends it only after that one is acknowledged', async () => {
    const log: string[] = [];
    const producer = controlledSender(log);
    const events = Array.from({ length: 12 }, (_, n) => n);
    const mapped = (function* () {
      for (const n of events) {
        log.push(`map ${n}`);
        yield message(n);
      }
    })();
    const done = sendInChunks(producer.sender, 't', mapped);
    await producer.ack();
    await producer.ack();
    await producer.ack();
    await done;
    // slice 2 (messages 5–9) is mapped after slice 1 went out and before it was acknowledged; message 5 is taken
    // while slice 1 is filled, to learn that it would not fit
    expect(log).toEqual(['map 0', 'map 1', 'map 2', 'map 3', 'map 4', 'map 5', 'send 1', 'map 6', 'map 7', 'map 8', 'map 9', 'map 10', 'ack', 'send 2', 'map 11', 'ack', 'send 3', 'ack']);
  });

  it('a failed send rejects the whole call and the slices after it are never sent', async () => {
    const producer = controlledSender([]);
    const done = sendInChunks(producer.sender, 't', Array.from({ length: 12 }, (_, n) => message(n)));
    await producer.ack();
    await producer.fail(new Error('the broker is gone'));
    await expect(done).rejects.toThrow('the broker is gone');
    expect(producer.sent).toHaveLength(2);
  });

  it('an event that cannot be mapped rejects the call, after the slice in flight has settled', async () => {
    const log: string[] = [];
    const producer = controlledSender(log);
    const events = Array.from({ length: 8 }, (_, n) => n);
    const done = sendInChunks(
      producer.sender,
      't',
      lazily(events, (n) => {
        if (n === 6) throw new Error('unmapped event type');
        return message(n);
      }),
    );
    const settled = jest.fn();
    void done.catch(settled);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).not.toHaveBeenCalled();
    await producer.ack();
    await expect(done).rejects.toThrow('unmapped event type');
    expect(producer.sent).toHaveLength(1);
  });
});
