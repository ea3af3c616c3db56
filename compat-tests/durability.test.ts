/**
 * What is acknowledged stays: across a graceful restart, and across a
 * SIGKILL in the middle of an acks=1 produce stream.
 */
import { Kafka, logLevel } from 'kafkajs';
import { BrokerProcess, startBroker } from './helpers/broker-process';
import { kcat } from './helpers/kcat';

function client(b: BrokerProcess): Kafka {
  return new Kafka({ clientId: 'durability', brokers: [b.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 1000 });
}

async function readAll(b: BrokerProcess, topic: string, partition: number): Promise<Map<number, string>> {
  const out = await kcat(['-C', '-b', b.bootstrap, '-t', topic, '-p', String(partition), '-o', 'beginning', '-e', '-q', '-f', '%o %s\n']);
  expect(out.code).toBe(0);
  const m = new Map<number, string>();
  for (const line of out.stdout.split('\n')) {
    if (!line) continue;
    const sp = line.indexOf(' ');
    m.set(Number(line.slice(0, sp)), line.slice(sp + 1));
  }
  return m;
}

test('a graceful restart between produce and consume keeps every record and topic', async () => {
  const b = await startBroker();
  try {
    const kafka = client(b);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'kept', numPartitions: 3 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < 30; i++) {
      await producer.send({ topic: 'kept', messages: [{ partition: i % 3, key: `k${i}`, value: `v${i}` }] });
    }
    await producer.disconnect();

    expect(await b.stop()).toBe(0);
    expect(b.logs.some((l) => l.msg === 'shut down cleanly')).toBe(true);
    await b.restart();

    const admin2 = client(b).admin();
    await admin2.connect();
    const meta = await admin2.fetchTopicMetadata({ topics: ['kept'] });
    expect(meta.topics[0].partitions).toHaveLength(3);
    const offsets = await admin2.fetchTopicOffsets('kept');
    await admin2.disconnect();
    expect(offsets.map((o) => o.high).sort()).toEqual(['10', '10', '10']);
    for (let p = 0; p < 3; p++) {
      const records = await readAll(b, 'kept', p);
      expect([...records.values()]).toEqual(Array.from({ length: 10 }, (_, j) => `v${j * 3 + p}`));
    }
  } finally {
    await b.cleanup();
  }
});

test('SIGKILL in the middle of an acks=1 produce stream loses no acknowledged record', async () => {
  const b = await startBroker();
  try {
    const kafka = client(b);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'stream', numPartitions: 1 }] });
    await admin.disconnect();

    const acknowledged = new Map<number, string>(); // offset -> value
    let next = 0;
    let stop = false;
    const sender = async () => {
      const producer = kafka.producer();
      await producer.connect();
      while (!stop) {
        const batch = Array.from({ length: 20 }, () => `m-${next++}`);
        try {
          const [meta] = await producer.send({ topic: 'stream', acks: 1, messages: batch.map((value) => ({ value })) });
          const base = Number(meta.baseOffset);
          batch.forEach((v, i) => acknowledged.set(base + i, v));
        } catch {
          break;
        }
      }
      await producer.disconnect().catch(() => undefined);
    };
    const senders = [sender(), sender(), sender()];
    while (acknowledged.size < 2000) await new Promise((r) => setTimeout(r, 20));
    await b.kill();
    stop = true;
    await Promise.all(senders);
    expect(acknowledged.size).toBeGreaterThanOrEqual(2000);

    await b.restart();
    const stored = await readAll(b, 'stream', 0);
    for (const [offset, value] of acknowledged) expect(stored.get(offset)).toBe(value);
    // The log is dense: offsets 0..n-1 with no holes.
    const offsets = [...stored.keys()].sort((x, y) => x - y);
    expect(offsets[0]).toBe(0);
    expect(offsets[offsets.length - 1]).toBe(offsets.length - 1);
  } finally {
    await b.cleanup();
  }
});
