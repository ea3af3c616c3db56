/**
 * The group state machine, driven request by request with a hand-driven
 * clock: every state transition, the timeouts that end each phase, static
 * membership, committed offsets and their expiry, and the error code Kafka
 * answers on each wrong path. Records the coordinator writes go to an
 * in-memory log and are read back through the real record codecs.
 */
import pino from 'pino';
import { GroupCoordinator, GroupCoordinatorSettings, GroupLog, JoinRequest, SyncRequest } from '../../src/cluster/group-coordinator';
import { Group, GroupState, JoinResult, Member } from '../../src/cluster/group';
import { KafkaError } from '../../src/cluster/kafka-error';
import { parseOffsetsTopicRecord } from '../../src/cluster/offsets-topic-records';
import { ErrorCode } from '../../src/protocol/error-codes';
import { FakeClock } from './fake-clock';

const SETTINGS: GroupCoordinatorSettings = {
  minSessionTimeoutMs: 6000,
  maxSessionTimeoutMs: 300000,
  initialRebalanceDelayMs: 0,
  maxGroupSize: 1000,
  offsetMetadataMaxBytes: 4096,
  offsetsRetentionMs: 7 * 24 * 3600 * 1000,
};

/** __consumer_offsets in memory; can fail or hold back the next writes. */
class MemoryLog implements GroupLog {
  readonly written: { groupId: string; key: Buffer; value: Buffer | null }[] = [];
  failWith: Error | null = null;
  held: (() => void)[] | null = null;

  async append(groupId: string, records: { key: Buffer; value: Buffer | null }[]): Promise<void> {
    if (this.failWith) throw this.failWith;
    if (this.held) await new Promise<void>((r) => this.held!.push(r));
    for (const r of records) this.written.push({ groupId, ...r });
  }

  release(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const r of held) r();
  }

  parsed() {
    return this.written.map((r) => parseOffsetsTopicRecord(r.key, r.value));
  }
}

/** A ConsumerProtocolSubscription v0 naming `topics`. */
function subscription(topics: string[]): Buffer {
  const parts = [Buffer.from([0, 0]), int32(topics.length)];
  for (const t of topics) parts.push(Buffer.from([0, Buffer.byteLength(t)]), Buffer.from(t));
  parts.push(int32(-1));
  return Buffer.concat(parts);
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

const flush = () => new Promise((r) => setImmediate(r));

/** A promise whose outcome can be looked at synchronously. */
function watch<T>(p: Promise<T>): { done: boolean; value: T } {
  const w = { done: false, value: undefined as unknown as T };
  void p.then((v) => {
    w.done = true;
    w.value = v;
  });
  return w;
}

let clock: FakeClock;
let store: MemoryLog;
let gc: GroupCoordinator;

function newCoordinator(settings: Partial<GroupCoordinatorSettings> = {}): GroupCoordinator {
  const c = new GroupCoordinator({ ...SETTINGS, ...settings }, store, clock, pino({ level: 'silent' }));
  return c;
}

beforeEach(() => {
  clock = new FakeClock();
  store = new MemoryLog();
  gc = newCoordinator();
  gc.finishLoading();
});

function joinReq(over: Partial<JoinRequest> = {}): JoinRequest {
  return {
    groupId: 'g',
    memberId: '',
    groupInstanceId: null,
    sessionTimeoutMs: 10000,
    rebalanceTimeoutMs: 30000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription(['t']) }],
    clientId: 'client',
    clientHost: '/127.0.0.1',
    requireKnownMemberId: false,
    supportSkippingAssignment: false,
    ...over,
  };
}

function syncReq(over: Partial<SyncRequest> & { memberId: string; generationId: number }): SyncRequest {
  return { groupId: 'g', groupInstanceId: null, protocolType: null, protocolName: null, assignments: new Map(), ...over };
}

function group(id = 'g'): Group {
  const g = gc.group(id);
  if (!g) throw new Error(`no group ${id}`);
  return g;
}

/** Joins a new member and lets the join phase end (initial delay 0). */
async function joinAlone(over: Partial<JoinRequest> = {}): Promise<JoinResult> {
  const p = watch(gc.join(joinReq(over)));
  clock.advance(0);
  await flush();
  expect(p.done).toBe(true);
  return p.value;
}

/** One member, joined and synced: a Stable group at generation 1. */
async function stableGroupOfOne(over: Partial<JoinRequest> = {}): Promise<string> {
  const j = await joinAlone(over);
  const s = await gc.sync(syncReq({ memberId: j.memberId, generationId: j.generationId, assignments: new Map([[j.memberId, Buffer.from('a1')]]) }));
  expect(s.errorCode).toBe(ErrorCode.NONE);
  expect(group().state).toBe(GroupState.Stable);
  return j.memberId;
}

