/**
 * Consumer groups through kafkajs 2.2 against the broker as a real process:
 * partitions split between members, handed over on LeaveGroup and on a
 * member's death (session expiry), manual commits from eachBatch, resuming
 * at the committed offset after a consumer restart and after a broker
 * restart (graceful and SIGKILL), and the admin views of a group
 * (describeGroups, listGroups, fetchOffsets, setOffsets, resetOffsets,
 * deleteGroups, lag).
 *
 * kafkajs members learn of a rebalance only from a heartbeat, and heartbeat
 * only between fetches: the members here heartbeat every 500 ms and
 * long-poll for 200 ms so that a rebalance takes about a second.
 */
import {
  Admin,
  AssignerProtocol,
  Consumer,
  ConsumerConfig,
  ConsumerRunConfig,
  Kafka,
  KafkaJSDeleteGroupsError,
  logLevel,
  Producer,
} from 'kafkajs';
import { BrokerProcess, startBroker, useBroker } from './helpers/broker-process';
import { spawnScript, RunningScript } from './clients/run';

/** Each test's own limit (well under jest's 60 s testTimeout). */
const TEST_TIMEOUT = 45000;
const FAST: Partial<ConsumerConfig> = { heartbeatInterval: 500, maxWaitTimeInMs: 200, sessionTimeout: 6000 };

const broker = useBroker({}, TEST_TIMEOUT);

/** Everything a test connects, disconnected after it whatever happened. */
const open: { disconnect(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.disconnect().catch(() => undefined)));
}, TEST_TIMEOUT);

function kafkaFor(b: BrokerProcess, clientId = 'compat-groups'): Kafka {
  return new Kafka({ clientId, brokers: [b.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
}

async function connectAdmin(b: BrokerProcess = broker.current): Promise<Admin> {
  const admin = kafkaFor(b).admin();
  await admin.connect();
  open.push(admin);
  return admin;
}

async function connectProducer(b: BrokerProcess = broker.current): Promise<Producer> {
  const producer = kafkaFor(b).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  open.push(producer);
  return producer;
}

async function createTopic(topic: string, numPartitions: number, b: BrokerProcess = broker.current): Promise<void> {
  const admin = await connectAdmin(b);
  expect(await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true })).toBe(true);
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await probe();
    if (got !== undefined && got !== false) return got;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Rec {
  partition: number;
  offset: number;
  value: string;
}
const key = (r: { partition: number; offset: number }) => `${r.partition}@${r.offset}`;

/** Sends `perPartition` records to each partition (one batch each) and returns them with their offsets. */
async function produce(producer: Producer, topic: string, partitions: number[], perPartition: number, tag: string): Promise<Rec[]> {
  const out: Rec[] = [];
  for (const partition of partitions) {
    const values = Array.from({ length: perPartition }, (_, i) => `${tag}-p${partition}-${i}`);
    const [meta] = await producer.send({ topic, acks: -1, messages: values.map((value) => ({ partition, value })) });
    values.forEach((value, i) => out.push({ partition, offset: Number(meta.baseOffset) + i, value }));
  }
  return out;
}

/** A consumer in a group: its GROUP_JOIN assignments (of `topic`) and every record it was given. */
interface Member {
  consumer: Consumer;
  memberId: () => string;
  joins: number[][];
  /** The partitions of its latest GROUP_JOIN. */
  assignment: () => number[];
  received: Rec[];
  /** Fetch responses it has had (kafkajs's FETCH event). */
  fetches: () => number;
}

async function startMember(
  groupId: string,
  topic: string,
  { fromBeginning = true, ...config }: Partial<ConsumerConfig> & { fromBeginning?: boolean } = {},
  run: Partial<ConsumerRunConfig> = {},
  b: BrokerProcess = broker.current,
): Promise<Member> {
  const consumer = kafkaFor(b, 'compat-groups-member').consumer({ groupId, ...FAST, ...config });
  open.push(consumer);
  let memberId = '';
  let fetches = 0;
  const m: Member = {
    consumer,
    memberId: () => memberId,
    joins: [],
    assignment: () => m.joins[m.joins.length - 1] ?? [],
    received: [],
    fetches: () => fetches,
  };
  consumer.on(consumer.events.FETCH, () => fetches++);
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    memberId = e.payload.memberId;
    m.joins.push([...(e.payload.memberAssignment[topic] ?? [])].sort((x, y) => x - y));
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      m.received.push({ partition, offset: Number(message.offset), value: message.value!.toString() });
    },
    ...run,
  });
  return m;
}

