/**
 * Consumer groups through the two Python clients (Debian's python3-kafka and
 * python3-confluent-kafka, run with /usr/bin/python3) against the broker as
 * a real process: subscribe as a group member, consume, commit by hand,
 * close, and a new member of the group resumes at the committed offsets; two
 * confluent-kafka members split a topic's partitions. Topics are created,
 * records produced and commits cross-checked with kafkajs.
 *
 * The Python side is the group_consume / group_split commands of
 * compat-tests/clients/kafka_python_client.py and confluent_kafka_client.py.
 */
import { useBroker, useKafkajsClients } from './helpers/broker-process';
import { PYTHON, scriptClient } from './clients/run';

const TEST_TIMEOUT = 45000;
const broker = useBroker({}, TEST_TIMEOUT);
const { ok: kp } = scriptClient(PYTHON, 'kafka_python_client.py', () => broker.current.bootstrap, 30000);
const { ok: ck } = scriptClient(PYTHON, 'confluent_kafka_client.py', () => broker.current.bootstrap, 30000);

const clients = useKafkajsClients(broker, 'compat-python-groups', TEST_TIMEOUT);

interface Rec {
  partition: number;
  offset: number;
  value: string;
}
interface PyRec extends Rec {
  key: string | null;
}
interface GroupConsumed {
  records: PyRec[];
  extra: PyRec[];
}

const key = (r: { partition: number; offset: number }) => `${r.partition}@${r.offset}`;
const keys = (rs: { partition: number; offset: number }[]) => rs.map(key).sort();
const values = (rs: Rec[]) => rs.map((r) => `${r.partition}@${r.offset}=${r.value}`).sort();

async function produce(topic: string, partitions: number[], perPartition: number, tag: string): Promise<Rec[]> {
  const out: Rec[] = [];
  for (const partition of partitions) {
    const vs = Array.from({ length: perPartition }, (_, i) => `${tag}-p${partition}-${i}`);
    const [meta] = await clients.producer.send({ topic, acks: -1, messages: vs.map((value) => ({ partition, value })) });
    vs.forEach((value, i) => out.push({ partition, offset: Number(meta.baseOffset) + i, value }));
  }
  return out;
}

async function committed(groupId: string, topic: string): Promise<Record<string, string>> {
  const [t] = await clients.admin.fetchOffsets({ groupId, topics: [topic] });
  return Object.fromEntries(t.partitions.map((p) => [String(p.partition), p.offset]));
}

test('kafka-python: KafkaConsumer(group_id, enable_auto_commit=False) consumes, commit()s, and a new consumer resumes after the commit; KafkaAdminClient lists, describes and deletes the group', async () => {
  const topic = 'kp-group';
  const group_id = 'g-kafka-python';
  await clients.admin.createTopics({ topics: [{ topic, numPartitions: 3 }] });
  const first = await produce(topic, [0, 1, 2], 4, 'first');

  const run1 = await kp<GroupConsumed & { assignment: number[]; committed: Record<string, number>; positions: Record<string, number> }>('group_consume', {
    topic,
    group_id,
    count: 12,
    commit: true,
  });
  expect(values(run1.records)).toEqual(values(first));
  expect(run1.assignment).toEqual([0, 1, 2]);
  expect(run1.committed).toEqual({ 0: 4, 1: 4, 2: 4 });
  expect(await committed(group_id, topic)).toEqual({ 0: '4', 1: '4', 2: '4' });
  expect((await clients.admin.describeGroups([group_id])).groups[0]).toMatchObject({ state: 'Empty', protocolType: 'consumer', members: [] });

  // A new consumer of the group gets only what was produced after the commit.
  const second = await produce(topic, [0, 1, 2], 2, 'second');
  const run2 = await kp<GroupConsumed & { committed: Record<string, number> }>('group_consume', { topic, group_id, count: 6, idle_ms: 500, commit: true });
  expect(values(run2.records)).toEqual(values(second));
  expect(run2.extra).toEqual([]);
  expect(run2.committed).toEqual({ 0: 6, 1: 6, 2: 6 });

  // Read 4 of 9 new records and commit: the commit is the consumer's
  // position; the next consumer gets exactly the other 5.
  const third = await produce(topic, [0, 1, 2], 3, 'third');
  const run3 = await kp<GroupConsumed & { committed: Record<string, number>; positions: Record<string, number> }>('group_consume', { topic, group_id, count: 4, commit: true });
  expect(run3.records).toHaveLength(4);
  expect(run3.committed).toEqual(run3.positions);
  expect(await committed(group_id, topic)).toEqual(Object.fromEntries(Object.entries(run3.positions).map(([p, o]) => [p, String(o)])));
  const run4 = await kp<GroupConsumed>('group_consume', { topic, group_id, count: 5, idle_ms: 500, commit: true });
  expect(run4.extra).toEqual([]);
  expect(keys([...run3.records, ...run4.records])).toEqual(keys(third));

  // Without commit() nothing moves: the next consumer reads the same records again.
  const fourth = await produce(topic, [1], 2, 'fourth');
  const run5 = await kp<GroupConsumed>('group_consume', { topic, group_id, count: 2, commit: false });
  expect(values(run5.records)).toEqual(values(fourth));
  expect(await committed(group_id, topic)).toEqual({ 0: '9', 1: '9', 2: '9' });
  const run6 = await kp<GroupConsumed>('group_consume', { topic, group_id, count: 2, idle_ms: 300, commit: true });
  expect(values(run6.records)).toEqual(values(fourth));
  expect(await committed(group_id, topic)).toEqual({ 0: '9', 1: '11', 2: '9' });

  // KafkaAdminClient sees the same group and offsets, and deletes it.
  const view = await kp('group_admin', { group_id, delete: true });
  expect(view.groups).toContainEqual([group_id, 'consumer']);
  expect(view.describe).toEqual({ error_code: 0, state: 'Empty', protocol_type: 'consumer', protocol: '', members: 0 });
  expect(view.offsets).toEqual([
    [topic, 0, 9, ''],
    [topic, 1, 11, ''],
    [topic, 2, 9, ''],
  ]);
  expect(view.deleted).toEqual([[group_id, 'NoError']]);
  expect(await committed(group_id, topic)).toEqual({ 0: '-1', 1: '-1', 2: '-1' });
}, TEST_TIMEOUT);

