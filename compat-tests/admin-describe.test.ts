/**
 * DescribeCluster, DescribeLogDirs, OffsetForLeaderEpoch and ElectLeaders
 * against a running broker: through @platformatic/kafka (its admin's
 * describeLogDirs, and its own DescribeCluster v1 / OffsetForLeaderEpoch v4
 * encoders and parsers on a bare connection), kafkajs's describeCluster,
 * and every version through the raw client.
 */
import { readdirSync, statSync, statfsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ErrorCode } from '../src/protocol/error-codes';
import {
  describeClusterRequest,
  describeClusterResponse,
  describeLogDirsRequest,
  describeLogDirsResponse,
  electLeadersRequest,
  electLeadersResponse,
  findCoordinatorRequest,
  findCoordinatorResponse,
  offsetForLeaderEpochRequest,
  offsetForLeaderEpochResponse,
} from '../src/protocol/messages';
import { scriptClient } from './clients/run';
import { useBroker, useKafkajsClients } from './helpers/broker-process';
import { kcat } from './helpers/kcat';
import { RawClient } from './helpers/raw-client';

jest.setTimeout(60000);

const broker = useBroker();
const clients = useKafkajsClients(broker, 'compat-admin-describe');
const plt = scriptClient(process.execPath, 'platformatic_admin.mjs', () => broker.current.bootstrap);
let raw: RawClient;

beforeAll(async () => {
  await clients.admin.createTopics({ topics: [{ topic: 'dirs', numPartitions: 3 }, { topic: 'epochs', numPartitions: 1 }] });
  for (let i = 0; i < 5; i++) await clients.producer.send({ topic: 'dirs', messages: [{ partition: 1, value: `v${i}`.repeat(50) }] });
  await clients.producer.send({ topic: 'epochs', messages: Array.from({ length: 7 }, (_, i) => ({ partition: 0, value: `e${i}` })) });
  raw = await RawClient.open(broker.current.port);
  await raw.request(10, findCoordinatorRequest, findCoordinatorResponse, 1, { key: 'g', keyType: 0, coordinatorKeys: [] }); // creates __consumer_offsets
});
afterAll(() => raw?.close());

/** Bytes of a partition's segment files on disk. */
const sizeOnDisk = (dir: string) =>
  readdirSync(join(broker.current.dataDir, dir))
    .filter((f) => f.endsWith('.log'))
    .reduce((n, f) => n + statSync(join(broker.current.dataDir, dir, f)).size, 0);

describe('DescribeCluster', () => {
  test('v0-v2: this broker, its cluster id (as kafkajs and kcat see them), the cluster operations when asked', async () => {
    const kj = await clients.admin.describeCluster();
    const k = JSON.parse((await kcat(['-b', broker.current.bootstrap, '-L', '-J'])).stdout);
    for (let v = 0; v <= 2; v++) {
      const res = await raw.request(60, describeClusterRequest, describeClusterResponse, v, {
        includeClusterAuthorizedOperations: v === 1,
        endpointType: 1,
        includeFencedBrokers: true,
      });
      expect(res).toEqual({
        throttleTimeMs: 0,
        errorCode: 0,
        errorMessage: null,
        endpointType: 1,
        clusterId: kj.clusterId,
        controllerId: kj.controller,
        brokers: [{ brokerId: 1, host: '127.0.0.1', port: broker.current.port, rack: null, isFenced: false }],
        // CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE
        clusterAuthorizedOperations: v === 1 ? 0b1_1111_1010_0000 : -2147483648,
      });
    }
    expect(kj.brokers).toEqual([{ nodeId: 1, host: '127.0.0.1', port: broker.current.port }]);
    expect(k.controllerid).toBe(1);
  });

  test('endpointType 2 (controllers) is MISMATCHED_ENDPOINT_TYPE, others UNSUPPORTED_ENDPOINT_TYPE, as Kafka answers on a broker', async () => {
    for (let v = 1; v <= 2; v++) {
      const ask = (endpointType: number) =>
        raw.request(60, describeClusterRequest, describeClusterResponse, v, { includeClusterAuthorizedOperations: false, endpointType, includeFencedBrokers: false });
      expect(await ask(2)).toMatchObject({
        errorCode: ErrorCode.MISMATCHED_ENDPOINT_TYPE,
        errorMessage: 'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER',
        clusterId: '',
        brokers: [],
      });
      for (const t of [0, 3, -1]) expect(await ask(t)).toMatchObject({ errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, errorMessage: `Unsupported endpoint type ${t}` });
    }
  });

  test("@platformatic/kafka's DescribeCluster v1 parses our answer", async () => {
    const res = await plt.ok('describe_cluster', { includeClusterAuthorizedOperations: true });
    expect(res).toMatchObject({ errorCode: 0, controllerId: 1, brokers: [{ brokerId: 1, host: '127.0.0.1', port: broker.current.port, rack: null }] });
    const refused = await plt.ok('describe_cluster', { endpointType: 2 });
    expect(refused).toMatchObject({ thrown: expect.any(String), response: { errorCode: ErrorCode.MISMATCHED_ENDPOINT_TYPE } });
  });
});