const all = (n: number) => Array.from({ length: n }, (_, i) => i);
const sorted = (xs: number[]) => [...xs].sort((x, y) => x - y);
const partitionsOf = (recs: Rec[]) => sorted([...new Set(recs.map((r) => r.partition))]);

/** True when the assignments are non-empty, disjoint and cover partitions 0..n-1. */
function splits(assignments: number[][], n: number): boolean {
  const flat = assignments.flat();
  return assignments.every((a) => a.length > 0) && flat.length === n && new Set(flat).size === n && flat.every((p) => p >= 0 && p < n);
}

async function waitReceived(members: Member[], expected: Rec[], timeoutMs = 10000): Promise<void> {
  await waitFor(`${expected.length} records`, timeoutMs, () => {
    const got = new Set(members.flatMap((m) => m.received).map(key));
    return expected.every((r) => got.has(key(r)));
  });
}

/** Committed offsets of a group on a topic, as {partition: offset}. */
async function committed(admin: Admin, groupId: string, topic: string): Promise<Record<number, string>> {
  const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return Object.fromEntries(t.partitions.map((p) => [p.partition, p.offset]));
}

async function waitCommitted(admin: Admin, groupId: string, topic: string, expected: Record<number, string>, timeoutMs = 10000) {
  let last: Record<number, string> = {};
  try {
    await waitFor('commits', timeoutMs, async () => {
      last = await committed(admin, groupId, topic);
      return Object.entries(expected).every(([p, o]) => last[Number(p)] === o);
    });
  } catch (e) {
    throw new Error(`${(e as Error).message}: expected ${JSON.stringify(expected)}, committed ${JSON.stringify(last)}`);
  }
}

function decodeAssignment(buf: Buffer): Record<string, number[]> {
  const a = AssignerProtocol.MemberAssignment.decode(buf);
  return Object.fromEntries(Object.entries(a?.assignment ?? {}).map(([t, ps]) => [t, sorted(ps)]));
}

