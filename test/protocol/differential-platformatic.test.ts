/**
 * Differential tests against @platformatic/kafka 1.x (flexible versions):
 * for every API and version it has and we register, its createRequest
 * output decodes with our codec to the random values it was given, and its
 * parseResponse reads our random responses back field by field.
 * (See differential.ts for the method; the package is an ES module, so its
 * functions run in one child process, fixtures/platformatic-parse.mjs.)
 *
 * The client's own departures from Kafka's specs that the tests found are
 * written next to the mapping that works around them ("client bug").
 */
import { MessageCodec } from '../../src/protocol/codec';
import { Reader, ZERO_UUID, uuidToBytes } from '../../src/protocol/primitives';
import { buildRecordBatch, decodeRecords, readBatchHeader } from '../../src/protocol/record-batch';
import { MessageSpec } from '../../src/protocol/schema';
import {
  API_NAMES,
  Any,
  Gen,
  PENDING,
  PltEncode,
  SEEDS_PER_VERSION,
  canonical,
  clone,
  realErrorCodes,
  encodeArgs,
  inOurRange,
  pairFor,
  pickLike,
  plain,
  platformaticRun,
  platformaticVersions,
  seedOf,
  unexposed,
  untag,
} from './differential';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const hexId = (uuid: string) => uuidToBytes(uuid).toString('hex');

/** Their parse in our terms: dashed uuids back to ours, everything else as it is (plain()). */
function fromPlt(v: any): any {
  if (typeof v === 'string' && UUID_RE.test(v)) return Buffer.from(v.replace(/-/g, ''), 'hex').toString('base64url');
  if (Array.isArray(v)) return v.map(fromPlt);
  if (v && typeof v === 'object' && !('hex' in v && Object.keys(v).length === 1)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromPlt(x)]));
  return v;
}

/** The records of a v2 batch as a client sees them: no offsets or producer state, just the data. */
function recordsView(records: unknown): unknown {
  if (!Buffer.isBuffer(records)) return records;
  const h = readBatchHeader(records);
  return decodeRecords(records.subarray(61), h.recordCount).map((r) => ({
    key: r.key?.toString('hex') ?? null,
    value: r.value?.toString('hex') ?? null,
    timestamp: String(h.baseTimestamp + r.timestampDelta),
    headers: r.headers.map((x) => [x.key, x.value?.toString('hex') ?? null]),
  }));
}

/** Their parsed batches (plain()ed) in recordsView's form. */
function pltBatchesView(batches: Any[]): unknown {
  return batches.flatMap((b) =>
    b.records.map((r: Any) => ({
      key: r.key?.hex ?? null,
      value: r.value?.hex ?? null,
      timestamp: String(BigInt(b.firstTimestamp) + BigInt(r.timestampDelta)),
      headers: r.headers.map(([k, x]: [Any, Any]) => [Buffer.from(k.hex, 'hex').toString('utf8'), x?.hex ?? null]),
    })),
  );
}

/** Random records as one uncompressed v2 batch (the record data a client's produce carries). */
function randomBatch(g: Gen): Buffer {
  const base = 1_700_000_000_000 + g.int(0, 1_000_000);
  const n = g.int(1, 3);
  return buildRecordBatch(
    Array.from({ length: n }, (_, i) => ({
      key: g.bytes(g.int(1, 8)),
      value: g.bytes(g.int(0, 16)),
      timestamp: base + i * g.int(0, 5),
      headers: g.chance(0.5) ? [{ key: g.string(), value: g.bytes(g.int(0, 4)) }] : [],
    })),
  );
}

/** A response mapping: their parse (after fromPlt) to our field names; by default the same names. */
type ToOurs = (theirs: Any, v: number) => Any;

