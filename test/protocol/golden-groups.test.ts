/**
 * Golden bytes for the consumer-group APIs (OffsetCommit, OffsetFetch,
 * FindCoordinator, JoinGroup, Heartbeat, LeaveGroup, SyncGroup,
 * DescribeGroups, ListGroups, DeleteGroups, OffsetDelete), as golden.test.ts
 * does for the others:
 *
 * - request bodies captured from kafkajs's and @platformatic/kafka's encoders
 *   (fixtures/*-group-requests.json, regenerate with fixtures/capture.js)
 *   decode to the values the clients were given and re-encode to the same
 *   bytes;
 * - our encoding of each response decodes with kafkajs's decoders and
 *   platformatic's parsers, at every version they have inside our ranges, to
 *   the values we encoded.
 *
 * Group protocol metadata and assignments are opaque bytes to the broker;
 * here they are the consumer protocol's, encoded with kafkajs's
 * AssignerProtocol.
 */
import { ErrorCode } from '../../src/protocol/error-codes';
import { ZERO_UUID } from '../../src/protocol/primitives';
import {
  deleteGroupsResponse,
  describeGroupsResponse,
  findCoordinatorResponse,
  heartbeatResponse,
  joinGroupResponse,
  leaveGroupResponse,
  listGroupsResponse,
  messagesFor,
  offsetCommitResponse,
  offsetDeleteResponse,
  offsetFetchResponse,
  syncGroupResponse,
} from '../../src/protocol/messages';
import {
  FixtureChecks,
  Obj,
  PltCases,
  encode,
  fixtureVersions,
  kafkajsDecode,
  loadFixtures,
  platformaticParse,
  testEachFixture,
  throttle,
} from './golden-helpers';

const { AssignerProtocol } = require('kafkajs') as {
  AssignerProtocol: { MemberMetadata: { encode(m: Obj): Buffer }; MemberAssignment: { encode(a: Obj): Buffer } };
};

// What fixtures/capture.js asks both clients to send.
const SUBSCRIPTION = AssignerProtocol.MemberMetadata.encode({ version: 1, topics: ['topic-a', 'topic-b'], userData: Buffer.from('ud') });
const assignment = (partitions: number[]) =>
  AssignerProtocol.MemberAssignment.encode({ version: 1, assignment: { 'topic-a': partitions }, userData: Buffer.alloc(0) });
const GROUPS = ['group-1', 'group-2'];
const FETCH_TOPICS = [
  { name: 'topic-a', partitionIndexes: [0, 2] },
  { name: 'topic-b', partitionIndexes: [1] },
];
/** The same, as decoded from a v8+ request (whose topic entries also have v10's topicId, at its default). */
const FETCH_TOPICS_V8 = FETCH_TOPICS.map((t) => ({ ...t, topicId: ZERO_UUID }));
const MEMBER = { groupId: 'group-1', generationId: 3, memberId: 'member-1' };

// ------------------------------------------------------------------- requests