test('two members split a 6-partition topic; after one leaves (LeaveGroup) the other gets all 6, loses nothing and re-reads only what was not committed', async () => {
  const topic = 'cg-split';
  const groupId = 'g-split';
  await createTopic(topic, 6);
  const admin = await connectAdmin();
  const producer = await connectProducer();

  // A long session timeout: a handover within a few seconds can only come from LeaveGroup.
  const a = await startMember(groupId, topic, { sessionTimeout: 20000 });
  await waitFor('the first member to get all 6 partitions', 10000, () => a.assignment().length === 6);
  // b commits only when told to.
  const b = await startMember(groupId, topic, { sessionTimeout: 20000 }, { autoCommit: false });
  await waitFor('the partitions to be split between the two members', 15000, () => splits([a.assignment(), b.assignment()], 6));

  // The coordinator's view agrees with what each member was given.
  const [group] = (await admin.describeGroups([groupId])).groups;
  expect(group.state).toBe('Stable');
  expect(group.protocolType).toBe('consumer');
  const byMember = Object.fromEntries(group.members.map((m) => [m.memberId, decodeAssignment(m.memberAssignment)[topic]]));
  expect(byMember).toEqual({ [a.memberId()]: a.assignment(), [b.memberId()]: b.assignment() });
  const aParts = a.assignment();
  const bParts = b.assignment();

  // Round 1: each member consumes only its own partitions.
  const round1 = await produce(producer, topic, all(6), 5, 'r1');
  await waitReceived([a, b], round1);
  expect(partitionsOf(a.received)).toEqual(aParts);
  expect(partitionsOf(b.received)).toEqual(bParts);
  expect(a.received.length + b.received.length).toBe(round1.length);

  // b commits what it consumed (offset 5 on its partitions); a auto-commits.
  await b.consumer.commitOffsets(bParts.map((partition) => ({ topic, partition, offset: '5' })));
  await waitCommitted(admin, groupId, topic, Object.fromEntries(all(6).map((p) => [p, '5'])));

  // Round 2: consumed by both, committed only by a.
  const round2 = await produce(producer, topic, all(6), 3, 'r2');
  await waitReceived([a, b], round2);
  await waitCommitted(admin, groupId, topic, Object.fromEntries(aParts.map((p) => [p, '8'])));
  const committedAtLeave = await committed(admin, groupId, topic);
  for (const p of bParts) expect(committedAtLeave[p]).toBe('5');
  const aBefore = a.received.length;
  const bReceived = [...b.received];

  // b leaves; a gets all six partitions well before b's 20 s session would run out.
  const left = Date.now();
  await b.consumer.disconnect();
  await waitFor('the remaining member to get all 6 partitions', 10000, () => a.assignment().length === 6);
  expect(Date.now() - left).toBeLessThan(5000);
  const [afterLeave] = (await admin.describeGroups([groupId])).groups;
  expect(afterLeave.state).toBe('Stable');
  expect(afterLeave.members.map((m) => m.memberId)).toEqual([a.memberId()]);
  expect(decodeAssignment(afterLeave.members[0].memberAssignment)).toEqual({ [topic]: all(6) });

  // Round 3 on every partition, b's former ones included.
  const round3 = await produce(producer, topic, all(6), 2, 'r3');
  await waitReceived([a], round3);

  // Nothing lost: every record reached one of the two.
  const everything = [...a.received, ...bReceived];
  const seen = new Map<string, number>();
  for (const r of everything) seen.set(key(r), (seen.get(key(r)) ?? 0) + 1);
  for (const r of [...round1, ...round2, ...round3]) expect([key(r), seen.has(key(r))]).toEqual([key(r), true]);
  // Duplicates are exactly b's uncommitted records (offsets 5..7 of its
  // partitions), re-read by a from b's committed offset; nothing at or
  // before a committed offset came twice.
  const duplicates = [...seen].filter(([, n]) => n > 1).map(([k]) => k);
  const expectedDuplicates = round2.filter((r) => bParts.includes(r.partition)).map(key);
  expect([...duplicates].sort()).toEqual([...expectedDuplicates].sort());
  for (const k of duplicates) {
    const [p, o] = k.split('@').map(Number);
    expect(o).toBeGreaterThanOrEqual(Number(committedAtLeave[p]));
  }
  // a re-read b's partitions starting exactly at the committed offset 5.
  for (const p of bParts) {
    const firstAfterLeave = a.received.slice(aBefore).find((r) => r.partition === p);
    expect(firstAfterLeave?.offset).toBe(5);
  }
  await waitCommitted(admin, groupId, topic, Object.fromEntries(all(6).map((p) => [p, '10'])));
}, TEST_TIMEOUT);