describe('DescribeLogDirs', () => {
  test('@platformatic/kafka describeLogDirs: the data directory, each partition with its size on disk', async () => {
    const res = await plt.ok('describe_log_dirs', { topics: [{ name: 'dirs', partitions: [0, 1, 2, 9] }] });
    expect(res.brokers).toHaveLength(1);
    const [dir] = res.brokers[0].results;
    expect(dir.logDir).toBe(resolve(broker.current.dataDir));
    expect(dir.topics).toEqual([
      {
        name: 'dirs',
        partitions: [0, 1, 2].map((p) => ({ partitionIndex: p, partitionSize: String(sizeOnDisk(`dirs-${p}`)), offsetLag: '0', isFutureKey: false })),
      },
    ]);
    expect(Number(dir.topics[0].partitions[1].partitionSize)).toBeGreaterThan(250);
    const fs = statfsSync(broker.current.dataDir);
    expect(Number(dir.totalBytes)).toBe(fs.blocks * fs.bsize);
    expect(Number(dir.usableBytes)).toBeGreaterThan(0);
    expect(Number(dir.usableBytes)).toBeLessThanOrEqual(Number(dir.totalBytes));
  });

  test('v1-v4: null topics means every partition (internal ones too); unknown ones are left out; v3 errorCode, v4 volume sizes', async () => {
    for (let v = 1; v <= 4; v++) {
      const all = await raw.request(35, describeLogDirsRequest, describeLogDirsResponse, v, { topics: null });
      expect(all.errorCode).toBe(0);
      expect(all.results).toHaveLength(1);
      const byTopic = Object.fromEntries(all.results[0].topics.map((t) => [t.name, t.partitions.length]));
      expect(byTopic).toMatchObject({ dirs: 3, epochs: 1, __consumer_offsets: 50 });
      expect(all.results[0].totalBytes > 0n).toBe(v >= 4);
      const some = await raw.request(35, describeLogDirsRequest, describeLogDirsResponse, v, {
        topics: [
          { topic: 'epochs', partitions: [0, 5] },
          { topic: 'missing', partitions: [0] },
        ],
      });
      expect(some.results[0].topics).toEqual([
        { name: 'epochs', partitions: [{ partitionIndex: 0, partitionSize: BigInt(sizeOnDisk('epochs-0')), offsetLag: 0n, isFutureKey: false }] },
      ]);
      const none = await raw.request(35, describeLogDirsRequest, describeLogDirsResponse, v, { topics: [] });
      expect(none.results[0].topics).toEqual([]);
    }
  });
});

