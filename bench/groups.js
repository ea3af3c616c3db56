/**
 * Consumer-group figures:
 * - group formation, broker's share: two members built on our own codec
 *   go from their first JoinGroup to both Stable in one generation, each
 *   reacting at once to every answer (a heartbeat goes out as soon as the
 *   last one is answered), so the time is the broker's and the loopback's,
 *   with none of a real client's waiting;
 * - group formation through kafkajs: what users see, two consumers with
 *   default settings (they learn of a rebalance from a heartbeat every 3 s);
 * - OffsetCommit rate: several connections with pipelined commits of one
 *   partition each, until the time is up;
 * - a restart's load: time until OffsetFetch is answered from what was
 *   committed.
 */
'use strict';
const { join } = require('node:path');
const { dist, WireClient, median } = require('./wire');
const { MESSAGES } = require(join(dist, 'protocol/messages'));

const JOIN = 11;
const SYNC = 14;
const HEARTBEAT = 12;
const COMMIT = 8;
const FETCH_OFFSETS = 9;
const COORDINATOR_LOAD_IN_PROGRESS = 14;
const MEMBER_ID_REQUIRED = 79;
const REBALANCE_IN_PROGRESS = 27;

/** ConsumerProtocolSubscription v0 for one topic. */
function subscription(topic) {
  const b = Buffer.alloc(2 + 4 + 2 + topic.length + 4);
  let o = b.writeInt16BE(0, 0);
  o = b.writeInt32BE(1, o);
  o = b.writeInt16BE(topic.length, o);
  o += b.write(topic, o);
  b.writeInt32BE(-1, o);
  return b;
}

/** One member that rejoins, syncs and heartbeats as fast as answers come; resolves when `done()` says so. */
async function runMember(client, groupId, shared, name, done) {
  let memberId = '';
  for (;;) {
    const j = await client.request(JOIN, MESSAGES[JOIN], 9, {
      groupId,
      sessionTimeoutMs: 10000,
      rebalanceTimeoutMs: 10000,
      memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: subscription('t') }],
      reason: null,
    });
    if (j.errorCode === MEMBER_ID_REQUIRED) {
      memberId = j.memberId;
      continue;
    }
    if (j.errorCode !== 0) throw new Error(`JoinGroup failed: ${j.errorCode}`);
    memberId = j.memberId;
    if (j.members.length > 0) shared.membersOf.set(j.generationId, j.members.length);
    const assignments = j.members.map((m) => ({ memberId: m.memberId, assignment: Buffer.from(m.memberId) }));
    const s = await client.request(SYNC, MESSAGES[SYNC], 5, {
      groupId,
      generationId: j.generationId,
      memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments,
    });
    if (s.errorCode === REBALANCE_IN_PROGRESS) continue;
    if (s.errorCode !== 0) throw new Error(`SyncGroup failed: ${s.errorCode}`);
    shared.stableIn.set(name, j.generationId);
    for (;;) {
      if (done()) return;
      const h = await client.request(HEARTBEAT, MESSAGES[HEARTBEAT], 4, { groupId, generationId: j.generationId, memberId, groupInstanceId: null });
      if (h.errorCode === REBALANCE_IN_PROGRESS) break;
      if (h.errorCode !== 0) throw new Error(`Heartbeat failed: ${h.errorCode}`);
    }
  }
}

async function groupFormation(port, runs) {
  const times = [];
  const generations = [];
  const a = await WireClient.open(port);
  const b = await WireClient.open(port);
  for (let i = 0; i < runs; i++) {
    const groupId = `bench-formation-${i}`;
    const shared = { stableIn: new Map(), membersOf: new Map() };
    const done = () => {
      const ga = shared.stableIn.get('a');
      return ga !== undefined && ga === shared.stableIn.get('b') && shared.membersOf.get(ga) === 2;
    };
    const t0 = process.hrtime.bigint();
    await Promise.all([runMember(a, groupId, shared, 'a', done), runMember(b, groupId, shared, 'b', done)]);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    generations.push(shared.stableIn.get('a'));
  }
  a.close();
  b.close();
  return { runs, medianMs: median(times), maxMs: Math.max(...times), generations: median(generations) };
}