test('eachBatch with manual commits: fetchOffsets shows exactly the offsets (and metadata) committed', async () => {
  const topic = 'cg-batch';
  await createTopic(topic, 3);
  const admin = await connectAdmin();
  const producer = await connectProducer();
  const sent = await produce(producer, topic, all(3), 10, 'b');
  // Each partition is processed up to (not including) this offset.
  const stopAt: Record<number, number> = { 0: 4, 1: 7, 2: 10 };

  // Group 1: autoCommit off; eachBatch resolves what it processed and commits it
  // with commitOffsetsIfNecessary(offsets); partition 2 is committed afterwards
  // with consumer.commitOffsets and a metadata string.
  const processed1: Rec[] = [];
  const manual = await startMember('g-batch-manual', topic, {}, {
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachMessage: undefined,
    eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
      let last = -1;
      for (const message of batch.messages) {
        const offset = Number(message.offset);
        if (offset >= stopAt[batch.partition]) break;
        processed1.push({ partition: batch.partition, offset, value: message.value!.toString() });
        resolveOffset(message.offset);
        last = offset;
      }
      if (last >= 0 && batch.partition !== 2) {
        await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition: batch.partition, offset: String(last + 1) }] }] });
      }
    },
  });

  // Group 2: autoCommit with a threshold of 1: commitOffsetsIfNecessary()
  // commits whatever was resolved.
  const processed2: Rec[] = [];
  await startMember('g-batch-auto', topic, {}, {
    autoCommit: true,
    autoCommitThreshold: 1,
    eachBatchAutoResolve: false,
    eachMessage: undefined,
    eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
      for (const message of batch.messages) {
        const offset = Number(message.offset);
        if (offset >= stopAt[batch.partition]) break;
        processed2.push({ partition: batch.partition, offset, value: message.value!.toString() });
        resolveOffset(message.offset);
        await commitOffsetsIfNecessary();
      }
    },
  });

  const wanted = sent.filter((r) => r.offset < stopAt[r.partition]);
  await waitFor('both groups to process their records', 10000, () => processed1.length >= wanted.length && processed2.length >= wanted.length);
  await manual.consumer.commitOffsets([{ topic, partition: 2, offset: '10', metadata: 'batch-meta' }]);

  await waitCommitted(admin, 'g-batch-manual', topic, { 0: '4', 1: '7', 2: '10' });
  await waitCommitted(admin, 'g-batch-auto', topic, { 0: '4', 1: '7', 2: '10' });
  const [t1] = await admin.fetchOffsets({ groupId: 'g-batch-manual', topics: [topic] });
  expect(t1.partitions.sort((x, y) => x.partition - y.partition)).toEqual([
    { partition: 0, offset: '4', metadata: null },
    { partition: 1, offset: '7', metadata: null },
    { partition: 2, offset: '10', metadata: 'batch-meta' },
  ]);
  // Every processed record once (the consumers stop at stopAt and never rewind).
  expect(processed1.map(key).sort()).toEqual(wanted.map(key).sort());
  expect(processed2.map(key).sort()).toEqual(wanted.map(key).sort());
}, TEST_TIMEOUT);

test('a new consumer in the group resumes after the committed offsets (only records produced after the commit)', async () => {
  const topic = 'cg-resume';
  const groupId = 'g-resume';
  await createTopic(topic, 3);
  const admin = await connectAdmin();
  const producer = await connectProducer();
  const first = await produce(producer, topic, all(3), 4, 'old');

  const c1 = await startMember(groupId, topic);
  await waitReceived([c1], first);
  await waitCommitted(admin, groupId, topic, { 0: '4', 1: '4', 2: '4' });
  await c1.consumer.disconnect();
  expect((await admin.describeGroups([groupId])).groups[0].state).toBe('Empty');

  const second = await produce(producer, topic, all(3), 3, 'new');
  // fromBeginning: true would start at offset 0 if the group had no offsets.
  const c2 = await startMember(groupId, topic);
  await waitReceived([c2], second);
  // Within a partition records arrive in offset order: had c2 started before
  // the committed offset, the old records would have come first.
  expect(c2.received.map(key).sort()).toEqual(second.map(key).sort());
  await waitCommitted(admin, groupId, topic, { 0: '7', 1: '7', 2: '7' });
}, TEST_TIMEOUT);