interface PltApi {
  /** Their file stem ("offset-commit") and module prefix ("offsetCommit"). */
  stem: string;
  module: string;
  /** Random values our encoder gets, adjusted where the client cannot send or read something. */
  tweakRequest?: (value: Any, g: Gen, v: number) => void;
  /** createRequest's arguments for our (canonical) request value. */
  args?: (ours: Any, v: number) => unknown[];
  /** What our codec must decode from their bytes, starting from our value (for fields they write as constants). */
  expectRequest?: (expected: Any, v: number) => void;
  tweakResponse?: (value: Any, g: Gen, v: number) => void;
  response?: ToOurs;
  /** Our response value as the client can see it at best (e.g. null read as empty), applied before comparing. */
  expectResponse?: (ours: Any, v: number) => void;
  /** Our response fields (paths) of a version that their parse leaves out entirely. */
  unexposed?: (v: number) => string[];
  /** Bytes their parser leaves unread (default: the response's tagged section in flexible versions). */
  remaining?: (v: number) => number;
  /**
   * Versions whose request their createRequest writes against Kafka's spec, or whose response their parser
   * reads against it (client bugs; see the comment at the API). Their test asserts that the check fails, so
   * it tells when the client is fixed.
   */
  badRequestVersions?: number[];
  badResponseVersions?: number[];
}