/** What each request decodes to, by version: fields outside a version take their defaults. */
const EXPECT: FixtureChecks = {
  OffsetCommit: (v, value) => {
    expect(value).toEqual({
      groupId: 'group-1',
      generationIdOrMemberEpoch: 3,
      memberId: 'member-1',
      groupInstanceId: v >= 7 ? 'instance-1' : null,
      retentionTimeMs: v <= 4 ? 86400000n : -1n,
      topics: [
        {
          name: 'topic-a',
          topicId: ZERO_UUID,
          partitions: [
            { partitionIndex: 0, committedOffset: 42n, committedLeaderEpoch: v >= 6 ? 5 : -1, committedMetadata: 'meta' },
            { partitionIndex: 1, committedOffset: 7n, committedLeaderEpoch: -1, committedMetadata: null },
          ],
        },
      ],
    });
  },
  OffsetFetch: (v, value) => {
    expect(value).toEqual(
      v < 8
        ? { groupId: 'group-1', topics: FETCH_TOPICS, groups: [], requireStable: false }
        : {
            groupId: '',
            topics: [],
            groups: [
              { groupId: 'group-1', memberId: v >= 9 ? 'member-1' : null, memberEpoch: v >= 9 ? 4 : -1, topics: FETCH_TOPICS_V8 },
              { groupId: 'group-2', memberId: null, memberEpoch: -1, topics: null },
            ],
            requireStable: true,
          },
    );
  },
  FindCoordinator: (v, value) => {
    if (v === 0) expect(value).toEqual({ key: 'group-1', keyType: 0, coordinatorKeys: [] });
    else if (v < 4) expect(value).toEqual({ key: 'tx-1', keyType: 1, coordinatorKeys: [] });
    else expect(value).toEqual({ key: '', keyType: 0, coordinatorKeys: GROUPS });
  },
  JoinGroup: (v, value) => {
    expect(value).toEqual({
      groupId: 'group-1',
      sessionTimeoutMs: 30000,
      rebalanceTimeoutMs: v >= 1 ? 60000 : -1,
      memberId: 'member-1',
      groupInstanceId: v >= 5 ? 'instance-1' : null,
      protocolType: 'consumer',
      protocols: [
        { name: 'roundrobin', metadata: SUBSCRIPTION },
        { name: 'empty', metadata: Buffer.alloc(0) },
      ],
      reason: v >= 8 ? 'rejoining' : null,
    });
  },
  Heartbeat: (v, value) => {
    expect(value).toEqual({ ...MEMBER, groupInstanceId: v >= 3 ? 'instance-1' : null });
  },
  LeaveGroup: (v, value) => {
    expect(value).toEqual(
      v < 3
        ? { groupId: 'group-1', memberId: 'member-1', members: [] }
        : {
            groupId: 'group-1',
            memberId: '',
            members: [
              { memberId: 'member-1', groupInstanceId: 'instance-1', reason: v >= 5 ? 'shutting down' : null },
              { memberId: 'member-2', groupInstanceId: null, reason: null },
            ],
          },
    );
  },
  SyncGroup: (v, value) => {
    expect(value).toEqual({
      ...MEMBER,
      groupInstanceId: v >= 3 ? 'instance-1' : null,
      protocolType: v >= 5 ? 'consumer' : null,
      protocolName: v >= 5 ? 'roundrobin' : null,
      assignments: [
        { memberId: 'member-1', assignment: assignment([0]) },
        { memberId: 'member-2', assignment: assignment([1, 2]) },
      ],
    });
  },
  DescribeGroups: (v, value) => {
    expect(value).toEqual({ groups: GROUPS, includeAuthorizedOperations: v >= 3 });
  },
  ListGroups: (v, value) => {
    if (v < 4) expect(value).toEqual({ statesFilter: [], typesFilter: [] });
    // platformatic's v4 encoder PascalCases the states it is given ("stable" → "Stable").
    else if (v === 4) expect(value).toEqual({ statesFilter: ['Stable', 'Empty'], typesFilter: [] });
    else expect(value).toEqual({ statesFilter: ['Stable'], typesFilter: ['classic', 'consumer'] });
  },
  DeleteGroups: (_v, value) => {
    expect(value).toEqual({ groupsNames: GROUPS });
  },
  OffsetDelete: (_v, value) => {
    expect(value).toEqual({ groupId: 'group-1', topics: [{ name: 'topic-a', partitions: [{ partitionIndex: 0 }, { partitionIndex: 1 }] }] });
  },
};