describe('OffsetForLeaderEpoch', () => {
  const ask = (v: number, partitions: { partition: number; currentLeaderEpoch: number; leaderEpoch: number }[], topic = 'epochs') =>
    raw.request(23, offsetForLeaderEpochRequest, offsetForLeaderEpochResponse, v, { replicaId: -1, topics: [{ topic, partitions }] });

  test('v0-v4: our epoch 0 ends at the log end offset; later or undefined epochs are unknown (-1, -1); older ones start at the log start', async () => {
    for (let v = 0; v <= 4; v++) {
      const res = await ask(v, [
        { partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 },
        { partition: 0, currentLeaderEpoch: -1, leaderEpoch: 3 },
        { partition: 0, currentLeaderEpoch: -1, leaderEpoch: -1 },
        { partition: 0, currentLeaderEpoch: -1, leaderEpoch: -5 },
        { partition: 4, currentLeaderEpoch: -1, leaderEpoch: 0 },
      ]);
      const epoch = (e: number) => (v >= 1 ? e : -1); // the answer's epoch exists from v1
      expect(res.topics).toEqual([
        {
          topic: 'epochs',
          partitions: [
            { errorCode: 0, partition: 0, leaderEpoch: epoch(0), endOffset: 7n },
            { errorCode: 0, partition: 0, leaderEpoch: -1, endOffset: -1n },
            { errorCode: 0, partition: 0, leaderEpoch: -1, endOffset: -1n },
            { errorCode: 0, partition: 0, leaderEpoch: epoch(-5), endOffset: 0n },
            { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, partition: 4, leaderEpoch: -1, endOffset: -1n },
          ],
        },
      ]);
    }
    const unknown = await ask(4, [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }], 'nowhere');
    expect(unknown.topics[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  test('v2+: currentLeaderEpoch above ours is UNKNOWN_LEADER_EPOCH, below (not -1) FENCED_LEADER_EPOCH; ours passes', async () => {
    for (let v = 2; v <= 4; v++) {
      const res = await ask(v, [
        { partition: 0, currentLeaderEpoch: 1, leaderEpoch: 0 },
        { partition: 0, currentLeaderEpoch: -2, leaderEpoch: 0 },
        { partition: 0, currentLeaderEpoch: 0, leaderEpoch: 0 },
      ]);
      expect(res.topics[0].partitions.map((p) => [p.errorCode, p.endOffset])).toEqual([
        [ErrorCode.UNKNOWN_LEADER_EPOCH, -1n],
        [ErrorCode.FENCED_LEADER_EPOCH, -1n],
        [0, 7n],
      ]);
    }
  });

  test("@platformatic/kafka's OffsetForLeaderEpoch v4, as a consumer would check for truncation", async () => {
    const res = await plt.ok('offset_for_leader_epoch', {
      topics: [{ name: 'epochs', partitions: [{ partitionIndex: 0, currentLeaderEpoch: 0, leaderEpoch: 0 }] }],
    });
    expect(res).toEqual({ throttleTimeMs: 0, topics: [{ topic: 'epochs', partitions: [{ partition: 0, errorCode: 0, leaderEpoch: 0, endOffset: '7' }] }] });
    // after DeleteRecords an older epoch starts at the new log start offset
    await clients.admin.fetchTopicOffsets('epochs');
    await clients.admin.deleteTopicRecords({ topic: 'epochs', partitions: [{ partition: 0, offset: '3' }] });
    const older = await ask(4, [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: -7 }]);
    expect(older.topics[0].partitions[0]).toMatchObject({ leaderEpoch: -7, endOffset: 3n });
  });
});

describe('ElectLeaders', () => {
  const elect = (v: number, electionType: number, topicPartitions: { topic: string; partitions: number[] }[] | null) =>
    raw.request(43, electLeadersRequest, electLeadersResponse, v, { electionType, topicPartitions, timeoutMs: 1000 });

  test('v0-v2: every partition already has its preferred leader: ELECTION_NOT_NEEDED; unknown ones UNKNOWN_TOPIC_OR_PARTITION', async () => {
    for (let v = 0; v <= 2; v++) {
      for (const electionType of v === 0 ? [0] : [0, 1]) {
        const res = await elect(v, electionType, [
          { topic: 'dirs', partitions: [0, 2, 7] },
          { topic: 'missing', partitions: [0] },
        ]);
        expect(res).toEqual({
          throttleTimeMs: 0,
          errorCode: 0,
          replicaElectionResults: [
            {
              topic: 'dirs',
              partitionResult: [
                { partitionId: 0, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: 'Leader election not needed for topic partition.' },
                { partitionId: 2, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: 'Leader election not needed for topic partition.' },
                { partitionId: 7, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'No such partition as dirs-7' },
              ],
            },
            { topic: 'missing', partitionResult: [{ partitionId: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'No such topic as missing' }] },
          ],
        });
      }
    }
  });

  test('null partitions: every topic, none needing an election; an unknown election type is INVALID_REQUEST', async () => {
    const all = await elect(2, 0, null);
    expect(all.errorCode).toBe(0);
    expect(all.replicaElectionResults.map((r) => r.topic).sort()).toEqual(['__consumer_offsets', 'dirs', 'epochs']);
    for (const r of all.replicaElectionResults) expect(r.partitionResult).toEqual([]);
    const bad = await elect(1, 5, [{ topic: 'dirs', partitions: [0] }]);
    expect(bad).toEqual({
      throttleTimeMs: 0,
      errorCode: ErrorCode.INVALID_REQUEST,
      replicaElectionResults: [{ topic: 'dirs', partitionResult: [{ partitionId: 0, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Unknown election type 5' }] }],
    });
  });
});