/** Two kafkajs consumers with default settings on a 2-partition topic: from run() to each holding one partition. */
async function kafkajsGroupFormation(port, runs) {
  const { Kafka, logLevel } = require('kafkajs');
  const kafka = new Kafka({ brokers: [`127.0.0.1:${port}`], clientId: 'bench', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'bench-groups', numPartitions: 2 }] });
  await admin.disconnect();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const groupId = `bench-kafkajs-${i}`;
    const consumers = [kafka.consumer({ groupId }), kafka.consumer({ groupId })];
    const held = [null, null];
    const t0 = process.hrtime.bigint();
    const stable = new Promise((resolveStable) => {
      consumers.forEach((c, k) =>
        c.on(c.events.GROUP_JOIN, (e) => {
          held[k] = Object.values(e.payload.memberAssignment).flat().length;
          if (held[0] === 1 && held[1] === 1) resolveStable();
        }),
      );
    });
    for (const c of consumers) {
      await c.connect();
      await c.subscribe({ topic: 'bench-groups' });
      await c.run({ eachMessage: async () => undefined });
    }
    await stable;
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    await Promise.all(consumers.map((c) => c.disconnect()));
  }
  return { runs, medianMs: median(times), maxMs: Math.max(...times) };
}

/** OffsetCommit requests per second: `connections` clients, `inFlight` requests each, for `seconds`. */
async function offsetCommitRate(port, topic, seconds, connections = 4, inFlight = 16) {
  const clients = await Promise.all(Array.from({ length: connections }, () => WireClient.open(port)));
  const deadline = Date.now() + seconds * 1000;
  let committed = 0;
  let failed = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    clients.map(async (client, c) => {
      let offset = 0n;
      const lane = async () => {
        while (Date.now() < deadline) {
          const r = await client.request(COMMIT, MESSAGES[COMMIT], 8, {
            groupId: `bench-commits-${c}`,
            generationIdOrMemberEpoch: -1,
            memberId: '',
            groupInstanceId: null,
            topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: offset++, committedLeaderEpoch: -1, committedMetadata: null }] }],
          });
          if (r.topics[0].partitions[0].errorCode === 0) committed++;
          else failed++;
        }
      };
      await Promise.all(Array.from({ length: inFlight }, lane));
    }),
  );
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  for (const c of clients) c.close();
  if (failed > 0) throw new Error(`${failed} offset commits failed`);
  return { commits: committed, seconds: elapsed, perSec: committed / elapsed, connections, inFlight };
}

/**
 * From `t0` (the broker's spawn): when it first answers, and when an
 * OffsetFetch stops getting COORDINATOR_LOAD_IN_PROGRESS.
 */
async function timeToGroupsLoaded(port, t0) {
  const since = () => Number(process.hrtime.bigint() - t0) / 1e6;
  const client = await WireClient.open(port);
  let firstAnswerMs = 0;
  for (;;) {
    const r = await client.request(FETCH_OFFSETS, MESSAGES[FETCH_OFFSETS], 8, {
      groupId: '',
      topics: null,
      groups: [{ groupId: 'bench-commits-0', memberId: null, memberEpoch: -1, topics: null }],
      requireStable: false,
    });
    if (!firstAnswerMs) firstAnswerMs = since();
    const g = r.groups[0];
    if (g.errorCode === 0) {
      client.close();
      if (g.topics.length === 0) throw new Error('the committed offsets were not loaded back');
      return { firstAnswerMs, loadedMs: since() };
    }
    if (g.errorCode !== COORDINATOR_LOAD_IN_PROGRESS) throw new Error(`OffsetFetch failed: ${g.errorCode}`);
  }
}

module.exports = { groupFormation, kafkajsGroupFormation, offsetCommitRate, timeToGroupsLoaded };