describe.each([
  {
    client: 'kafkajs',
    file: 'kafkajs-group-requests.json',
    // Every kafkajs version inside our ranges (OffsetCommit v0-1 are below them).
    versions: {
      OffsetCommit: [2, 3, 4, 5],
      OffsetFetch: [1, 2, 3, 4],
      FindCoordinator: [0, 1, 2],
      JoinGroup: [0, 1, 2, 3, 4, 5],
      Heartbeat: [0, 1, 2, 3],
      LeaveGroup: [0, 1, 2, 3],
      SyncGroup: [0, 1, 2, 3],
      DescribeGroups: [0, 1, 2],
      ListGroups: [0, 1, 2],
      DeleteGroups: [0, 1],
    },
  },
  {
    client: '@platformatic/kafka',
    file: 'platformatic-group-requests.json',
    versions: {
      OffsetCommit: [8, 9],
      OffsetFetch: [8, 9],
      FindCoordinator: [4, 5, 6],
      JoinGroup: [6, 7, 8, 9],
      Heartbeat: [4],
      LeaveGroup: [4, 5],
      SyncGroup: [4, 5],
      DescribeGroups: [5],
      ListGroups: [4, 5],
      DeleteGroups: [2],
      OffsetDelete: [0],
    },
  },
])('$client group request encodings decode with our codecs', ({ file, versions }) => {
  const fixtures = loadFixtures(file);

  test('fixtures cover every version the client has', () => {
    expect(fixtureVersions(fixtures)).toEqual(versions);
  });

  testEachFixture(fixtures, EXPECT);
});

// ----------------------------------------------------------- response values

/** Per-partition results (OffsetCommit, OffsetDelete): partition 0 fine, partition 1 failed with `error`. */
const topicResults = (error: ErrorCode) => [
  {
    name: 'topic-a',
    partitions: [
      { partitionIndex: 0, errorCode: ErrorCode.NONE },
      { partitionIndex: 1, errorCode: error },
    ],
  },
];

const offsetCommitValue = { throttleTimeMs: 7, topics: topicResults(ErrorCode.UNKNOWN_MEMBER_ID) };

const committedPartitions = [
  { partitionIndex: 0, committedOffset: 42n, committedLeaderEpoch: 5, metadata: 'meta', errorCode: ErrorCode.NONE },
  { partitionIndex: 2, committedOffset: -1n, committedLeaderEpoch: -1, metadata: null, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION },
];