/** Two members through a full rebalance; returns [leader, follower] ids at generation 2. */
async function stableGroupOfTwo(): Promise<[string, string]> {
  const first = await stableGroupOfOne();
  const second = watch(gc.join(joinReq({ clientId: 'second' })));
  await flush();
  expect(group().state).toBe(GroupState.PreparingRebalance);
  expect(gc.heartbeat('g', first, null, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  const rejoin = watch(gc.join(joinReq({ memberId: first })));
  await flush();
  expect(rejoin.done && second.done).toBe(true);
  const leader = rejoin.value.leader;
  const follower = leader === first ? second.value.memberId : first;
  const assignments = new Map([
    [leader, Buffer.from('for-leader')],
    [follower, Buffer.from('for-follower')],
  ]);
  const fs = watch(gc.sync(syncReq({ memberId: follower, generationId: 2 })));
  const ls = await gc.sync(syncReq({ memberId: leader, generationId: 2, assignments }));
  await flush();
  expect(ls.errorCode).toBe(ErrorCode.NONE);
  expect(fs.value.assignment.toString()).toBe('for-follower');
  return [leader, follower];
}

describe('Group state transitions', () => {
  test('only the transitions Kafka allows', () => {
    const allowed: [GroupState, GroupState][] = [
      [GroupState.Empty, GroupState.PreparingRebalance],
      [GroupState.PreparingRebalance, GroupState.CompletingRebalance],
      [GroupState.PreparingRebalance, GroupState.Empty],
      [GroupState.CompletingRebalance, GroupState.Stable],
      [GroupState.CompletingRebalance, GroupState.PreparingRebalance],
      [GroupState.Stable, GroupState.PreparingRebalance],
    ];
    const states = Object.values(GroupState);
    for (const from of states) {
      for (const to of states) {
        const g = new Group('x', 0);
        g.state = from;
        const legal = to === GroupState.Dead || allowed.some(([a, b]) => a === from && b === to);
        if (legal) expect(() => g.transitionTo(to, 1)).not.toThrow();
        else expect(() => g.transitionTo(to, 1)).toThrow(/illegal transition/);
      }
    }
  });
});

describe('joining', () => {
  test('first member: Empty -> PreparingRebalance -> CompletingRebalance, becomes leader of generation 1', async () => {
    const p = watch(gc.join(joinReq()));
    await flush();
    expect(group().state).toBe(GroupState.PreparingRebalance);
    expect(p.done).toBe(false);
    clock.advance(0);
    await flush();
    expect(p.value.errorCode).toBe(ErrorCode.NONE);
    expect(p.value.generationId).toBe(1);
    expect(p.value.memberId).toMatch(/^client-[0-9a-f-]{36}$/);
    expect(p.value.leader).toBe(p.value.memberId);
    expect(p.value.protocolName).toBe('range');
    expect(p.value.protocolType).toBe('consumer');
    expect(p.value.members.map((m) => m.memberId)).toEqual([p.value.memberId]);
    expect(p.value.members[0].metadata).toEqual(subscription(['t']));
    expect(group().state).toBe(GroupState.CompletingRebalance);
  });

  test('v4+: a new member is first given an id (MEMBER_ID_REQUIRED) and joins when it comes back with it', async () => {
    const first = await gc.join(joinReq({ requireKnownMemberId: true }));
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^client-/);
    expect(group().size).toBe(0);
    const second = await joinAlone({ requireKnownMemberId: true, memberId: first.memberId });
    expect(second.errorCode).toBe(ErrorCode.NONE);
    expect(second.memberId).toBe(first.memberId);
  });

  test('the initial rebalance delay waits for more members, extending while they arrive', async () => {
    gc = newCoordinator({ initialRebalanceDelayMs: 3000 });
    gc.finishLoading();
    const a = watch(gc.join(joinReq({ clientId: 'a' })));
    clock.advance(2000);
    const b = watch(gc.join(joinReq({ clientId: 'b' })));
    clock.advance(1000); // first delay ends; a member arrived meanwhile, so it is extended by 3000
    await flush();
    expect(a.done || b.done).toBe(false);
    clock.advance(3000);
    await flush();
    expect(a.value.generationId).toBe(1);
    expect(b.value.generationId).toBe(1);
    expect(group().size).toBe(2);
  });

  test('a second member triggers a rebalance; the old member rejoins; the leader alone gets every member', async () => {
    const first = await stableGroupOfOne();
    const second = watch(gc.join(joinReq({ clientId: 'second' })));
    await flush();
    expect(group().state).toBe(GroupState.PreparingRebalance);
    expect(second.done).toBe(false); // held until every known member has rejoined
    const rejoin = watch(gc.join(joinReq({ memberId: first })));
    await flush();
    expect(rejoin.value.generationId).toBe(2);
    expect(second.value.generationId).toBe(2);
    expect(rejoin.value.leader).toBe(first); // the leader stays when it rejoins
    expect(rejoin.value.members.map((m) => m.memberId).sort()).toEqual([first, second.value.memberId].sort());
    expect(second.value.members).toEqual([]);
    expect(group().state).toBe(GroupState.CompletingRebalance);
  });

  test('the protocol chosen is one every member supports, by vote', async () => {
    const r = (name: string) => ({ name, metadata: Buffer.from(name) });
    const a = watch(gc.join(joinReq({ protocols: [r('cooperative-sticky'), r('range')] })));
    const b = watch(gc.join(joinReq({ protocols: [r('range'), r('roundrobin')] })));
    const c = watch(gc.join(joinReq({ protocols: [r('range'), r('cooperative-sticky')] })));
    clock.advance(0);
    await flush();
    // Only range is common to all three.
    expect([a, b, c].map((x) => x.value.protocolName)).toEqual(['range', 'range', 'range']);
    const leader = [a, b, c].find((x) => x.value.members.length > 0)!;
    expect(leader.value.members.map((m) => m.metadata.toString())).toEqual(['range', 'range', 'range']);
  });

  test('a member with no protocol in common, or another protocol type, gets INCONSISTENT_GROUP_PROTOCOL', async () => {
    await stableGroupOfOne();
    const other = await gc.join(joinReq({ protocols: [{ name: 'sticky', metadata: Buffer.alloc(0) }] }));
    expect(other.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const connect = await gc.join(joinReq({ protocolType: 'connect' }));
    expect(connect.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const none = await gc.join(joinReq({ groupId: 'fresh', protocols: [] }));
    expect(none.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect(group().state).toBe(GroupState.Stable);
  });

  test('bad group ids and session timeouts', async () => {
    expect((await gc.join(joinReq({ groupId: '' }))).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect((await gc.join(joinReq({ groupId: 'x'.repeat(32768) }))).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect((await gc.join(joinReq({ sessionTimeoutMs: 5999 }))).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await gc.join(joinReq({ sessionTimeoutMs: 300001 }))).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await joinAlone({ sessionTimeoutMs: 6000 })).errorCode).toBe(ErrorCode.NONE);
  });

  test('a member id the group does not know gets UNKNOWN_MEMBER_ID, also for a group that does not exist', async () => {
    expect((await gc.join(joinReq({ groupId: 'nope', memberId: 'ghost' }))).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(gc.group('nope')).toBeUndefined();
    await stableGroupOfOne();
    expect((await gc.join(joinReq({ memberId: 'ghost' }))).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test('a follower rejoining a stable group unchanged gets the current generation without a rebalance', async () => {
    const [, follower] = await stableGroupOfTwo();
    const again = await gc.join(joinReq({ memberId: follower, clientId: 'second' }));
    expect(again.errorCode).toBe(ErrorCode.NONE);
    expect(again.generationId).toBe(2);
    expect(group().state).toBe(GroupState.Stable);
  });

  test('the leader rejoining a stable group starts a rebalance', async () => {
    const [leader] = await stableGroupOfTwo();
    const again = watch(gc.join(joinReq({ memberId: leader })));
    await flush();
    expect(group().state).toBe(GroupState.PreparingRebalance);
    expect(again.done).toBe(false);
  });

  test('group.max.size: a member beyond it gets GROUP_MAX_SIZE_REACHED', async () => {
    gc = newCoordinator({ maxGroupSize: 1 });
    gc.finishLoading();
    await stableGroupOfOne();
    expect((await gc.join(joinReq({ clientId: 'extra' }))).errorCode).toBe(ErrorCode.GROUP_MAX_SIZE_REACHED);
    expect(group().size).toBe(1);
  });
});

describe('syncing', () => {
  test('a follower SyncGroup is held until the leader sends the assignment, then gets its own', async () => {
    const first = await stableGroupOfOne();
    const second = watch(gc.join(joinReq({ clientId: 'second' })));
    const rejoin = watch(gc.join(joinReq({ memberId: first })));
    await flush();
    const follower = second.value.memberId;
    const fs = watch(gc.sync(syncReq({ memberId: follower, generationId: 2 })));
    clock.advance(9_000); // within the leader's session
    await flush();
    expect(fs.done).toBe(false); // never answered early
    store.held = [];
    const ls = watch(gc.sync(syncReq({ memberId: first, generationId: 2, assignments: new Map([[follower, Buffer.from('p0,p1')], [first, Buffer.from('p2')]]) })));
    await flush();
    expect(fs.done || ls.done).toBe(false); // not before the assignment is stored
    expect(group().state).toBe(GroupState.CompletingRebalance);
    store.release();
    await flush();
    expect(fs.value).toEqual({ errorCode: ErrorCode.NONE, protocolType: 'consumer', protocolName: 'range', assignment: Buffer.from('p0,p1') });
    expect(ls.value.assignment.toString()).toBe('p2');
    expect(group().state).toBe(GroupState.Stable);
    expect(rejoin.value.generationId).toBe(2);
  });

  test('a member the leader left out gets an empty assignment', async () => {
    const first = await stableGroupOfOne();
    const second = watch(gc.join(joinReq({ clientId: 'second' })));
    gc.join(joinReq({ memberId: first }));
    await flush();
    const fs = watch(gc.sync(syncReq({ memberId: second.value.memberId, generationId: 2 })));
    await gc.sync(syncReq({ memberId: first, generationId: 2, assignments: new Map([[first, Buffer.from('all')]]) }));
    await flush();
    expect(fs.value.errorCode).toBe(ErrorCode.NONE);
    expect(fs.value.assignment.length).toBe(0);
  });

  test('SyncGroup in a stable group answers the current assignment at once', async () => {
    const [, follower] = await stableGroupOfTwo();
    const s = await gc.sync(syncReq({ memberId: follower, generationId: 2 }));
    expect(s.assignment.toString()).toBe('for-follower');
  });

  test('wrong paths: REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, INCONSISTENT_GROUP_PROTOCOL', async () => {
    const first = await stableGroupOfOne();
    expect((await gc.sync(syncReq({ memberId: first, generationId: 7 }))).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await gc.sync(syncReq({ memberId: 'ghost', generationId: 1 }))).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await gc.sync(syncReq({ groupId: 'nope', memberId: first, generationId: 1 }))).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await gc.sync(syncReq({ memberId: first, generationId: 1, protocolName: 'roundrobin' }))).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await gc.sync(syncReq({ memberId: first, generationId: 1, protocolType: 'connect' }))).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await gc.sync(syncReq({ memberId: first, generationId: 1, protocolType: 'consumer', protocolName: 'range' }))).errorCode).toBe(ErrorCode.NONE);
    gc.join(joinReq({ clientId: 'second' }));
    await flush();
    expect((await gc.sync(syncReq({ memberId: first, generationId: 1 }))).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });

  test('a rebalance while followers wait in SyncGroup answers them REBALANCE_IN_PROGRESS', async () => {
    const first = await stableGroupOfOne();
    const second = watch(gc.join(joinReq({ clientId: 'second' })));
    gc.join(joinReq({ memberId: first }));
    await flush();
    const fs = watch(gc.sync(syncReq({ memberId: second.value.memberId, generationId: 2 })));
    gc.join(joinReq({ clientId: 'third' }));
    await flush();
    expect(fs.value.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(group().state).toBe(GroupState.PreparingRebalance);
  });

  test('if storing the assignment fails, members get the error and the group rebalances', async () => {
    const j = await joinAlone();
    store.failWith = new Error('disk full');
    const s = await gc.sync(syncReq({ memberId: j.memberId, generationId: 1, assignments: new Map([[j.memberId, Buffer.from('x')]]) }));
    await flush();
    expect(s.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(group().state).toBe(GroupState.PreparingRebalance);
  });

  test('members that never send SyncGroup are removed after the rebalance timeout and the group rebalances', async () => {
    const first = await stableGroupOfOne();
    gc.join(joinReq({ clientId: 'second' }));
    const rejoin = watch(gc.join(joinReq({ memberId: first })));
    await flush();
    expect(rejoin.value.generationId).toBe(2);
    // Only the leader syncs; the other keeps heartbeating but never syncs.
    const leaderSync = watch(gc.sync(syncReq({ memberId: first, generationId: 2, assignments: new Map() })));
    await flush();
    expect(leaderSync.done).toBe(true);
    const other = [...group().members.keys()].find((id) => id !== first)!;
    for (let t = 0; t < 30_000; t += 3_000) {
      clock.advance(3_000);
      gc.heartbeat('g', first, null, 2);
      gc.heartbeat('g', other, null, 2);
    }
    await flush();
    expect(group().size).toBe(1);
    expect(group().state).toBe(GroupState.PreparingRebalance);
  });
});

describe('heartbeats, sessions and leaving', () => {
  test('heartbeat answers by state', async () => {
    const j = await joinAlone();
    expect(gc.heartbeat('g', j.memberId, null, 1)).toBe(ErrorCode.NONE); // CompletingRebalance
    await gc.sync(syncReq({ memberId: j.memberId, generationId: 1 }));
    expect(gc.heartbeat('g', j.memberId, null, 1)).toBe(ErrorCode.NONE); // Stable
    expect(gc.heartbeat('g', j.memberId, null, 0)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(gc.heartbeat('g', 'ghost', null, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(gc.heartbeat('nope', j.memberId, null, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(gc.heartbeat('', j.memberId, null, 1)).toBe(ErrorCode.INVALID_GROUP_ID);
    gc.join(joinReq({ clientId: 'second' }));
    await flush();
    expect(gc.heartbeat('g', j.memberId, null, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });

  test('a member that stops heartbeating expires after its session timeout; its partitions go to the others', async () => {
    const [leader, follower] = await stableGroupOfTwo();
    clock.advance(9_000);
    expect(gc.heartbeat('g', leader, null, 2)).toBe(ErrorCode.NONE);
    clock.advance(1_001); // the follower's 10 s session is over
    expect(group().members.has(follower)).toBe(false);
    expect(group().state).toBe(GroupState.PreparingRebalance);
    expect(gc.heartbeat('g', leader, null, 2)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoin = watch(gc.join(joinReq({ memberId: leader })));
    await flush();
    expect(rejoin.value.generationId).toBe(3);
    expect(rejoin.value.members.map((m) => m.memberId)).toEqual([leader]);
  });

  test('a member that does not rejoin within the rebalance timeout is dropped and the rest carry on', async () => {
    const [leader, follower] = await stableGroupOfTwo();
    const third = watch(gc.join(joinReq({ clientId: 'third' })));
    const rejoin = watch(gc.join(joinReq({ memberId: leader })));
    // The follower keeps heartbeating (it is told to rejoin) but never does.
    for (let t = 0; t < 30_000; t += 3_000) {
      clock.advance(3_000);
      gc.heartbeat('g', follower, null, 2);
    }
    await flush();
    expect(rejoin.value.generationId).toBe(3);
    expect(third.value.generationId).toBe(3);
    expect(group().members.has(follower)).toBe(false);
  });

  test('a member id handed out with MEMBER_ID_REQUIRED holds the rebalance up for at most its session timeout', async () => {
    const first = await stableGroupOfOne();
    const pending = await gc.join(joinReq({ requireKnownMemberId: true, clientId: 'new' }));
    expect(pending.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    gc.join(joinReq({ clientId: 'other' })); // starts a rebalance
    const rejoin = watch(gc.join(joinReq({ memberId: first })));
    await flush();
    expect(rejoin.done).toBe(false); // waits for the pending member
    clock.advance(10_000);
    await flush();
    expect(rejoin.value.generationId).toBe(2);
    expect(group().members.has(pending.memberId)).toBe(false);
  });

  test('the last member leaving: PreparingRebalance -> Empty, a new generation stored with no members', async () => {
    const first = await stableGroupOfOne();
    const left = gc.leave('g', [{ memberId: first, groupInstanceId: null }]);
    expect(left).toEqual({ errorCode: ErrorCode.NONE, members: [{ memberId: first, groupInstanceId: null, errorCode: ErrorCode.NONE }] });
    // Nobody is left to wait for: the join phase ends at once, as Kafka's DelayedJoin does.
    expect(group().state).toBe(GroupState.Empty);
    await flush();
    expect(group().generationId).toBe(2);
    const last = store.parsed().at(-1)!;
    expect(last).toMatchObject({ kind: 'group', group: 'g', value: { generation: 2, protocolType: 'consumer', protocol: null, leader: null, members: [] } });
  });

  test('a member leaving in the middle of a join phase lets it finish without waiting', async () => {
    const [leader, follower] = await stableGroupOfTwo();
    const rejoin = watch(gc.join(joinReq({ memberId: leader })));
    await flush();
    expect(rejoin.done).toBe(false);
    gc.leave('g', [{ memberId: follower, groupInstanceId: null }]);
    await flush();
    expect(rejoin.value.generationId).toBe(3);
  });

  test('LeaveGroup errors per member', async () => {
    const first = await stableGroupOfOne();
    expect(gc.leave('nope', [{ memberId: 'x', groupInstanceId: null }])).toEqual({
      errorCode: ErrorCode.NONE,
      members: [{ memberId: 'x', groupInstanceId: null, errorCode: ErrorCode.UNKNOWN_MEMBER_ID }],
    });
    const r = gc.leave('g', [
      { memberId: 'ghost', groupInstanceId: null },
      { memberId: '', groupInstanceId: 'no-such-instance' },
      { memberId: first, groupInstanceId: null },
    ]);
    expect(r.members.map((m) => m.errorCode)).toEqual([ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.NONE]);
    expect(gc.leave('', []).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
  });

  test('a parked JoinGroup of an expired new member is answered UNKNOWN_MEMBER_ID', async () => {
    // A static member that never rejoins (but stays alive) keeps the join phase open for its 10-minute rebalance
    // timeout; a new member's JoinGroup is given up after 5 minutes.
    const staticId = await stableGroupOfOne({ groupInstanceId: 'static-1', sessionTimeoutMs: 300000, rebalanceTimeoutMs: 600000 });
    const newcomer = watch(gc.join(joinReq({ clientId: 'newcomer' })));
    clock.advance(200_000);
    gc.heartbeat('g', staticId, 'static-1', 1);
    clock.advance(99_999);
    await flush();
    expect(newcomer.done).toBe(false);
    clock.advance(1);
    await flush();
    expect(newcomer.value.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });
});

describe('static membership', () => {
  test('a static member restarting in a stable group takes over its slot without a rebalance; the old id is fenced', async () => {
    const [leader, follower] = await stableGroupOfTwoStatic();
    const restarted = await gc.join(joinReq({ groupInstanceId: 'i-follower', clientId: 'second' }));
    expect(restarted.errorCode).toBe(ErrorCode.NONE);
    expect(restarted.memberId).not.toBe(follower);
    expect(restarted.memberId).toMatch(/^i-follower-/);
    expect(restarted.generationId).toBe(2);
    expect(restarted.members).toEqual([]);
    expect(group().state).toBe(GroupState.Stable);
    expect(gc.heartbeat('g', follower, 'i-follower', 2)).toBe(ErrorCode.FENCED_INSTANCE_ID);
    // An instance id the group does not know: UNKNOWN_MEMBER_ID, even from a member it knows (Kafka's validateMember).
    expect(gc.heartbeat('g', restarted.memberId, 'i-other', 2)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await gc.sync(syncReq({ memberId: restarted.memberId, groupInstanceId: 'i-other', generationId: 2 }))).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(gc.heartbeat('g', restarted.memberId, 'i-follower', 2)).toBe(ErrorCode.NONE);
    const s = await gc.sync(syncReq({ memberId: restarted.memberId, groupInstanceId: 'i-follower', generationId: 2 }));
    expect(s.assignment.toString()).toBe('for-follower');
    expect((await gc.join(joinReq({ memberId: follower, groupInstanceId: 'i-follower' }))).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(gc.leave('g', [{ memberId: follower, groupInstanceId: 'i-follower' }]).members[0].errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(leader).not.toBe(follower);
  });

  test('a restarting static leader: v9 gets the members with skipAssignment, older versions the old leader id', async () => {
    const [leader] = await stableGroupOfTwoStatic();
    const v9 = await gc.join(joinReq({ groupInstanceId: 'i-leader', supportSkippingAssignment: true }));
    expect(v9.skipAssignment).toBe(true);
    expect(v9.leader).toBe(v9.memberId);
    expect(v9.members).toHaveLength(2);
    const v8 = await gc.join(joinReq({ groupInstanceId: 'i-leader' }));
    expect(v8.skipAssignment).toBe(false);
    expect(v8.leader).toBe(v9.memberId); // the leader id before this join: not this member's new id
    expect(v8.members).toEqual([]);
    expect(group().state).toBe(GroupState.Stable);
    expect(leader).not.toBe(v9.memberId);
  });

  test('a static member removed by instance id alone (admin LeaveGroup)', async () => {
    await stableGroupOfTwoStatic();
    const r = gc.leave('g', [{ memberId: '', groupInstanceId: 'i-follower' }]);
    expect(r.members[0].errorCode).toBe(ErrorCode.NONE);
    expect(group().state).toBe(GroupState.PreparingRebalance);
  });

  test('a static member that does not rejoin is not dropped at the end of the join phase; its session decides', async () => {
    const [leader] = await stableGroupOfTwoStatic();
    const rejoin = watch(gc.join(joinReq({ memberId: leader, groupInstanceId: 'i-leader' })));
    clock.advance(9_999);
    gc.heartbeat('g', leader, 'i-leader', 2);
    await flush();
    expect(rejoin.done).toBe(false);
    clock.advance(1); // the follower's session (10 s) ends: it is removed and the join phase completes
    await flush();
    expect(rejoin.value.generationId).toBe(3);
    expect(rejoin.value.members).toHaveLength(1);
  });
});

async function stableGroupOfTwoStatic(): Promise<[string, string]> {
  const a = await joinAlone({ groupInstanceId: 'i-leader' });
  await gc.sync(syncReq({ memberId: a.memberId, groupInstanceId: 'i-leader', generationId: 1 }));
  const b = watch(gc.join(joinReq({ groupInstanceId: 'i-follower', clientId: 'second' })));
  const ra = watch(gc.join(joinReq({ memberId: a.memberId, groupInstanceId: 'i-leader' })));
  await flush();
  expect(ra.value.generationId).toBe(2);
  const fs = watch(gc.sync(syncReq({ memberId: b.value.memberId, groupInstanceId: 'i-follower', generationId: 2 })));
  await gc.sync(
    syncReq({
      memberId: a.memberId,
      groupInstanceId: 'i-leader',
      generationId: 2,
      assignments: new Map([
        [a.memberId, Buffer.from('for-leader')],
        [b.value.memberId, Buffer.from('for-follower')],
      ]),
    }),
  );
  await flush();
  expect(fs.value.errorCode).toBe(ErrorCode.NONE);
  return [a.memberId, b.value.memberId];
}

describe('committed offsets', () => {
  const commit = (over: Partial<Parameters<GroupCoordinator['commitOffsets']>[0]> = {}) =>
    gc.commitOffsets({
      groupId: 'g',
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      retentionTimeMs: -1,
      apiVersion: 8,
      offsets: [{ topic: 't', partition: 0, offset: 42n, leaderEpoch: 3, metadata: 'meta' }],
      ...over,
    });

  test('a member commits; OffsetFetch returns offset, leader epoch and metadata; unknown partitions -1', async () => {
    const [leader] = await stableGroupOfTwo();
    expect(await commit({ generationId: 2, memberId: leader })).toEqual([ErrorCode.NONE]);
    const f = gc.fetchOffsets('g', [{ name: 't', partitions: [0, 1] }, { name: 'other', partitions: [0] }]);
    expect(f).toEqual({
      errorCode: ErrorCode.NONE,
      topics: [
        { name: 't', partitions: [{ partition: 0, offset: 42n, leaderEpoch: 3, metadata: 'meta' }, { partition: 1, offset: -1n, leaderEpoch: -1, metadata: '' }] },
        { name: 'other', partitions: [{ partition: 0, offset: -1n, leaderEpoch: -1, metadata: '' }] },
      ],
    });
    expect(gc.fetchOffsets('g', null).topics).toEqual([{ name: 't', partitions: [{ partition: 0, offset: 42n, leaderEpoch: 3, metadata: 'meta' }] }]);
    expect(gc.fetchOffsets('nope', null)).toEqual({ errorCode: ErrorCode.NONE, topics: [] });
  });

  test('a client outside group management (generation -1) creates an Empty group with its offsets', async () => {
    expect(await commit()).toEqual([ErrorCode.NONE]);
    expect(group().state).toBe(GroupState.Empty);
    expect(group().protocolType).toBeNull();
    expect(gc.list([], []).groups).toEqual([{ groupId: 'g', protocolType: '', groupState: 'Empty', groupType: 'classic' }]);
  });

  test('who may commit when', async () => {
    expect(await commit({ groupId: 'nope', generationId: 3, memberId: 'm' })).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    // From OffsetCommit v9 Kafka names the problem.
    expect(await commit({ groupId: 'nope', generationId: 3, memberId: 'm', apiVersion: 9 })).toEqual([ErrorCode.GROUP_ID_NOT_FOUND]);
    expect(gc.group('nope')).toBeUndefined();
    const [leader] = await stableGroupOfTwo();
    expect(await commit()).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]); // outsiders only while the group is empty
    expect(await commit({ generationId: 1, memberId: leader })).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    expect(await commit({ generationId: 2, memberId: 'ghost' })).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(await commit({ generationId: 2, memberId: leader, groupInstanceId: 'unknown-instance' })).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    gc.join(joinReq({ clientId: 'third' }));
    await flush();
    // PreparingRebalance: commits of the current generation are still taken.
    expect(await commit({ generationId: 2, memberId: leader })).toEqual([ErrorCode.NONE]);
    gc.join(joinReq({ memberId: leader }));
    clock.advance(10_000); // the follower's session ends; the other two have rejoined
    await flush();
    expect(group().state).toBe(GroupState.CompletingRebalance);
    expect(await commit({ generationId: 3, memberId: leader })).toEqual([ErrorCode.REBALANCE_IN_PROGRESS]);
  });

  test('metadata over offset.metadata.max.bytes gets OFFSET_METADATA_TOO_LARGE for that partition only', async () => {
    const codes = await commit({
      offsets: [
        { topic: 't', partition: 0, offset: 1n, leaderEpoch: -1, metadata: 'x'.repeat(4097) },
        { topic: 't', partition: 1, offset: 2n, leaderEpoch: -1, metadata: null },
      ],
    });
    expect(codes).toEqual([ErrorCode.OFFSET_METADATA_TOO_LARGE, ErrorCode.NONE]);
    expect(gc.fetchOffsets('g', null).topics[0].partitions).toEqual([{ partition: 1, offset: 2n, leaderEpoch: -1, metadata: '' }]);
  });

  test('a failed write is not acknowledged and not remembered', async () => {
    store.failWith = new KafkaError(ErrorCode.MESSAGE_TOO_LARGE, 'too big');
    expect(await commit()).toEqual([ErrorCode.INVALID_COMMIT_OFFSET_SIZE]);
    store.failWith = new Error('EIO');
    expect(await commit()).toEqual([ErrorCode.NOT_COORDINATOR]);
    expect(gc.fetchOffsets('g', null).topics).toEqual([]);
  });

  test('commits are written as Kafka offset-commit records', async () => {
    await commit({ retentionTimeMs: 60_000 });
    await commit({ retentionTimeMs: -1 });
    const [withExpiry, plain] = store.parsed();
    // With an expire time Kafka writes value v1, which has no leader epoch; without, v3, which has.
    expect(plain).toMatchObject({ kind: 'offset', value: { leaderEpoch: 3, expireTimestamp: -1n } });
    expect(withExpiry).toEqual({
      kind: 'offset',
      group: 'g',
      topic: 't',
      partition: 0,
      value: { offset: 42n, leaderEpoch: -1, metadata: 'meta', commitTimestamp: BigInt(clock.now()), expireTimestamp: BigInt(clock.now() + 60_000) },
    });
  });

  test('offsets of an empty group expire offsets.retention after it became empty; then the group goes', async () => {
    const first = await stableGroupOfOne();
    await commit({ generationId: 1, memberId: first });
    gc.leave('g', [{ memberId: first, groupInstanceId: null }]);
    clock.advance(0);
    await flush();
    expect(group().state).toBe(GroupState.Empty);
    clock.advance(SETTINGS.offsetsRetentionMs - 1);
    await gc.expireOffsets();
    expect(group().hasOffsets).toBe(true);
    clock.advance(1);
    await gc.expireOffsets();
    expect(gc.group('g')).toBeUndefined();
    expect(store.parsed().slice(-2)).toEqual([
      { kind: 'offset', group: 'g', topic: 't', partition: 0, value: null },
      { kind: 'group', group: 'g', value: null },
    ]);
  });

  test('a stable consumer group keeps offsets of topics it subscribes to and loses the others after retention', async () => {
    const first = await stableGroupOfOne({ sessionTimeoutMs: 300000 });
    await commit({
      generationId: 1,
      memberId: first,
      offsets: [
        { topic: 't', partition: 0, offset: 1n, leaderEpoch: -1, metadata: '' },
        { topic: 'old', partition: 0, offset: 1n, leaderEpoch: -1, metadata: '' },
      ],
    });
    for (let t = 0; t < SETTINGS.offsetsRetentionMs; t += 250_000) {
      clock.advance(250_000);
      expect(gc.heartbeat('g', first, null, 1)).toBe(ErrorCode.NONE);
    }
    await gc.expireOffsets();
    expect(gc.fetchOffsets('g', null).topics.map((t) => t.name)).toEqual(['t']);
  });

  test('an explicit retention time (v2-4) expires the offset at its own time', async () => {
    await commit({ retentionTimeMs: 1000 });
    clock.advance(999);
    await gc.expireOffsets();
    expect(gc.fetchOffsets('g', null).topics).toHaveLength(1);
    clock.advance(1);
    await gc.expireOffsets();
    expect(gc.group('g')).toBeUndefined();
  });

  test('deleting a topic deletes its committed offsets', async () => {
    await commit({ offsets: [{ topic: 't', partition: 0, offset: 1n, leaderEpoch: -1, metadata: '' }, { topic: 'u', partition: 0, offset: 1n, leaderEpoch: -1, metadata: '' }] });
    await gc.onTopicsDeleted(['t']);
    expect(gc.fetchOffsets('g', null).topics.map((t) => t.name)).toEqual(['u']);
    expect(store.parsed().at(-1)).toEqual({ kind: 'offset', group: 'g', topic: 't', partition: 0, value: null });
  });
});

describe('admin', () => {
  test('DescribeGroups shows metadata and assignments only while Stable; unknown groups are Dead', async () => {
    const j = await joinAlone();
    const during = gc.describe('g');
    expect(during).toMatchObject({ errorCode: ErrorCode.NONE, groupState: 'CompletingRebalance', protocolType: 'consumer', protocolData: '' });
    expect(during.members[0].memberMetadata.length).toBe(0);
    await gc.sync(syncReq({ memberId: j.memberId, generationId: 1, assignments: new Map([[j.memberId, Buffer.from('mine')]]) }));
    await flush();
    const stable = gc.describe('g');
    expect(stable).toMatchObject({ groupState: 'Stable', protocolData: 'range' });
    expect(stable.members).toEqual([
      { memberId: j.memberId, groupInstanceId: null, clientId: 'client', clientHost: '/127.0.0.1', memberMetadata: subscription(['t']), memberAssignment: Buffer.from('mine') },
    ]);
    expect(gc.describe('nope')).toEqual({ errorCode: ErrorCode.NONE, groupState: 'Dead', protocolType: '', protocolData: '', members: [] });
  });

  test('ListGroups filters by state and type, case-insensitively', async () => {
    await stableGroupOfOne();
    await gc.commitOffsets({ groupId: 'offsets-only', generationId: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1, apiVersion: 8, offsets: [{ topic: 't', partition: 0, offset: 1n, leaderEpoch: -1, metadata: '' }] });
    expect(gc.list([], []).groups.map((g) => g.groupId).sort()).toEqual(['g', 'offsets-only']);
    expect(gc.list(['stable'], []).groups.map((g) => g.groupId)).toEqual(['g']);
    expect(gc.list(['Empty'], ['Classic']).groups.map((g) => g.groupId)).toEqual(['offsets-only']);
    expect(gc.list([], ['consumer']).groups).toEqual([]);
  });

  test('DeleteGroups: empty groups go with their offsets; live ones get NON_EMPTY_GROUP; unknown GROUP_ID_NOT_FOUND', async () => {
    await stableGroupOfOne();
    await gc.commitOffsets({ groupId: 'idle', generationId: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1, apiVersion: 8, offsets: [{ topic: 't', partition: 0, offset: 1n, leaderEpoch: -1, metadata: '' }] });
    expect(await gc.deleteGroups(['g', 'idle', 'nope'])).toEqual([ErrorCode.NON_EMPTY_GROUP, ErrorCode.NONE, ErrorCode.GROUP_ID_NOT_FOUND]);
    expect(gc.group('idle')).toBeUndefined();
    expect(gc.fetchOffsets('idle', null).topics).toEqual([]);
    expect(store.parsed().slice(-2)).toEqual([
      { kind: 'offset', group: 'idle', topic: 't', partition: 0, value: null },
      { kind: 'group', group: 'idle', value: null },
    ]);
  });

  test('OffsetDelete: refused for topics a live consumer group subscribes to, done for the rest', async () => {
    const first = await stableGroupOfOne();
    await gc.commitOffsets({
      groupId: 'g',
      generationId: 1,
      memberId: first,
      groupInstanceId: null,
      retentionTimeMs: -1,
      apiVersion: 8,
      offsets: [
        { topic: 't', partition: 0, offset: 1n, leaderEpoch: -1, metadata: '' },
        { topic: 'u', partition: 0, offset: 1n, leaderEpoch: -1, metadata: '' },
      ],
    });
    const r = await gc.deleteOffsets('g', [
      { topic: 't', partition: 0 },
      { topic: 'u', partition: 0 },
    ]);
    expect(r).toEqual({ errorCode: ErrorCode.NONE, partitionErrors: [ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, ErrorCode.NONE] });
    expect(gc.fetchOffsets('g', null).topics.map((t) => t.name)).toEqual(['t']);
    expect((await gc.deleteOffsets('nope', [])).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    expect((await gc.deleteOffsets('', [])).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
  });
});

describe('loading and shutdown', () => {
  test('until loaded, group requests get COORDINATOR_LOAD_IN_PROGRESS', async () => {
    const loading = newCoordinator();
    expect((await loading.join(joinReq())).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect(loading.heartbeat('g', 'm', null, 1)).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect(loading.fetchOffsets('g', null).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect(loading.list([], []).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect(loading.describe('g').errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  });

  test('what was written is loaded back: a stable group with its members and assignments, and its offsets', async () => {
    const [leader, follower] = await stableGroupOfTwo();
    await gc.commitOffsets({ groupId: 'g', generationId: 2, memberId: leader, groupInstanceId: null, retentionTimeMs: -1, apiVersion: 8, offsets: [{ topic: 't', partition: 3, offset: 99n, leaderEpoch: 5, metadata: 'm' }] });
    await gc.commitOffsets({ groupId: 'gone', generationId: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1, apiVersion: 8, offsets: [{ topic: 't', partition: 0, offset: 1n, leaderEpoch: -1, metadata: '' }] });
    await gc.deleteGroups(['gone']);

    const restarted = newCoordinator();
    for (const r of store.parsed()) restarted.loadRecord(r);
    restarted.finishLoading();
    gc = restarted;
    expect(gc.group('gone')).toBeUndefined();
    expect(group().state).toBe(GroupState.Stable);
    expect(group().generationId).toBe(2);
    expect(group().leaderId).toBe(leader);
    expect(gc.fetchOffsets('g', null).topics).toEqual([{ name: 't', partitions: [{ partition: 3, offset: 99n, leaderEpoch: 5, metadata: 'm' }] }]);
    expect(gc.heartbeat('g', follower, null, 2)).toBe(ErrorCode.NONE);
    expect((await gc.sync(syncReq({ memberId: follower, generationId: 2 }))).assignment.toString()).toBe('for-follower');
    // The leader never comes back: its session expires and the follower is told to rejoin.
    clock.advance(5_000);
    expect(gc.heartbeat('g', follower, null, 2)).toBe(ErrorCode.NONE);
    clock.advance(5_001);
    expect(group().members.has(leader)).toBe(false);
    expect(gc.heartbeat('g', follower, null, 2)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });

  test('shutdown answers parked JoinGroups and SyncGroups NOT_COORDINATOR, then refuses', async () => {
    const first = await stableGroupOfOne();
    const second = watch(gc.join(joinReq({ clientId: 'second' })));
    await flush();
    gc.shutdown();
    await flush();
    expect(second.value.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(gc.heartbeat('g', first, null, 1)).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(clock.pending).toBe(0);
  });
});

test('Member.matches compares protocols in order with their metadata', () => {
  const m = new Member('m', null, 'c', 'h', 'consumer', 1, 1, [{ name: 'a', metadata: Buffer.from('1') }]);
  expect(m.matches([{ name: 'a', metadata: Buffer.from('1') }])).toBe(true);
  expect(m.matches([{ name: 'a', metadata: Buffer.from('2') }])).toBe(false);
  expect(m.matches([{ name: 'a', metadata: Buffer.from('1') }, { name: 'b', metadata: Buffer.from('1') }])).toBe(false);
});