const TABLE: Record<number, PltApi> = {
  0: {
    stem: 'produce',
    module: 'produce',
    tweakRequest: (value, g) => {
      // Their producer groups messages by topic and partition in an object, which orders integer-like keys:
      // topic names that are not numbers, partitions in ascending order.
      value.topicData.forEach((t: Any, i: number) => {
        t.name = `t${i}-${t.name}`;
        t.partitionData.forEach((p: Any, j: number) => {
          p.index = j * 7 + g.int(0, 6);
          p.records = randomBatch(g);
        });
      });
      // Their producer writes acks 0, 1 or -1 only, and a partition per message.
      value.acks = [0, 1, -1][g.int(0, 2)];
    },
    args: (ours) => [
      ours.acks,
      ours.timeoutMs,
      ours.topicData.flatMap((t: Any) =>
        t.partitionData.flatMap((p: Any) =>
          (recordsView(p.records) as Any[]).map((r) => ({
            topic: t.name,
            partition: p.index,
            key: Buffer.from(r.key, 'hex'),
            value: Buffer.from(r.value, 'hex'),
            timestamp: BigInt(r.timestamp),
            headers: new Map(r.headers.map(([k, x]: [string, string]) => [Buffer.from(k), Buffer.from(x, 'hex')])),
          })),
        ),
      ),
      ours.transactionalId === null ? {} : { transactionalId: ours.transactionalId, producerId: 1n, producerEpoch: 0 },
    ],
    response: (t) => t,
    // currentLeader and nodeEndpoints are tagged (v10+), which the client skips.
  },
  1: {
    stem: 'fetch',
    module: 'fetch',
    tweakRequest: (value, _g, v) => {
      // Client bug: v12 writes each forgotten topic as a UUID where Kafka's spec has its name; none then.
      if (v === 12) value.forgottenTopicsData = [];
    },
    args: (ours, v) => [
      ours.maxWaitMs,
      ours.minBytes,
      ours.maxBytes,
      ours.isolationLevel,
      ours.sessionId,
      ours.sessionEpoch,
      ours.topics.map((t: Any) => ({
        topicId: v >= 13 ? hexId(t.topicId) : t.topic,
        partitions: t.partitions.map((p: Any) => ({
          partition: p.partition,
          currentLeaderEpoch: p.currentLeaderEpoch,
          fetchOffset: p.fetchOffset,
          lastFetchedEpoch: p.lastFetchedEpoch,
          partitionMaxBytes: p.partitionMaxBytes,
        })),
      })),
      ours.forgottenTopicsData.map((t: Any) => ({ topic: hexId(t.topicId), partitions: t.partitions })),
      ours.rackId,
    ],
    expectRequest: (e, v) => {
      // A consumer: replica id -1 (v12-14; from v15 the tagged replicaState, left at its default) and no log start offset.
      if (v < 15) e.replicaId = -1;
      e.clusterId = null;
      e.replicaState = { replicaId: -1, replicaEpoch: -1n };
      for (const t of e.topics)
        for (const p of t.partitions) {
          p.logStartOffset = -1n;
          p.replicaDirectoryId = ZERO_UUID;
          p.highWatermark = 9223372036854775807n;
        }
    },
    tweakResponse: (value, g) => {
      for (const t of value.responses) for (const p of t.partitions) p.records = randomBatch(g);
    },
    // Records come back as parsed batches: compare their contents.
    response: (t, v) => {
      for (const r of t.responses) {
        for (const p of r.partitions) p.records = pltBatchesView(p.records);
        // v12 reads the topic name into its topicId field.
        if (v === 12) {
          r.topic = r.topicId;
          delete r.topicId;
        }
      }
      return t;
    },
    // It reads a null array of aborted transactions as an empty one.
    expectResponse: (e) => {
      for (const r of e.responses) for (const p of r.partitions) p.abortedTransactions ??= [];
    },
  },
  2: {
    stem: 'list-offsets',
    module: 'listOffsets',
    args: (o) => [o.replicaId, o.isolationLevel, o.topics],
  },
  3: {
    stem: 'metadata',
    module: 'metadata',
    tweakRequest: (value) => {
      // It names topics by name only (a null id), and always asks for them (never null: all topics).
      value.topics = (value.topics ?? []).map((t: Any) => ({ ...t, topicId: ZERO_UUID, name: t.name ?? '' }));
    },
    args: (o) => [o.topics.map((t: Any) => t.name), o.allowAutoTopicCreation, o.includeTopicAuthorizedOperations],
    // It never asks for the cluster's authorized operations (v9-10).
    expectRequest: (e) => void (e.includeClusterAuthorizedOperations = false),
    // Client bug: v11 still writes includeClusterAuthorizedOperations (Kafka's spec has it in v8-10 only), one
    // byte too many, so Kafka (and we) read includeTopicAuthorizedOperations from the wrong byte and the tagged
    // section from the last one. Harmless in practice: the client sends v12, whose encoder is right.
    badRequestVersions: [11],
    // Client bug: the v9-11 parsers skip clusterAuthorizedOperations with readBoolean() (1 byte). In v9-10 it is
    // an int32, so 3 bytes are left unread (and the value is not exposed); v11 has no such field, so the read
    // eats the response's tagged section. Neither disturbs the fields before it.
    remaining: (v) => (v <= 10 ? 4 : v === 11 ? 0 : 1),
    unexposed: (v) => (v >= 8 && v <= 10 ? ['clusterAuthorizedOperations'] : []),
    // v9 has no topic ids; the parser copies the name into topicId.
    response: (t, v) => {
      if (v < 10) for (const x of t.topics) delete x.topicId;
      return t;
    },
  },
  8: {
    stem: 'offset-commit',
    module: 'offsetCommit',
    args: (o) => [o.groupId, o.generationIdOrMemberEpoch, o.memberId, o.groupInstanceId, o.topics],
  },
  9: {
    stem: 'offset-fetch',
    module: 'offsetFetch',
    args: (o) => [o.groups, o.requireStable],
  },
  10: {
    stem: 'find-coordinator',
    module: 'findCoordinator',
    args: (o) => [o.keyType, o.coordinatorKeys],
  },
  11: {
    stem: 'join-group',
    module: 'joinGroup',
    args: (o) => [o.groupId, o.sessionTimeoutMs, o.rebalanceTimeoutMs, o.memberId, o.groupInstanceId, o.protocolType, o.protocols, o.reason],
    // v6 has no protocolType in the response; the parser fills in "".
    response: (t, v) => {
      if (v < 7) delete t.protocolType;
      return t;
    },
  },
  12: {
    stem: 'heartbeat',
    module: 'heartbeat',
    args: (o) => [o.groupId, o.generationId, o.memberId, o.groupInstanceId],
  },
  13: {
    stem: 'leave-group',
    module: 'leaveGroup',
    args: (o) => [o.groupId, o.members],
  },
  14: {
    stem: 'sync-group',
    module: 'syncGroup',
    args: (o) => [o.groupId, o.generationId, o.memberId, o.groupInstanceId, o.protocolType, o.protocolName, o.assignments],
  },
  15: {
    stem: 'describe-groups',
    module: 'describeGroups',
    args: (o) => [o.groups, o.includeAuthorizedOperations],
  },
  16: {
    stem: 'list-groups',
    module: 'listGroups',
    tweakRequest: (value) => {
      // v4 writes each state filter PascalCased: give it PascalCase ones.
      value.statesFilter = (value.statesFilter ?? []).map((x: string, i: number) => ['Stable', 'Empty', 'Dead', 'PreparingRebalance'][i % 4]);
    },
    args: (o) => [o.statesFilter, o.typesFilter],
  },
  18: {
    stem: 'api-versions',
    module: 'apiVersions',
    args: (o) => [o.clientSoftwareName, o.clientSoftwareVersion],
  },
  19: {
    stem: 'create-topics',
    module: 'createTopics',
    args: (o) => [o.topics, o.timeoutMs, o.validateOnly],
    // It reads a null configs array as an empty one.
    expectResponse: (e) => {
      for (const t of e.topics) t.configs ??= [];
    },
  },
  20: {
    stem: 'delete-topics',
    module: 'deleteTopics',
    args: (o) => [o.topics.map((t: Any) => ({ name: t.name, topicId: hexId(t.topicId) })), o.timeoutMs],
  },
  42: {
    stem: 'delete-groups',
    module: 'deleteGroups',
    args: (o) => [o.groupsNames],
  },
  47: {
    stem: 'offset-delete',
    module: 'offsetDelete',
    args: (o) => [o.groupId, o.topics],
  },
  // ---- APIs other branches are adding (Kafka's JSON names, lowerCamelCase, as our specs will have them)
  21: {
    stem: 'delete-records',
    module: 'deleteRecords',
    args: (o) => [o.topics, o.timeoutMs],
  },
  22: {
    stem: 'init-producer-id',
    module: 'initProducerId',
    args: (o) => [o.transactionalId, o.transactionTimeoutMs, o.producerId, o.producerEpoch],
  },
  23: {
    stem: 'offset-for-leader-epoch',
    module: 'offsetForLeaderEpoch',
    // Client bug: its v4 parser reads each partition's Partition before its ErrorCode; Kafka's spec has
    // ErrorCode first, so it reads both wrong (and fails on the error code it makes up).
    badResponseVersions: [4],
    args: (o) => [
      o.replicaId,
      o.topics.map((t: Any) => ({
        name: t.topic,
        partitions: t.partitions.map((p: Any) => ({ partitionIndex: p.partition, currentLeaderEpoch: p.currentLeaderEpoch, leaderEpoch: p.leaderEpoch })),
      })),
    ],
  },
  32: {
    stem: 'describe-configs',
    module: 'describeConfigs',
    // Client bug: v2 (not flexible) writes includeDocumentation and its parser reads configType and
    // documentation, all fields Kafka's spec has from v3 on; it sends v4, which is right.
    badRequestVersions: [2],
    badResponseVersions: [2],
    args: (o) => [o.resources, o.includeSynonyms, o.includeDocumentation],
  },
  33: {
    stem: 'alter-configs',
    module: 'alterConfigs',
    args: (o) => [o.resources, o.validateOnly],
  },
  35: {
    stem: 'describe-log-dirs',
    module: 'describeLogDirs',
    tweakRequest: (value) => void (value.topics ??= []),
    // Before v4 there are no totalBytes/usableBytes; its parsers fill in 0.
    response: (t, v) => {
      if (v < 4)
        for (const r of t.results) {
          delete r.totalBytes;
          delete r.usableBytes;
        }
      return t;
    },
    args: (o) => [o.topics.map((t: Any) => ({ name: t.topic, partitions: t.partitions }))],
  },
  37: {
    stem: 'create-partitions',
    module: 'createPartitions',
    args: (o) => [o.topics, o.timeoutMs, o.validateOnly],
  },
  44: {
    stem: 'incremental-alter-configs',
    module: 'incrementalAlterConfigs',
    args: (o) => [o.resources, o.validateOnly],
  },
  60: {
    stem: 'describe-cluster',
    module: 'describeCluster',
    // v0 has no endpointType; its parser fills in 0.
    response: (t, v) => {
      if (v < 1) delete t.endpointType;
      return t;
    },
    args: (o) => [o.includeClusterAuthorizedOperations, o.endpointType],
  },
  61: {
    stem: 'describe-producers',
    module: 'describeProducers',
    args: (o) => [o.topics],
  },
};

