/**
 * A mixed fleet against one broker: the same 200 keys produced by kafkajs
 * (default partitioner: Java's murmur2), kafka-python (murmur2),
 * confluent-kafka and kcat with partitioner=murmur2_random (librdkafka's
 * Java-compatible one) and @platformatic/kafka's compatibilityPartitioner
 * land on the same partition of a 6-partition topic, read back from the
 * broker. librdkafka's default (consistent_random, CRC32) agrees between
 * kcat and confluent-kafka only. @platformatic/kafka's default partitioner
 * takes murmur2 unsigned (>>> 0) where Java masks the sign bit, so it agrees
 * with Java only when 2^31 is a multiple of the partition count.
 * This tests the clients, not the broker; it shows which of them can share
 * keyed topics.
 */
import { PYTHON, scriptClient } from './clients/run';
import { useBroker, useKafkajsClients } from './helpers/broker-process';
import { kcat } from './helpers/kcat';

jest.setTimeout(90000);

const broker = useBroker();
const clients = useKafkajsClients(broker, 'compat-partitioner');
const py = scriptClient(PYTHON, 'python_admin_partitions.py', () => broker.current.bootstrap, 60000);
const plt = scriptClient(process.execPath, 'platformatic_admin.mjs', () => broker.current.bootstrap, 60000);

const N = 6;
const TOPIC = 'keyed';
const KEYS = Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? `user-${i * 7919}` : i % 3 === 1 ? `order/${i}/${'x'.repeat(i % 17)}` : `k${i}`));

/** tag → key → partition, as stored in the broker (read back with kcat). */
async function placements(): Promise<Map<string, Map<string, number>>> {
  const r = await kcat(['-b', broker.current.bootstrap, '-C', '-t', TOPIC, '-o', 'beginning', '-e', '-q', '-f', '%p|%k|%s\n'], undefined, 60000);
  expect(r.code).toBe(0);
  const out = new Map<string, Map<string, number>>();
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const [p, key, tag] = line.split('|');
    if (!out.has(tag)) out.set(tag, new Map());
    out.get(tag)!.set(key, Number(p));
  }
  return out;
}

test('Java-compatible partitioners agree key by key; librdkafka consistent_random agrees between kcat and confluent-kafka', async () => {
  await clients.admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: N }] });
  await clients.producer.send({ topic: TOPIC, messages: KEYS.map((key) => ({ key, value: 'kafkajs' })) });
  const kcatInput = (tag: string) => KEYS.map((k) => `${k}|${tag}`).join('\n') + '\n';
  const kcatProduce = async (tag: string, extra: string[]) => {
    const r = await kcat(['-b', broker.current.bootstrap, '-P', '-t', TOPIC, '-K', '|', '-X', 'compression.codec=none', ...extra], kcatInput(tag), 60000);
    expect(r.code).toBe(0);
  };
  await Promise.all([
    kcatProduce('kcat-murmur2', ['-X', 'partitioner=murmur2_random']),
    kcatProduce('kcat-default', []),
    py.ok('kp_produce_keys', { topic: TOPIC, keys: KEYS, value: 'kafka-python' }),
    py.ok('ck_produce_keys', { topic: TOPIC, keys: KEYS, value: 'confluent-murmur2', partitioner: 'murmur2_random' }),
    py.ok('ck_produce_keys', { topic: TOPIC, keys: KEYS, value: 'confluent-default' }),
    plt.ok('produce_keys', { topic: TOPIC, keys: KEYS, value: 'platformatic-compat', partitioner: 'compatibility' }),
    plt.ok('produce_keys', { topic: TOPIC, keys: KEYS, value: 'platformatic-default', partitioner: 'default' }),
  ]);

  const placed = await placements();
  const java = placed.get('kafkajs')!;
  expect(java.size).toBe(KEYS.length);
  expect(new Set(java.values()).size).toBe(N); // the keys spread over every partition
  for (const tag of ['kafka-python', 'kcat-murmur2', 'confluent-murmur2', 'platformatic-compat']) {
    expect([tag, Object.fromEntries(placed.get(tag)!)]).toEqual([tag, Object.fromEntries(java)]);
  }
  expect(Object.fromEntries(placed.get('confluent-default')!)).toEqual(Object.fromEntries(placed.get('kcat-default')!));
  // consistent_random (CRC32) is a different function from murmur2
  expect(KEYS.some((k) => placed.get('kcat-default')!.get(k) !== java.get(k))).toBe(true);
  // @platformatic/kafka's default: the Java partition, or that plus 2^31 mod N where the hash is negative
  const shift = 2 ** 31 % N;
  const pd = placed.get('platformatic-default')!;
  for (const k of KEYS) expect([java.get(k), (java.get(k)! + shift) % N]).toContain(pd.get(k));
  expect(KEYS.some((k) => pd.get(k) !== java.get(k))).toBe(true);
});
