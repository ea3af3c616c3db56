/**
 * Committed offsets survive the broker being killed: librdkafka (kcat -G)
 * and kafka-python consumers commit, the broker is SIGKILLed and started
 * again on the same data, and each group's next consumer gets exactly the
 * records produced after its commit.
 */
import { Kafka, logLevel } from 'kafkajs';
import { useBroker } from './helpers/broker-process';
import { kcat } from './helpers/kcat';
import { PYTHON, scriptClient } from './clients/run';

const TEST_TIMEOUT = 60000;
const broker = useBroker({}, TEST_TIMEOUT);
const { ok: kp } = scriptClient(PYTHON, 'kafka_python_client.py', () => broker.current.bootstrap, 30000);

async function produce(values: string[]): Promise<void> {
  const kafka = new Kafka({ brokers: [broker.current.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  await producer.send({ topic: 'survives', acks: -1, messages: values.map((value, i) => ({ value, partition: i % 2 })) });
  await producer.disconnect();
}

async function kcatGroup(): Promise<string[]> {
  const args = ['-b', broker.current.bootstrap, '-G', 'g-kcat', 'survives', '-X', 'auto.offset.reset=earliest', '-e', '-q', '-f', '%s\n'];
  const out = await kcat(args, undefined, 20000);
  expect(out.code).toBe(0);
  return out.stdout.split('\n').filter((l) => l).sort();
}

async function pythonGroup(count: number): Promise<string[]> {
  const run = await kp<{ records: { value: string }[] }>('group_consume', { topic: 'survives', group_id: 'g-python', count, idle_ms: 500, commit: true });
  return run.records.map((r) => r.value).sort();
}

test('kcat -G and kafka-python resume after their commits when the broker was SIGKILLed in between', async () => {
  const admin = new Kafka({ brokers: [broker.current.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'survives', numPartitions: 2 }] });
  await admin.disconnect();
  const before = ['b0', 'b1', 'b2', 'b3', 'b4', 'b5'];
  await produce(before);
  expect(await kcatGroup()).toEqual(before);
  expect(await pythonGroup(6)).toEqual(before);

  await broker.current.kill();
  await broker.current.restart();

  const after = ['a0', 'a1', 'a2', 'a3'];
  await produce(after);
  expect(await kcatGroup()).toEqual(after);
  expect(await pythonGroup(4)).toEqual(after);
}, TEST_TIMEOUT);