// ---------------------------------------------------------------- the tests

interface Case {
  name: string;
  apiKey: number;
  version: number;
  api: PltApi;
}

const requestCases: Case[] = [];
const responseCases: Case[] = [];
const todo: string[] = [];
for (const [key, api] of Object.entries(TABLE)) {
  const apiKey = Number(key);
  const name = `${API_NAMES[apiKey]} (${apiKey})`;
  if (!pairFor(apiKey)) {
    todo.push(name);
    continue;
  }
  for (const v of inOurRange(apiKey, platformaticVersions(api.stem))) {
    if (api.args) requestCases.push({ name, apiKey, version: v, api });
    responseCases.push({ name, apiKey, version: v, api });
  }
}

function codecsOf(apiKey: number): { request: MessageCodec<MessageSpec>; response: MessageCodec<MessageSpec> } {
  return pairFor(apiKey)!;
}

// Everything is encoded up front and run through one child process.
interface Prepared {
  c: Case;
  seed: number;
  ours: Any;
}
const preparedRequests: Prepared[] = [];
const preparedResponses: Prepared[] = [];
for (const c of requestCases) {
  for (let i = 0; i < SEEDS_PER_VERSION; i++) {
    const seed = seedOf(c.apiKey, c.version, i);
    preparedRequests.push({ c, seed, ours: canonical(codecsOf(c.apiKey).request, c.version, seed, c.api.tweakRequest) });
  }
}
for (const c of responseCases) {
  for (let i = 0; i < SEEDS_PER_VERSION; i++) {
    const seed = seedOf(c.apiKey, c.version, i) + 50;
    const codec = codecsOf(c.apiKey).response;
    preparedResponses.push({
      c,
      seed,
      ours: canonical(codec, c.version, seed, (value, g, v) => {
        realErrorCodes(codec.spec.fields, value, g);
        c.api.tweakResponse?.(value, g, v);
        untag(codec.spec.fields, value);
      }),
    });
  }
}