/** Up to v7 the topics (and errorCode) at the top are on the wire, from v8 the groups. */
const offsetFetchValue = {
  throttleTimeMs: 8,
  topics: [{ name: 'topic-a', partitions: committedPartitions }],
  errorCode: ErrorCode.NONE,
  groups: [
    { groupId: 'group-1', topics: [{ name: 'topic-a', partitions: committedPartitions }], errorCode: ErrorCode.NONE },
    { groupId: 'group-2', topics: [], errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
  ],
};

/** Up to v3 the one coordinator at the top is on the wire, from v4 the list. */
const findCoordinatorValue = {
  throttleTimeMs: 9,
  errorCode: ErrorCode.NONE,
  errorMessage: null,
  nodeId: 1,
  host: 'broker-1',
  port: 9092,
  coordinators: [
    { key: 'group-1', nodeId: 1, host: 'broker-1', port: 9092, errorCode: ErrorCode.NONE, errorMessage: null },
    { key: 'group-2', nodeId: -1, host: '', port: -1, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: 'loading' },
  ],
};

const joinGroupValue = {
  throttleTimeMs: 10,
  errorCode: ErrorCode.NONE,
  generationId: 3,
  protocolType: 'consumer',
  protocolName: 'roundrobin',
  leader: 'member-1',
  skipAssignment: true,
  memberId: 'member-2',
  members: [
    { memberId: 'member-1', groupInstanceId: 'instance-1', metadata: SUBSCRIPTION },
    { memberId: 'member-2', groupInstanceId: null, metadata: Buffer.alloc(0) },
  ],
};

const heartbeatValue = { throttleTimeMs: 11, errorCode: ErrorCode.REBALANCE_IN_PROGRESS };

const leaveGroupValue = {
  throttleTimeMs: 12,
  errorCode: ErrorCode.NONE,
  members: [
    { memberId: 'member-1', groupInstanceId: 'instance-1', errorCode: ErrorCode.NONE },
    { memberId: 'member-2', groupInstanceId: null, errorCode: ErrorCode.UNKNOWN_MEMBER_ID },
  ],
};

const syncGroupValue = {
  throttleTimeMs: 13,
  errorCode: ErrorCode.NONE,
  protocolType: 'consumer',
  protocolName: 'roundrobin',
  assignment: assignment([1, 2]),
};

const describeGroupsValue = {
  throttleTimeMs: 14,
  groups: [
    {
      errorCode: ErrorCode.NONE,
      groupId: 'group-1',
      groupState: 'Stable',
      protocolType: 'consumer',
      protocolData: 'roundrobin',
      members: [
        {
          memberId: 'member-1',
          groupInstanceId: 'instance-1',
          clientId: 'client-1',
          clientHost: '/127.0.0.1',
          memberMetadata: SUBSCRIPTION,
          memberAssignment: assignment([0]),
        },
      ],
      authorizedOperations: 0x0ca0,
    },
    { errorCode: ErrorCode.NONE, groupId: 'group-2', groupState: 'Dead', protocolType: '', protocolData: '', members: [], authorizedOperations: -2147483648 },
  ],
};

const listGroupsValue = {
  throttleTimeMs: 15,
  errorCode: ErrorCode.NONE,
  groups: [
    { groupId: 'group-1', protocolType: 'consumer', groupState: 'Stable', groupType: 'classic' },
    { groupId: 'connect-1', protocolType: 'connect', groupState: 'Empty', groupType: 'classic' },
  ],
};

const deleteGroupsValue = {
  throttleTimeMs: 16,
  results: [
    { groupId: 'group-1', errorCode: ErrorCode.NONE },
    { groupId: 'group-2', errorCode: ErrorCode.NON_EMPTY_GROUP },
  ],
};

const offsetDeleteValue = { errorCode: ErrorCode.NONE, throttleTimeMs: 17, topics: topicResults(ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC) };

/** Buffers as platformatic-parse.mjs prints them. */
const hexOf = (b: Buffer) => ({ hex: b.toString('hex') });

// ---------------------------------------------------------- kafkajs responses

describe('our group responses decode with kafkajs', () => {
  test.each([2, 3, 4, 5])('OffsetCommit v%i', async (v) => {
    const got = await kafkajsDecode('offsetCommit', v)(encode(offsetCommitResponse, offsetCommitValue, v));
    expect(got).toEqual({
      ...(v >= 3 ? throttle(v, 4, 7) : {}),
      responses: [
        {
          topic: 'topic-a',
          partitions: [
            { partition: 0, errorCode: 0 },
            { partition: 1, errorCode: ErrorCode.UNKNOWN_MEMBER_ID },
          ],
        },
      ],
    });
  });

  test.each([1, 2, 3, 4])('OffsetFetch v%i', async (v) => {
    const got = await kafkajsDecode('offsetFetch', v)(encode(offsetFetchResponse, offsetFetchValue, v));
    expect(got).toEqual({
      ...(v >= 3 ? throttle(v, 4, 8) : {}),
      responses: [
        {
          topic: 'topic-a',
          partitions: committedPartitions.map((p) => ({ partition: p.partitionIndex, offset: String(p.committedOffset), metadata: p.metadata, errorCode: p.errorCode })),
        },
      ],
      ...(v >= 2 ? { errorCode: 0 } : {}),
    });
  });

  test.each([0, 1, 2])('FindCoordinator v%i', async (v) => {
    const got = await kafkajsDecode('findCoordinator', v)(encode(findCoordinatorResponse, findCoordinatorValue, v));
    expect(got).toEqual({
      ...(v >= 1 ? { ...throttle(v, 2, 9), errorMessage: null } : {}),
      errorCode: 0,
      coordinator: { nodeId: 1, host: 'broker-1', port: 9092 },
    });
  });

  test.each([0, 1, 2, 3, 4, 5])('JoinGroup v%i', async (v) => {
    const got = await kafkajsDecode('joinGroup', v)(encode(joinGroupResponse, joinGroupValue, v));
    expect(got).toEqual({
      ...(v >= 2 ? throttle(v, 3, 10) : {}),
      errorCode: 0,
      generationId: 3,
      groupProtocol: 'roundrobin',
      leaderId: 'member-1',
      memberId: 'member-2',
      members: joinGroupValue.members.map((m) => ({
        memberId: m.memberId,
        ...(v >= 5 ? { groupInstanceId: m.groupInstanceId } : {}),
        memberMetadata: m.metadata,
      })),
    });
  });

  test.each([0, 1, 2, 3])('Heartbeat v%i', async (v) => {
    const got = await kafkajsDecode('heartbeat', v)(encode(heartbeatResponse, heartbeatValue, v));
    expect(got).toEqual({ ...(v >= 1 ? throttle(v, 2, 11) : {}), errorCode: ErrorCode.REBALANCE_IN_PROGRESS });
  });

  test.each([0, 1, 2, 3])('LeaveGroup v%i', async (v) => {
    const got = await kafkajsDecode('leaveGroup', v)(encode(leaveGroupResponse, leaveGroupValue, v));
    expect(got).toEqual({ ...(v >= 1 ? throttle(v, 2, 12) : {}), errorCode: 0, ...(v >= 3 ? { members: leaveGroupValue.members } : {}) });
  });

  test.each([0, 1, 2, 3])('SyncGroup v%i', async (v) => {
    const got = await kafkajsDecode('syncGroup', v)(encode(syncGroupResponse, syncGroupValue, v));
    expect(got).toEqual({ ...(v >= 1 ? throttle(v, 2, 13) : {}), errorCode: 0, memberAssignment: syncGroupValue.assignment });
  });

  test.each([0, 1, 2])('DescribeGroups v%i', async (v) => {
    const got = await kafkajsDecode('describeGroups', v)(encode(describeGroupsResponse, describeGroupsValue, v));
    expect(got).toEqual({
      ...(v >= 1 ? throttle(v, 2, 14) : {}),
      groups: describeGroupsValue.groups.map((g) => ({
        errorCode: g.errorCode,
        groupId: g.groupId,
        state: g.groupState,
        protocolType: g.protocolType,
        protocol: g.protocolData,
        members: g.members.map(({ groupInstanceId: _, ...m }) => m),
      })),
    });
  });

  test.each([0, 1, 2])('ListGroups v%i', async (v) => {
    const got = await kafkajsDecode('listGroups', v)(encode(listGroupsResponse, listGroupsValue, v));
    expect(got).toEqual({
      ...(v >= 1 ? throttle(v, 2, 15) : {}),
      errorCode: 0,
      groups: listGroupsValue.groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType })),
    });
  });

  test.each([0, 1])('DeleteGroups v%i', async (v) => {
    const got = await kafkajsDecode('deleteGroups', v)(encode(deleteGroupsResponse, deleteGroupsValue, v));
    // kafkajs's v1 decoder adds throttleTime 0 and a clientSideThrottleTime read from a field its v0
    // decoder never sets (it names it throttleTimeMs): undefined. The wire value is throttleTimeMs.
    expect(got).toMatchObject({ throttleTimeMs: 16, results: deleteGroupsValue.results });
    expect(got.results[1].error).toMatchObject({ type: 'NON_EMPTY_GROUP' });
  });
});

