/**
 * @platformatic/kafka (flexible versions only: FindCoordinator v4+,
 * JoinGroup v6+, OffsetCommit/OffsetFetch v8+) consumes in a group,
 * commits, and a second consumer of the group resumes exactly after the
 * commit; the offsets it committed are what kafkajs's admin reads back.
 */
import { Kafka, logLevel } from 'kafkajs';
import { useBroker } from './helpers/broker-process';
import { runScript } from './clients/run';

const broker = useBroker();
let kafka: Kafka;

beforeAll(async () => {
  kafka = new Kafka({ brokers: [broker.current.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'plt-group', numPartitions: 2 }] });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'plt-group', messages: Array.from({ length: 10 }, (_, i) => ({ value: `v${i}`, partition: i % 2 })) });
  await producer.disconnect();
});

const consume = (count: number) =>
  runScript<{ messages: { partition: number; offset: string; value: string }[] }>(process.execPath, 'platformatic_group.mjs', broker.current.bootstrap, 'consume', {
    topic: 'plt-group',
    group: 'plt',
    count,
  });

test('consume with commits, then a new consumer of the group resumes after them', async () => {
  const first = await consume(6);
  expect(first.code).toBe(0);
  const second = await consume(4);
  expect(second.code).toBe(0);
  const seen = [...first.json.messages, ...second.json.messages].map((m) => m.value).sort();
  // Every message exactly once across the two runs: nothing lost, nothing read twice.
  expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => `v${i}`).sort());

  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchOffsets({ groupId: 'plt', topics: ['plt-group'] });
  expect(offsets[0].partitions.map((p) => [p.partition, p.offset]).sort()).toEqual([
    [0, '5'],
    [1, '5'],
  ]);
  const [described] = (await admin.describeGroups(['plt'])).groups;
  expect(described).toMatchObject({ state: 'Empty', protocolType: 'consumer' });
  await admin.disconnect();
}, 60000);