let results: Any[] = [];
beforeAll(() => {
  const inputs: (PltEncode | { module: string; apiKey: number; version: number; hex: string })[] = [];
  for (const p of preparedRequests) inputs.push({ encode: true, module: `${p.c.api.module}V${p.c.version}`, args: encodeArgs(p.c.api.args!(p.ours, p.c.version)) });
  for (const p of preparedResponses) {
    const codec = codecsOf(p.c.apiKey).response;
    inputs.push({ module: `${p.c.api.module}V${p.c.version}`, apiKey: p.c.apiKey, version: p.c.version, hex: codec.encode(p.ours, p.c.version).toString('hex') });
  }
  results = platformaticRun(inputs);
});

/** Records compare as their contents (the client builds its own batch). */
function withRecordsViewed(v: any): any {
  if (Array.isArray(v)) return v.map(withRecordsViewed);
  if (v && typeof v === 'object' && !Buffer.isBuffer(v)) {
    const o: Any = {};
    for (const [k, x] of Object.entries(v)) o[k] = k === 'records' ? recordsView(x) : withRecordsViewed(x);
    return o;
  }
  return v;
}

describe('@platformatic/kafka request encoders → our decoders', () => {
  const byCase = (c: Case) => preparedRequests.map((p, i) => ({ p, i })).filter(({ p }) => p.c === c);
  const check = (c: Case, v: number, p: Prepared, out: Any) => {
    expect(out.error).toBeUndefined();
    const codec = codecsOf(c.apiKey).request;
    const r = new Reader(Buffer.from(out.hex, 'hex'));
    const decoded = codec.decode(r, v) as Any;
    expect(r.remaining).toBe(0);
    const expected = clone(p.ours);
    c.api.expectRequest?.(expected, v);
    expect(plain(withRecordsViewed(decoded))).toEqual(plain(withRecordsViewed(expected)));
  };
  test.each(requestCases.map((c) => [c.name, c.version, c] as const))('%s v%i', (_n, v, c) => {
    const bad = c.api.badRequestVersions?.includes(v);
    let failures = 0;
    for (const { p, i } of byCase(c)) {
      if (!bad) check(c, v, p, results[i]);
      else
        try {
          check(c, v, p, results[i]);
        } catch {
          failures++;
        }
    }
    // A known client bug: at least one random request must show it.
    if (bad) expect(failures).toBeGreaterThan(0);
  });
});