test('confluent-kafka: Consumer(group.id, auto.offset.reset=earliest) consumes, commit(asynchronous=False), close, and the next member resumes there', async () => {
  const topic = 'ck-group';
  const group_id = 'g-confluent';
  await clients.admin.createTopics({ topics: [{ topic, numPartitions: 3 }] });
  const first = await produce(topic, [0, 1, 2], 4, 'first');

  type Out = GroupConsumed & {
    assignments: number[][];
    commit_result: Record<string, number>;
    commit_errors: string[];
    committed: Record<string, number>;
  };
  const run1 = await ck<Out>('group_consume', { topic, group_id, count: 12 });
  expect(values(run1.records)).toEqual(values(first));
  expect(run1.assignments).toEqual([[0, 1, 2]]);
  expect(run1.commit_errors).toEqual([]);
  expect(run1.commit_result).toEqual({ 0: 4, 1: 4, 2: 4 });
  expect(run1.committed).toEqual({ 0: 4, 1: 4, 2: 4 });
  expect(await committed(group_id, topic)).toEqual({ 0: '4', 1: '4', 2: '4' });
  // close() left the group.
  expect((await clients.admin.describeGroups([group_id])).groups[0]).toMatchObject({ state: 'Empty', protocolType: 'consumer', members: [] });

  const second = await produce(topic, [0, 1, 2], 2, 'second');
  const run2 = await ck<Out>('group_consume', { topic, group_id, count: 6, idle_ms: 500 });
  expect(values(run2.records)).toEqual(values(second));
  expect(run2.extra).toEqual([]);
  expect(run2.committed).toEqual({ 0: 6, 1: 6, 2: 6 });
  expect(await committed(group_id, topic)).toEqual({ 0: '6', 1: '6', 2: '6' });
}, TEST_TIMEOUT);

test('confluent-kafka: two members of one group split a 6-partition topic (on_assign) and each consumes only its own partitions', async () => {
  const topic = 'ck-split';
  await clients.admin.createTopics({ topics: [{ topic, numPartitions: 6 }] });
  type Member = { events: [string, number[]][]; assignment: number[]; records: PyRec[] };
  const out = await ck<{ c1: Member; c2: Member }>('group_split', { topic, group_id: 'g-confluent-split', partitions: 6, per_partition: 3 });
  const { c1, c2 } = out;

  // c1 formed the group alone and had everything; when c2 joined, c1 gave it
  // all back (eager rebalance) and was given its share.
  expect(c1.events[0]).toEqual(['assign', [0, 1, 2, 3, 4, 5]]);
  expect(c1.events[1]).toEqual(['revoke', [0, 1, 2, 3, 4, 5]]);
  expect(c1.assignment.length).toBeGreaterThan(0);
  expect(c2.assignment.length).toBeGreaterThan(0);
  expect([...c1.assignment, ...c2.assignment].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  // librdkafka's default assignor (range) gives 3 and 3.
  expect([c1.assignment.length, c2.assignment.length]).toEqual([3, 3]);

  const partitions = (rs: PyRec[]) => [...new Set(rs.map((r) => r.partition))].sort();
  expect(partitions(c1.records)).toEqual(c1.assignment);
  expect(partitions(c2.records)).toEqual(c2.assignment);
  const all = [...c1.records, ...c2.records];
  expect(all).toHaveLength(18);
  expect(new Set(all.map(key)).size).toBe(18);
  // Both closed: the group is empty again.
  expect((await clients.admin.describeGroups(['g-confluent-split'])).groups[0]).toMatchObject({ state: 'Empty', members: [] });
}, TEST_TIMEOUT);
