/**
 * Consumer-group APIs over real TCP against a running broker, for what the
 * client libraries never send on purpose: every version's shape, bad group
 * ids and timeouts, commits for topics that do not exist, the internal
 * topic's visibility, and a member that goes silent.
 */
import { ErrorCode } from '../src/protocol/error-codes';
import {
  findCoordinatorRequest,
  findCoordinatorResponse,
  heartbeatRequest,
  heartbeatResponse,
  joinGroupRequest,
  joinGroupResponse,
  metadataRequest,
  metadataResponse,
  offsetCommitRequest,
  offsetCommitResponse,
  offsetFetchRequest,
  offsetFetchResponse,
  produceRequest,
  produceResponse,
  syncGroupRequest,
  syncGroupResponse,
} from '../src/protocol/messages';
import { ZERO_UUID } from '../src/protocol/primitives';
import { buildRecordBatch } from '../src/protocol/record-batch';
import { useBroker } from './helpers/broker-process';
import { RawClient } from './helpers/raw-client';

const broker = useBroker({ args: ['--group-min-session-timeout-ms', '500', '--default-partitions', '2'] });
let c: RawClient;

beforeAll(async () => {
  c = await RawClient.open(broker.current.port);
  // Creates the topic 't' (2 partitions) through Metadata auto-creation.
  await c.request(3, metadataRequest, metadataResponse, 4, { topics: [{ name: 't' }], allowAutoTopicCreation: true });
});
afterAll(() => c?.close());

const join = (client: RawClient, version: number, body: Partial<Parameters<typeof joinGroupRequest.encode>[0]>) =>
  client.request(11, joinGroupRequest, joinGroupResponse, version, {
    groupId: 'g',
    sessionTimeoutMs: 10000,
    rebalanceTimeoutMs: 10000,
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from([0, 0, 0, 0, 0, 1, 0, 1, 116, 255, 255, 255, 255]) }],
    reason: null,
    ...body,
  });

/** Joins a group with v3 (before MEMBER_ID_REQUIRED) and syncs; returns member id and generation. */
async function joinAndSync(client: RawClient, groupId: string, sessionTimeoutMs = 10000) {
  const j = await join(client, 3, { groupId, sessionTimeoutMs });
  expect(j.errorCode).toBe(ErrorCode.NONE);
  const assignments = j.members.map((m) => ({ memberId: m.memberId, assignment: Buffer.from('a') }));
  const s = await client.request(14, syncGroupRequest, syncGroupResponse, 3, { groupId, generationId: j.generationId, memberId: j.memberId, groupInstanceId: null, assignments });
  expect(s.errorCode).toBe(ErrorCode.NONE);
  return { memberId: j.memberId, generationId: j.generationId };
}

