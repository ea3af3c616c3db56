/**
 * DeleteRecords through real clients: kafkajs deleteTopicRecords and
 * @platformatic/kafka deleteRecords move the log start offset, which
 * ListOffsets (kafkajs, kcat) reports, Fetch below it refuses with
 * OFFSET_OUT_OF_RANGE, a consumer from the beginning starts at, and which a
 * SIGKILL and restart keep; whole segments below it leave the disk.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '../src/protocol/error-codes';
import {
  deleteRecordsRequest,
  deleteRecordsResponse,
  fetchRequest,
  fetchResponse,
  findCoordinatorRequest,
  findCoordinatorResponse,
} from '../src/protocol/messages';
import { scriptClient } from './clients/run';
import { useBroker, useKafkajsClients } from './helpers/broker-process';
import { kcat } from './helpers/kcat';
import { RawClient } from './helpers/raw-client';
import { fetchBody } from './helpers/requests';

jest.setTimeout(60000);

// small segments, so deletions free whole files
const broker = useBroker({ args: ['--log-segment-bytes', '1024'] });
const clients = useKafkajsClients(broker, 'compat-delete-records');
const plt = scriptClient(process.execPath, 'platformatic_admin.mjs', () => broker.current.bootstrap);

/** `n` records sent one per request (one batch each) to partition 0, values `${tag}-${i}`. */
async function fill(topic: string, n: number, tag = 'r'): Promise<void> {
  for (let i = 0; i < n; i++) await clients.producer.send({ topic, messages: [{ partition: 0, value: `${tag}-${i}`.padEnd(100, '.') }] });
}

const low = async (topic: string) => (await clients.admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.low), Number(p.high)]);
const segments = (topic: string) => readdirSync(join(broker.current.dataDir, `${topic}-0`)).filter((f) => f.endsWith('.log')).length;

async function kcatFromBeginning(topic: string): Promise<string[]> {
  const r = await kcat(['-b', broker.current.bootstrap, '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%o\n']);
  expect(r.code).toBe(0);
  return r.stdout.trim().split('\n').filter(Boolean);
}

test('kafkajs deleteTopicRecords moves the start; ListOffsets, Fetch and kcat agree; segments go; a SIGKILL keeps it', async () => {
  await clients.admin.createTopics({ topics: [{ topic: 'trim', numPartitions: 1 }] });
  await fill('trim', 40);
  const before = segments('trim');
  expect(before).toBeGreaterThan(3);
  // (kafkajs's deleteTopicRecords finds leaders only among topics its admin has asked about)
  expect(await low('trim')).toEqual([[0, 0, 40]]);
  await clients.admin.deleteTopicRecords({ topic: 'trim', partitions: [{ partition: 0, offset: '25' }] });
  expect(await low('trim')).toEqual([[0, 25, 40]]);
  expect(segments('trim')).toBeLessThan(before);
  const offsets = await kcatFromBeginning('trim');
  expect(offsets[0]).toBe('25');
  expect(offsets).toHaveLength(15);

  const c = await RawClient.open(broker.current.port);
  try {
    const f = await c.request(1, fetchRequest, fetchResponse, 11, fetchBody('trim', 24n, 0));
    // Kafka answers an out-of-range fetch with -1 for the offsets
    expect(f.responses[0].partitions[0]).toMatchObject({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, logStartOffset: -1n });
    const ok = await c.request(1, fetchRequest, fetchResponse, 11, fetchBody('trim', 25n, 0));
    expect(ok.responses[0].partitions[0]).toMatchObject({ errorCode: 0, logStartOffset: 25n, highWatermark: 40n });
  } finally {
    c.close();
  }

  // -1: up to the high watermark
  await clients.admin.deleteTopicRecords({ topic: 'trim', partitions: [{ partition: 0, offset: '-1' }] });
  expect(await low('trim')).toEqual([[0, 40, 40]]);
  await broker.current.kill();
  await broker.current.restart();
  expect(await low('trim')).toEqual([[0, 40, 40]]);
  await fill('trim', 2, 'after');
  expect(await low('trim')).toEqual([[0, 40, 42]]);
  expect(await kcatFromBeginning('trim')).toEqual(['40', '41']);
});