test('committed offsets survive a graceful broker restart and a SIGKILL; consumers resume there', async () => {
  const b = await startBroker();
  try {
    const topic = 'cg-durable';
    const groupId = 'g-durable';
    await createTopic(topic, 3, b);
    const producer = await connectProducer(b);
    const first = await produce(producer, topic, all(3), 4, 'one');
    const c1 = await startMember(groupId, topic, {}, {}, b);
    await waitReceived([c1], first);
    let admin = await connectAdmin(b);
    await waitCommitted(admin, groupId, topic, { 0: '4', 1: '4', 2: '4' });
    await c1.consumer.commitOffsets([{ topic, partition: 1, offset: '3', metadata: 'kept across restarts' }]);
    const before = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(before[0].partitions.find((p) => p.partition === 1)).toEqual({ partition: 1, offset: '3', metadata: 'kept across restarts' });
    await Promise.all(open.splice(0).map((c) => c.disconnect()));

    expect(await b.stop()).toBe(0);
    await b.restart();
    admin = await connectAdmin(b);
    expect(await admin.fetchOffsets({ groupId, topics: [topic] })).toEqual(before);
    expect((await admin.listGroups()).groups).toContainEqual({ groupId, protocolType: 'consumer' });

    // A consumer resumes at the committed offsets: partition 1 from 3 (one
    // record again), the others after the records already consumed.
    const second = await produce(await connectProducer(b), topic, all(3), 2, 'two');
    const c2 = await startMember(groupId, topic, {}, {}, b);
    const expected = [...first.filter((r) => r.partition === 1 && r.offset === 3), ...second];
    await waitReceived([c2], expected);
    expect(c2.received.map(key).sort()).toEqual(expected.map(key).sort());
    await waitCommitted(admin, groupId, topic, { 0: '6', 1: '6', 2: '6' });
    await Promise.all(open.splice(0).map((c) => c.disconnect()));

    // An acknowledged commit survives a SIGKILL too.
    await b.kill();
    await b.restart();
    admin = await connectAdmin(b);
    expect(await committed(admin, groupId, topic)).toEqual({ 0: '6', 1: '6', 2: '6' });
    const third = await produce(await connectProducer(b), topic, all(3), 1, 'three');
    const c3 = await startMember(groupId, topic, {}, {}, b);
    await waitReceived([c3], third);
    expect(c3.received.map(key).sort()).toEqual(third.map(key).sort());
  } finally {
    await Promise.all(open.splice(0).map((c) => c.disconnect().catch(() => undefined)));
    await b.cleanup();
  }
}, TEST_TIMEOUT);

test('a graceful broker restart under a live consumer: the broker shuts down cleanly and the consumer carries on from where it was', async () => {
  const b = await startBroker();
  try {
    const topic = 'cg-live-restart';
    const groupId = 'g-live-restart';
    await createTopic(topic, 2, b);
    const first = await produce(await connectProducer(b), topic, all(2), 3, 'before');
    const c = await startMember(groupId, topic, {}, {}, b);
    await waitReceived([c], first);
    await waitCommitted(await connectAdmin(b), groupId, topic, { 0: '3', 1: '3' });

    // Stop the broker while the consumer is connected and long-polling.
    const logsBefore = b.logs.length;
    const exitCode = await b.stop();
    const stopLogs = b.logs.slice(logsBefore).map((l) => l.msg);
    await b.restart();
    const startLogs = b.logs.slice(logsBefore).map((l) => l.msg);

    // The consumer reconnects by itself and reads what comes next, nothing twice.
    const producer = kafkaFor(b).producer({ allowAutoTopicCreation: false });
    await producer.connect();
    open.push(producer);
    const second = await produce(producer, topic, all(2), 2, 'after');
    await waitReceived([c], second, 20000);
    expect(c.received.map(key).sort()).toEqual([...first, ...second].map(key).sort());

    // As with no client connected (durability.test.ts): exit 0 after "shut
    // down cleanly", and the next start finds a clean shutdown. (This caught
    // a broker bug: with a consumer long-polling Fetch, Node ran out of
    // referenced handles during shutdown and exited before closing the logs.)
    expect(exitCode).toBe(0);
    expect(stopLogs).toContain('shut down cleanly');
    expect(startLogs).toContain('previous shutdown was clean');
  } finally {
    await Promise.all(open.splice(0).map((c) => c.disconnect().catch(() => undefined)));
    await b.cleanup();
  }
}, TEST_TIMEOUT);

