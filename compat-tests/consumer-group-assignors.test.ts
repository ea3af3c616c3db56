/**
 * The broker never computes assignments: whatever assignor the group leader
 * runs decides. Two librdkafka consumers (confluent-kafka) per strategy —
 * eager range and roundrobin, and incremental cooperative-sticky — split a
 * 4-partition topic and, when one closes, the other takes every partition.
 * Static members (group.instance.id) restart without a rebalance.
 */
import { Kafka, logLevel } from 'kafkajs';
import { useBroker } from './helpers/broker-process';
import { PYTHON, runScript } from './clients/run';

const broker = useBroker();

beforeAll(async () => {
  const admin = new Kafka({ brokers: [broker.current.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'assigned', numPartitions: 4 }] });
  await admin.disconnect();
});

test.each(['range', 'roundrobin', 'cooperative-sticky'])('%s: two members split the partitions; one leaves, the other takes all', async (strategy) => {
  const run = await runScript(PYTHON, 'confluent_group_assignor.py', broker.current.bootstrap, 'split', { topic: 'assigned', group: `g-${strategy}`, strategy, partitions: 4 }, 55000);
  expect(run.code).toBe(0);
  const r = run.json;
  expect(r.split_ok).toBe(true);
  const [a, b] = r.split as number[][];
  expect(a.length).toBeGreaterThan(0);
  expect(b.length).toBeGreaterThan(0);
  expect([...a, ...b].sort()).toEqual([0, 1, 2, 3]);
  expect(r.takeover_ok).toBe(true);
  expect(r.after_close).toEqual([0, 1, 2, 3]);
}, 60000);

test('static members: one restarts under its instance id and gets its partitions back with no rebalance for the other', async () => {
  const run = await runScript(PYTHON, 'confluent_group_assignor.py', broker.current.bootstrap, 'static', { topic: 'assigned', group: 'g-static', partitions: 4 }, 55000);
  expect(run.code).toBe(0);
  const r = run.json;
  expect(r.before[0].length).toBeGreaterThan(0);
  expect(r.before[1].length).toBeGreaterThan(0);
  expect(r.after).toEqual(r.before);
  expect(r.rebalances_seen_by_a).toBe(0);
}, 60000);