test('FindCoordinator names this broker for groups at every version; key types it has no coordinator for are refused', async () => {
  for (let v = 0; v <= 3; v++) {
    const r = await c.request(10, findCoordinatorRequest, findCoordinatorResponse, v, { key: 'g', keyType: 0, coordinatorKeys: [] });
    expect(r).toMatchObject({ errorCode: ErrorCode.NONE, nodeId: 1, host: '127.0.0.1', port: broker.current.port });
  }
  for (let v = 4; v <= 6; v++) {
    const r = await c.request(10, findCoordinatorRequest, findCoordinatorResponse, v, { key: '', keyType: 0, coordinatorKeys: ['a', 'b'] });
    expect(r.coordinators.map((x) => [x.key, x.errorCode, x.port])).toEqual([
      ['a', ErrorCode.NONE, broker.current.port],
      ['b', ErrorCode.NONE, broker.current.port],
    ]);
  }
  const txn = await c.request(10, findCoordinatorRequest, findCoordinatorResponse, 3, { key: 'tx', keyType: 1, coordinatorKeys: [] });
  expect(txn.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  const bad = await c.request(10, findCoordinatorRequest, findCoordinatorResponse, 4, { key: '', keyType: 7, coordinatorKeys: ['x'] });
  expect(bad.coordinators[0].errorCode).toBe(ErrorCode.INVALID_REQUEST);
});

test('__consumer_offsets is listed as internal (as Kafka lists it), described when named, and refuses client writes', async () => {
  const all = await c.request(3, metadataRequest, metadataResponse, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
  expect(all.topics.filter((t) => t.isInternal).map((t) => t.name)).toEqual(['__consumer_offsets']);
  expect(all.topics.find((t) => t.name === 't')?.isInternal).toBe(false);
  const named = await c.request(3, metadataRequest, metadataResponse, 12, { topics: [{ name: '__consumer_offsets', topicId: ZERO_UUID }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
  expect(named.topics[0]).toMatchObject({ errorCode: ErrorCode.NONE, name: '__consumer_offsets', isInternal: true });
  expect(named.topics[0].partitions).toHaveLength(50);
  const p = await c.request(0, produceRequest, produceResponse, 9, {
    transactionalId: null,
    acks: 1,
    timeoutMs: 1000,
    topicData: [{ name: '__consumer_offsets', partitionData: [{ index: 0, records: buildRecordBatch([{ key: Buffer.from('x'), value: Buffer.from('y') }]) }] }],
  });
  expect(p.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
});

test('JoinGroup: bad group ids and session timeouts, MEMBER_ID_REQUIRED from v4, v0 without a rebalance timeout', async () => {
  expect((await join(c, 5, { groupId: '' })).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
  expect((await join(c, 5, { sessionTimeoutMs: 499 })).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
  expect((await join(c, 5, { sessionTimeoutMs: 1800001 })).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
  expect((await join(c, 5, { groupId: 'absent', memberId: 'who' })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  const first = await join(c, 4, { groupId: 'v4' });
  expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
  expect(first.memberId).toMatch(/^raw-client-/);
  const second = await join(c, 4, { groupId: 'v4', memberId: first.memberId });
  expect(second).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1, memberId: first.memberId, leader: first.memberId, protocolName: 'range' });
  const v0 = await join(c, 0, { groupId: 'v0' });
  expect(v0).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1 });
  const other = await join(c, 5, { groupId: 'v0', protocolType: 'connect' });
  expect(other.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
});

test('SyncGroup and Heartbeat: wrong generation, unknown member', async () => {
  const m = await joinAndSync(c, 'sync-errors');
  const sync = (generationId: number, memberId: string) =>
    c.request(14, syncGroupRequest, syncGroupResponse, 5, { groupId: 'sync-errors', generationId, memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [] });
  expect((await sync(m.generationId + 1, m.memberId)).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
  expect((await sync(m.generationId, 'nobody')).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  const stable = await sync(m.generationId, m.memberId);
  expect(stable).toMatchObject({ errorCode: ErrorCode.NONE, protocolType: 'consumer', protocolName: 'range', assignment: Buffer.from('a') });
  const hb = (generationId: number, memberId: string) => c.request(12, heartbeatRequest, heartbeatResponse, 4, { groupId: 'sync-errors', generationId, memberId, groupInstanceId: null });
  expect((await hb(m.generationId, m.memberId)).errorCode).toBe(ErrorCode.NONE);
  expect((await hb(m.generationId - 1, m.memberId)).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
  expect((await hb(m.generationId, 'nobody')).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
});

test('OffsetCommit: unknown topics and partitions get UNKNOWN_TOPIC_OR_PARTITION each; the rest are stored with metadata and leader epoch', async () => {
  const r = await c.request(8, offsetCommitRequest, offsetCommitResponse, 8, {
    groupId: 'committer',
    generationIdOrMemberEpoch: -1,
    memberId: '',
    groupInstanceId: null,
    retentionTimeMs: -1n,
    topics: [
      {
        name: 't',
        partitions: [
          { partitionIndex: 0, committedOffset: 7n, committedLeaderEpoch: 4, committedMetadata: 'hello' },
          { partitionIndex: 9, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null },
        ],
      },
      { name: 'no-such-topic', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] },
    ],
  });
  // As Kafka's response builder lists them: the partitions that failed validation first, then the stored ones.
  expect(r.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.errorCode])])).toEqual([
    ['t', [[9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], [0, ErrorCode.NONE]]],
    ['no-such-topic', [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
  ]);
  // v1: one group, errors per partition; v8: several groups in one request.
  const v1 = await c.request(9, offsetFetchRequest, offsetFetchResponse, 1, { groupId: 'committer', topics: [{ name: 't', partitionIndexes: [0, 1] }], groups: [], requireStable: false });
  expect(v1.topics[0].partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata, p.errorCode])).toEqual([
    [0, 7n, 'hello', ErrorCode.NONE],
    [1, -1n, '', ErrorCode.NONE],
  ]);
  const v8 = await c.request(9, offsetFetchRequest, offsetFetchResponse, 8, {
    groupId: '',
    topics: null,
    groups: [
      { groupId: 'committer', memberId: null, memberEpoch: -1, topics: null },
      { groupId: 'nobody-home', memberId: null, memberEpoch: -1, topics: [{ name: 't', partitionIndexes: [0] }] },
    ],
    requireStable: true,
  });
  expect(v8.groups.map((g) => [g.groupId, g.errorCode, g.topics.map((t) => [t.name, t.partitions.map((p) => [p.committedOffset, p.committedLeaderEpoch, p.metadata])])])).toEqual([
    ['committer', ErrorCode.NONE, [['t', [[7n, 4, 'hello']]]]],
    ['nobody-home', ErrorCode.NONE, [['t', [[-1n, -1, '']]]]],
  ]);
});

test('a member that goes silent is expired after its session timeout and the other is told to rejoin', async () => {
  const a = await RawClient.open(broker.current.port);
  const b = await RawClient.open(broker.current.port);
  try {
    const ma = await joinAndSync(a, 'expiry', 1000);
    // b joins: a learns of the rebalance from its heartbeat and rejoins with it.
    const bJoin = join(b, 3, { groupId: 'expiry', sessionTimeoutMs: 1000 });
    const hb = await a.request(12, heartbeatRequest, heartbeatResponse, 3, { groupId: 'expiry', generationId: ma.generationId, memberId: ma.memberId, groupInstanceId: null });
    expect(hb.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const [ja, jb] = await Promise.all([join(a, 3, { groupId: 'expiry', memberId: ma.memberId, sessionTimeoutMs: 1000 }), bJoin]);
    expect(ja.generationId).toBe(jb.generationId);
    const leader = ja.members.length > 0 ? a : b;
    const leaderJoin = ja.members.length > 0 ? ja : jb;
    const followerJoin = ja.members.length > 0 ? jb : ja;
    const follower = leader === a ? b : a;
    const assignments = leaderJoin.members.map((m) => ({ memberId: m.memberId, assignment: Buffer.from(m.memberId) }));
    const followerSync = follower.request(14, syncGroupRequest, syncGroupResponse, 3, { groupId: 'expiry', generationId: followerJoin.generationId, memberId: followerJoin.memberId, groupInstanceId: null, assignments: [] });
    await leader.request(14, syncGroupRequest, syncGroupResponse, 3, { groupId: 'expiry', generationId: leaderJoin.generationId, memberId: leaderJoin.memberId, groupInstanceId: null, assignments });
    expect((await followerSync).assignment.toString()).toBe(followerJoin.memberId);
    // The follower now goes silent; the leader keeps heartbeating and is told to rejoin once the follower expires.
    const started = Date.now();
    let code: number = ErrorCode.NONE;
    while (code === ErrorCode.NONE && Date.now() - started < 5000) {
      await new Promise((r) => setTimeout(r, 100));
      code = (await leader.request(12, heartbeatRequest, heartbeatResponse, 3, { groupId: 'expiry', generationId: leaderJoin.generationId, memberId: leaderJoin.memberId, groupInstanceId: null })).errorCode;
    }
    const waited = Date.now() - started;
    expect(code).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(waited).toBeGreaterThanOrEqual(800);
    expect(waited).toBeLessThan(1000 + 700);
    const rejoin = await join(leader, 3, { groupId: 'expiry', memberId: leaderJoin.memberId, sessionTimeoutMs: 1000 });
    expect(rejoin.members.map((m) => m.memberId)).toEqual([leaderJoin.memberId]);
  } finally {
    a.close();
    b.close();
  }
});