test('a member killed without leaving expires after its session timeout and its partitions go to the survivor', async () => {
  const topic = 'cg-kill';
  const groupId = 'g-kill';
  const sessionTimeout = 6000; // the broker's default group.min.session.timeout.ms
  await createTopic(topic, 6);
  const producer = await connectProducer();
  let victim: RunningScript | undefined;
  try {
    victim = spawnScript(process.execPath, 'kafkajs_group_member.js', broker.current.bootstrap, 'member', {
      groupId,
      topic,
      sessionTimeout,
      heartbeatInterval: 500,
    });
    await victim.waitFor((l) => l.event === 'join' && l.assignment.length === 6, 15000, 'join with all 6 partitions');
    const survivor = await startMember(groupId, topic, { sessionTimeout });
    const victimAssignment = (): number[] => {
      const joins = victim!.lines.filter((l) => l.event === 'join');
      return sorted(joins[joins.length - 1].assignment);
    };
    await waitFor('the partitions to be split', 15000, () => splits([survivor.assignment(), victimAssignment()], 6));
    const victimParts = victimAssignment();
    const before = await produce(producer, topic, all(6), 1, 'before');
    await waitFor('both members to consume their records', 10000, () => {
      const got = new Set([...survivor.received.map(key), ...victim!.lines.filter((l) => l.event === 'message').map(key)]);
      return before.every((r) => got.has(key(r)));
    });
    expect(partitionsOf(victim.lines.filter((l) => l.event === 'message'))).toEqual(victimParts);

    await victim.kill();
    const killed = Date.now();
    await waitFor('the survivor to get all 6 partitions', sessionTimeout + 8000, () => survivor.assignment().length === 6);
    const elapsed = Date.now() - killed;
    // Kafka drops a silent member only when its session runs out (a closed
    // connection is not a LeaveGroup); the survivor then rejoins at its next
    // heartbeat.
    expect(elapsed).toBeGreaterThanOrEqual(sessionTimeout - 1500);
    expect(elapsed).toBeLessThan(sessionTimeout + 4000);

    const after = await produce(producer, topic, all(6), 1, 'after');
    await waitReceived([survivor], after);
    expect(partitionsOf(survivor.received.filter((r) => r.value.startsWith('after')))).toEqual(all(6));
    expect(victimParts.length).toBeGreaterThan(0);
  } finally {
    await victim?.kill();
  }
}, TEST_TIMEOUT);