describe('our response encoders → @platformatic/kafka parsers', () => {
  const byCase = (c: Case) => preparedResponses.map((p, i) => ({ p, i: preparedRequests.length + i })).filter(({ p }) => p.c === c);
  test.each(responseCases.map((c) => [c.name, c.version, c] as const))('%s v%i', (_n, v, c) => {
    const bad = c.api.badResponseVersions?.includes(v);
    let failures = 0;
    for (const { p, i } of byCase(c)) {
      if (!bad) check(c, v, p, results[i]);
      else
        try {
          check(c, v, p, results[i]);
        } catch {
          failures++;
        }
    }
    // A known client bug: at least one random response must show it.
    if (bad) expect(failures).toBeGreaterThan(0);
  });
  function check(c: Case, v: number, p: Prepared, out: Any): void {
    // A parser that meets an error code throws, with what it parsed attached.
    if (!out.response) throw new Error(`their parser failed: ${out.error}`);
    // Their parsers leave the response's own (empty) tagged section unread: one byte in flexible versions.
    expect(out.remaining).toBe(c.api.remaining ? c.api.remaining(v) : codecsOf(c.apiKey).response.isFlexible(v) ? 1 : 0);
    const theirs = plain(withRecordsViewed((c.api.response ?? ((t: Any) => t))(fromPlt(out.response), v)));
    const adjusted = clone(p.ours);
    c.api.expectResponse?.(adjusted, v);
    const ours = plain(withRecordsViewed(adjusted));
    expect(pickLike(ours, theirs)).toEqual(theirs);
    const codec = codecsOf(c.apiKey).response;
    expect(unexposed(codec.spec.fields, v, codec.isFlexible(v), theirs, false)).toEqual((c.api.unexposed?.(v) ?? []).sort());
  }
});

describe('registry', () => {
  test('APIs the table covers that are not registered yet are exactly the PENDING ones', () => {
    const missing = Object.keys(TABLE)
      .map(Number)
      .filter((k) => !pairFor(k));
    expect(missing).toEqual(PENDING.filter((k) => k in TABLE));
    // And PENDING holds no API that is registered by now (ElectLeaders, 43, is in no client table).
    expect(PENDING.filter((k) => pairFor(k))).toEqual([]);
  });
  test('every registered API the client has is covered, every version of it inside our range', () => {
    const uncovered: string[] = [];
    for (const [stem, key] of Object.entries(PLATFORMATIC_STEMS)) {
      if (!pairFor(key)) continue;
      if (!(key in TABLE)) uncovered.push(`${stem} (${key})`);
    }
    expect(uncovered).toEqual([]);
    expect(responseCases.length).toBeGreaterThan(0);
  });
  for (const t of todo) test.todo(`${t}: not in our registry yet (another branch adds it)`);
});

/** The client's file stems of the APIs we have or are adding, by API key. */
const PLATFORMATIC_STEMS: Record<string, number> = {
  produce: 0,
  fetch: 1,
  'list-offsets': 2,
  metadata: 3,
  'offset-commit': 8,
  'offset-fetch': 9,
  'find-coordinator': 10,
  'join-group': 11,
  heartbeat: 12,
  'leave-group': 13,
  'sync-group': 14,
  'describe-groups': 15,
  'list-groups': 16,
  'api-versions': 18,
  'create-topics': 19,
  'delete-topics': 20,
  'delete-records': 21,
  'init-producer-id': 22,
  'offset-for-leader-epoch': 23,
  'describe-configs': 32,
  'alter-configs': 33,
  'describe-log-dirs': 35,
  'create-partitions': 37,
  'delete-groups': 42,
  'incremental-alter-configs': 44,
  'offset-delete': 47,
  'describe-cluster': 60,
  'describe-producers': 61,
};