test('@platformatic/kafka deleteRecords answers the new low watermark', async () => {
  await clients.admin.createTopics({ topics: [{ topic: 'plt-trim', numPartitions: 2 }] });
  await fill('plt-trim', 10);
  const res = await plt.ok('delete_records', { topic: 'plt-trim', partitions: [{ partition: 0, offset: 7 }] });
  expect(res.topics).toEqual([{ name: 'plt-trim', partitions: [{ partition: 0, lowWatermark: '7' }] }]);
  expect(await low('plt-trim')).toEqual(expect.arrayContaining([[0, 7, 10], [1, 0, 0]]));
  const refused = await plt.raw('delete_records', { topic: 'plt-trim', partitions: [{ partition: 0, offset: 11 }] });
  expect(refused.code).toBe(2);
  expect(refused.json.apiIds).toEqual(['OFFSET_OUT_OF_RANGE']);
});

test('raw, v0-v2: past the high watermark, negative, unknown, internal and compact-only topics get Kafka codes; lower offsets change nothing', async () => {
  await clients.admin.createTopics({
    topics: [
      { topic: 'raw-trim', numPartitions: 1 },
      { topic: 'compacted', numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
    ],
  });
  await fill('raw-trim', 10);
  const c = await RawClient.open(broker.current.port);
  try {
    // make the broker create __consumer_offsets
    await c.request(10, findCoordinatorRequest, findCoordinatorResponse, 1, { key: 'g', keyType: 0, coordinatorKeys: [] });
    for (let v = 0; v <= 2; v++) {
      const res = await c.request(21, deleteRecordsRequest, deleteRecordsResponse, v, {
        topics: [
          {
            name: 'raw-trim',
            partitions: [
              { partitionIndex: 0, offset: BigInt(3 + v) },
              { partitionIndex: 1, offset: 0n },
            ],
          },
          { name: 'raw-trim', partitions: [{ partitionIndex: 0, offset: 11n }] },
          { name: 'compacted', partitions: [{ partitionIndex: 0, offset: 0n }] },
          { name: '__consumer_offsets', partitions: [{ partitionIndex: 0, offset: 0n }] },
          { name: 'missing', partitions: [{ partitionIndex: 0, offset: 0n }] },
        ],
        timeoutMs: 1000,
      });
      expect(res.topics).toEqual([
        {
          name: 'raw-trim',
          partitions: [
            // named twice: answered once, with the last offset asked (11, past the high watermark)
            { partitionIndex: 0, lowWatermark: -1n, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE },
            { partitionIndex: 1, lowWatermark: -1n, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION },
          ],
        },
        { name: 'compacted', partitions: [{ partitionIndex: 0, lowWatermark: -1n, errorCode: ErrorCode.POLICY_VIOLATION }] },
        { name: '__consumer_offsets', partitions: [{ partitionIndex: 0, lowWatermark: -1n, errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION }] },
        { name: 'missing', partitions: [{ partitionIndex: 0, lowWatermark: -1n, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }] },
      ]);
      const one = (offset: bigint) =>
        c.request(21, deleteRecordsRequest, deleteRecordsResponse, v, { topics: [{ name: 'raw-trim', partitions: [{ partitionIndex: 0, offset }] }], timeoutMs: 1000 });
      expect((await one(BigInt(3 + v))).topics[0].partitions[0]).toEqual({ partitionIndex: 0, lowWatermark: BigInt(3 + v), errorCode: 0 });
      // lower than the start: nothing changes, the current start comes back
      expect((await one(1n)).topics[0].partitions[0]).toEqual({ partitionIndex: 0, lowWatermark: BigInt(3 + v), errorCode: 0 });
      expect((await one(-2n)).topics[0].partitions[0]).toEqual({ partitionIndex: 0, lowWatermark: -1n, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE });
    }
  } finally {
    c.close();
  }
  expect(await low('raw-trim')).toEqual([[0, 5, 10]]);
});