test('admin: describeGroups, listGroups, fetchOffsets and lag, deleteGroups (NON_EMPTY_GROUP while live), setOffsets, resetOffsets', async () => {
  const topic = 'cg-admin';
  const groupId = 'g-admin';
  await createTopic(topic, 3);
  const admin = await connectAdmin();
  const producer = await connectProducer();
  const first = await produce(producer, topic, all(3), 5, 'a');
  const c = await startMember(groupId, topic);
  await waitReceived([c], first);
  await waitCommitted(admin, groupId, topic, { 0: '5', 1: '5', 2: '5' });

  const [live] = (await admin.describeGroups([groupId])).groups;
  expect(live).toMatchObject({ groupId, state: 'Stable', protocolType: 'consumer', protocol: 'RoundRobinAssigner' });
  expect(live.members).toHaveLength(1);
  expect(live.members[0]).toMatchObject({ memberId: c.memberId(), clientId: 'compat-groups-member' });
  expect(live.members[0].clientHost).toMatch(/127\.0\.0\.1/);
  expect(decodeAssignment(live.members[0].memberAssignment)).toEqual({ [topic]: [0, 1, 2] });
  expect(AssignerProtocol.MemberMetadata.decode(live.members[0].memberMetadata)?.topics).toEqual([topic]);
  expect((await admin.listGroups()).groups).toContainEqual({ groupId, protocolType: 'consumer' });

  // A live group can be neither deleted nor reset.
  const deleteLive = await admin.deleteGroups([groupId]).catch((e) => e);
  expect(deleteLive).toBeInstanceOf(KafkaJSDeleteGroupsError);
  expect((deleteLive as KafkaJSDeleteGroupsError).groups.map((g) => [g.groupId, g.error?.type])).toEqual([[groupId, 'NON_EMPTY_GROUP']]);
  await expect(admin.resetOffsets({ groupId, topic, earliest: true })).rejects.toThrow(/no running instances, current state: Stable/);

  await c.consumer.disconnect();
  const [empty] = (await admin.describeGroups([groupId])).groups;
  expect(empty).toMatchObject({ groupId, state: 'Empty', protocolType: 'consumer', members: [] });

  // Lag = log end offset - committed offset.
  await produce(producer, topic, [0], 4, 'lag');
  await produce(producer, topic, [2], 1, 'lag');
  const ends = await admin.fetchTopicOffsets(topic);
  const offs = await committed(admin, groupId, topic);
  const lag = Object.fromEntries(ends.map((e) => [e.partition, Number(e.high) - Number(offs[e.partition])]));
  expect(lag).toEqual({ 0: 4, 1: 0, 2: 1 });

  // setOffsets on the empty group changes only the partitions named.
  await admin.setOffsets({ groupId, topic, partitions: [{ partition: 1, offset: '2' }] });
  expect(await committed(admin, groupId, topic)).toEqual({ 0: '5', 1: '2', 2: '5' });

  // resetOffsets to earliest commits kafkajs's marker -2 (as Kafka, the
  // broker stores what it is given); fetchOffsets({resolveOffsets}) turns it
  // into the log start offset and commits that, and a consumer not asking
  // fromBeginning reads everything from there.
  await admin.resetOffsets({ groupId, topic, earliest: true });
  expect(await committed(admin, groupId, topic)).toEqual({ 0: '-2', 1: '-2', 2: '-2' });
  const [resolved] = await admin.fetchOffsets({ groupId, topics: [topic], resolveOffsets: true });
  expect(resolved.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual([
    [0, '0'],
    [1, '0'],
    [2, '0'],
  ]);
  expect(await committed(admin, groupId, topic)).toEqual({ 0: '0', 1: '0', 2: '0' });
  const fromStart = await startMember(groupId, topic, { fromBeginning: false });
  await waitFor('all 20 records again', 10000, () => fromStart.received.length >= 20);
  await waitCommitted(admin, groupId, topic, { 0: '9', 1: '5', 2: '6' });
  await fromStart.consumer.disconnect();

  // resetOffsets to latest commits kafkajs's marker -1, which kafkajs reads
  // as "no offset": a consumer not asking fromBeginning gets only what comes
  // afterwards.
  await admin.resetOffsets({ groupId, topic, earliest: false });
  expect(await committed(admin, groupId, topic)).toEqual({ 0: '-1', 1: '-1', 2: '-1' });
  await produce(producer, topic, all(3), 1, 'stale');
  const fromEnd = await startMember(groupId, topic, { fromBeginning: false });
  await waitFor('the consumer to join and fetch', 10000, () => fromEnd.assignment().length === 3 && fromEnd.fetches() > 0);
  const fresh = await produce(producer, topic, all(3), 1, 'fresh');
  await waitReceived([fromEnd], fresh);
  expect(fromEnd.received.map(key).sort()).toEqual(fresh.map(key).sort());
  await fromEnd.consumer.disconnect();

  // deleteGroups on the empty group; afterwards it is gone and has no offsets.
  expect(await admin.deleteGroups([groupId])).toEqual([{ groupId, errorCode: 0 }]);
  expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain(groupId);
  expect(await committed(admin, groupId, topic)).toEqual({ 0: '-1', 1: '-1', 2: '-1' });
  const [dead] = (await admin.describeGroups([groupId])).groups;
  expect(dead).toMatchObject({ groupId, state: 'Dead', members: [] });
  // And a group that never existed cannot be deleted.
  const deleteUnknown = await admin.deleteGroups(['g-never-existed']).catch((e) => e);
  expect((deleteUnknown as KafkaJSDeleteGroupsError).groups.map((g) => [g.groupId, g.error?.type])).toEqual([['g-never-existed', 'GROUP_ID_NOT_FOUND']]);
}, TEST_TIMEOUT);

test('a session timeout below group.min.session.timeout.ms is refused with INVALID_SESSION_TIMEOUT', async () => {
  const topic = 'cg-session';
  await createTopic(topic, 1);
  const consumer = kafkaFor(broker.current).consumer({ groupId: 'g-session', sessionTimeout: 1000, heartbeatInterval: 300, retry: { retries: 0 } });
  open.push(consumer);
  const crashed = new Promise<Error>((r) => consumer.on(consumer.events.CRASH, (e) => r(e.payload.error)));
  await consumer.connect();
  await consumer.subscribe({ topic });
  await consumer.run({ eachMessage: async () => undefined });
  const error = (await crashed) as Error & { type?: string };
  expect(error.type).toBe('INVALID_SESSION_TIMEOUT');
}, TEST_TIMEOUT);