// ----------------------------------------------------- platformatic responses

function pltCases() {
  const { add, cases } = new PltCases();
  for (const v of [8, 9]) add('OffsetCommit', `offsetCommitV${v}`, offsetCommitResponse, v, offsetCommitValue, offsetCommitValue);
  for (const v of [8, 9]) {
    add('OffsetFetch', `offsetFetchV${v}`, offsetFetchResponse, v, offsetFetchValue, {
      throttleTimeMs: 8,
      groups: offsetFetchValue.groups.map((g) => ({
        ...g,
        topics: g.topics.map((t) => ({ ...t, partitions: t.partitions.map((p) => ({ ...p, committedOffset: String(p.committedOffset) })) })),
      })),
    });
  }
  for (const v of [4, 5, 6]) {
    add('FindCoordinator', `findCoordinatorV${v}`, findCoordinatorResponse, v, findCoordinatorValue, {
      throttleTimeMs: 9,
      coordinators: findCoordinatorValue.coordinators,
    });
  }
  for (const v of [6, 7, 8, 9]) {
    add('JoinGroup', `joinGroupV${v}`, joinGroupResponse, v, joinGroupValue, {
      ...joinGroupValue,
      protocolType: v >= 7 ? 'consumer' : '', // v6's parser fills in ""
      skipAssignment: v >= 9,
      members: joinGroupValue.members.map((m) => ({ ...m, metadata: hexOf(m.metadata) })),
    });
  }
  add('Heartbeat', 'heartbeatV4', heartbeatResponse, 4, heartbeatValue, heartbeatValue);
  for (const v of [4, 5]) add('LeaveGroup', `leaveGroupV${v}`, leaveGroupResponse, v, leaveGroupValue, leaveGroupValue);
  for (const v of [4, 5]) {
    add('SyncGroup', `syncGroupV${v}`, syncGroupResponse, v, syncGroupValue, {
      ...syncGroupValue,
      protocolType: v >= 5 ? 'consumer' : null,
      protocolName: v >= 5 ? 'roundrobin' : null,
      assignment: hexOf(syncGroupValue.assignment),
    });
  }
  add('DescribeGroups', 'describeGroupsV5', describeGroupsResponse, 5, describeGroupsValue, {
    throttleTimeMs: 14,
    groups: describeGroupsValue.groups.map((g) => ({
      ...g,
      members: g.members.map((m) => ({ ...m, memberMetadata: hexOf(m.memberMetadata), memberAssignment: hexOf(m.memberAssignment) })),
    })),
  });
  for (const v of [4, 5]) {
    add('ListGroups', `listGroupsV${v}`, listGroupsResponse, v, listGroupsValue, {
      ...listGroupsValue,
      groups: listGroupsValue.groups.map(({ groupType, ...g }) => (v >= 5 ? { ...g, groupType } : g)),
    });
  }
  add('DeleteGroups', 'deleteGroupsV2', deleteGroupsResponse, 2, deleteGroupsValue, deleteGroupsValue);
  add('OffsetDelete', 'offsetDeleteV0', offsetDeleteResponse, 0, offsetDeleteValue, offsetDeleteValue);
  return cases;
}

/** Whether a value carries a non-zero errorCode at any depth (platformatic's parsers then throw). */
function hasError(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasError);
  if (v === null || typeof v !== 'object') return false;
  return Object.entries(v).some(([k, x]) => (k === 'errorCode' && x !== 0) || hasError(x));
}

describe('our group responses decode with @platformatic/kafka', () => {
  const cases = pltCases();
  let results: Obj[] = [];

  beforeAll(() => {
    results = platformaticParse(cases);
  });

  test.each(cases.map((c, i) => [c.name, i] as const))('%s', (_name, i) => {
    const got = results[i];
    // Every byte is read but the body's own (empty) tagged-field count, which these parsers leave.
    expect(got.remaining).toBe(messagesFor(cases[i].apiKey)!.response.isFlexible(cases[i].version) ? 1 : 0);
    // A parser that meets an error code throws, with what it parsed attached.
    if (hasError(cases[i].expected)) expect(got.error).toMatch(/Received response with error/);
    else expect(got.error).toBeUndefined();
    expect(got.response).toEqual(cases[i].expected);
  });
});
