/**
 * Fetch (key 1), versions 4-18.
 *
 * Behavior:
 * - returns whole stored batches from fetchOffset (the first batch may begin
 *   before it; clients skip the earlier records), at most partitionMaxBytes
 *   per partition and maxBytes in all, except that the first batch found is
 *   always returned whole so a consumer can never be stuck (KIP-74);
 * - waits up to maxWaitMs until minBytes are available, woken by appends to
 *   the partitions it asked for (no polling), or answers at once on errors
 *   and during shutdown;
 * - an empty partition carries an empty record set, never a null one
 *   (librdkafka treats null as a parse failure);
 * - OFFSET_OUT_OF_RANGE below the log start or past the log end;
 *   UNKNOWN_TOPIC_OR_PARTITION for names (v4-12), UNKNOWN_TOPIC_ID for ids
 *   (v13+); UNKNOWN_LEADER_EPOCH for a leader epoch newer than ours;
 * - a topic whose compression.type is zstd gets UNSUPPORTED_COMPRESSION_TYPE
 *   before v10, as in Kafka (KIP-110; zstd batches produced under another
 *   compression.type are served as they are);
 * - no incremental fetch sessions (KIP-227): we answer sessionId 0, which
 *   tells the client to keep sending full fetches; a request naming a
 *   session id gets FETCH_SESSION_ID_NOT_FOUND.
 *
 * Version notes: v7 sessions; v9 currentLeaderEpoch; v11 rackId and
 * preferredReadReplica; v12 flexible; v13 topic ids (KIP-516); v15 replica
 * state moves to a tagged field; v16-17 node endpoints and directory ids;
 * v18 the tagged highWatermark a follower reports (KIP-1166), which only
 * replicas send and a consumer's fetch ignores.
 */
import { Partition } from '../../cluster/partition';
import { effectiveConfig } from '../../cluster/topic-config';
import { Topic } from '../../cluster/topic-manager';
import { ErrorCode } from '../../protocol/error-codes';
import { fetchRequest, fetchResponse } from '../../protocol/messages';
import type { ReadAlloc } from '../../storage/file-io';
import { OffsetOutOfRangeError } from '../../storage/partition-log';
import { fetchReadPool } from '../../storage/read-buffer-pool';
import { defineHandler } from '../handler';
import type { Broker } from '../broker';

const EMPTY = Buffer.alloc(0);
const READ_COMMITTED = 1;

interface PartitionAnswer {
  partitionIndex: number;
  errorCode: number;
  highWatermark: bigint;
  lastStableOffset: bigint;
  logStartOffset: bigint;
  abortedTransactions: { producerId: bigint; firstOffset: bigint }[] | null;
  preferredReadReplica: number;
  records: Buffer | Buffer[];
}

interface TopicAnswer {
  topic: string;
  topicId: string;
  partitions: PartitionAnswer[];
}

interface Wanted {
  partitionIndex: number;
  fetchOffset: number;
  maxBytes: number;
  currentLeaderEpoch: number;
}

/** A partition that could not be read: Kafka reports every offset as -1 then, even for a partition it has. */
function errorAnswer(partitionIndex: number, errorCode: number): PartitionAnswer {
  return {
    partitionIndex,
    errorCode,
    highWatermark: -1n,
    lastStableOffset: -1n,
    logStartOffset: -1n,
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: EMPTY,
  };
}

export const fetchHandler = defineHandler({
  apiKey: 1,
  name: 'Fetch',
  minVersion: 4,
  maxVersion: 18,
  request: fetchRequest,
  response: fetchResponse,
  async handle(req, ctx) {
    const broker = ctx.broker;
    const byId = ctx.apiVersion >= 13;
    if (req.sessionId !== 0) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
    }
    const aborted = req.isolationLevel === READ_COMMITTED ? [] : null;
    const resolved = req.topics.map((t) => ({
      name: t.topic,
      topicId: t.topicId,
      topic: undefined as Topic | undefined,
      wanted: t.partitions.map<Wanted>((p) => ({
        partitionIndex: p.partition,
        fetchOffset: Number(p.fetchOffset),
        maxBytes: p.partitionMaxBytes,
        currentLeaderEpoch: p.currentLeaderEpoch,
      })),
    }));
    const deadline = Date.now() + Math.max(0, req.maxWaitMs);

    for (;;) {
      // Looked up again after every wait: a topic may have been deleted or created meanwhile.
      for (const t of resolved) t.topic = byId ? broker.topics.getById(t.topicId) : broker.topics.get(t.name);
      // Record data is read into pooled buffers; the connection gives them back once the answer is
      // written (read-buffer-pool.ts). An answer not sent (we wait and read again) gives them back here.
      const lease = fetchReadPool.lease();
      const alloc: ReadAlloc = (n) => lease.alloc(n);
      let budget = Math.max(0, req.maxBytes);
      let total = 0;
      let errors = false;
      const responses: TopicAnswer[] = [];
      for (const t of resolved) {
        const partitions: PartitionAnswer[] = [];
        for (const w of t.wanted) {
          const answer = zstdTooOld(broker, t.topic, ctx.apiVersion)
            ? errorAnswer(w.partitionIndex, ErrorCode.UNSUPPORTED_COMPRESSION_TYPE)
            : await readPartition(t.topic, w, budget, total === 0, byId, aborted, alloc);
          partitions.push(answer);
          if (answer.errorCode !== ErrorCode.NONE) errors = true;
          const n = answer.records === EMPTY ? 0 : (answer.records as Buffer[]).reduce((a, b) => a + b.length, 0);
          total += n;
          budget = Math.max(0, budget - n);
        }
        responses.push({ topic: t.topic?.name ?? t.name, topicId: t.topic?.topicId ?? t.topicId, partitions });
      }
      const wait = deadline - Date.now();
      if (total >= req.minBytes || errors || wait <= 0 || broker.shuttingDown) {
        if (total === 0) lease.release(); // no record data in the answer
        return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses };
      }
      lease.release(); // this round's answer is dropped
      await waitForData(broker, resolved.flatMap((t) => t.wanted.map((w) => t.topic?.partitions[w.partitionIndex])), wait);
    }
  },
});

/** Fetch before v10 of a topic whose compression.type is zstd: UNSUPPORTED_COMPRESSION_TYPE, as Kafka answers (KIP-110). */
function zstdTooOld(broker: Broker, topic: Topic | undefined, version: number): boolean {
  return version < 10 && topic !== undefined && effectiveConfig('compression.type', topic.configs, broker.topicDefaults) === 'zstd';
}

async function readPartition(
  topic: Topic | undefined,
  w: Wanted,
  budget: number,
  first: boolean,
  byId: boolean,
  aborted: PartitionAnswer['abortedTransactions'],
  alloc: ReadAlloc,
): Promise<PartitionAnswer> {
  if (!topic) return errorAnswer(w.partitionIndex, byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const p = topic.partitions[w.partitionIndex];
  if (!p) return errorAnswer(w.partitionIndex, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (w.currentLeaderEpoch > p.leaderEpoch) return errorAnswer(w.partitionIndex, ErrorCode.UNKNOWN_LEADER_EPOCH);
  // KIP-74: the first batch of the response is returned whole; later ones only within the budget.
  const limit = Math.min(w.maxBytes, first ? Math.max(budget, 1) : budget);
  let records: Buffer | Buffer[] = EMPTY;
  if (limit > 0 && w.maxBytes > 0) {
    try {
      const r = await p.log.read(w.fetchOffset, limit, undefined, alloc);
      const size = r.records.reduce((a: number, b: Buffer) => a + b.length, 0);
      // A batch larger than the remaining budget may only come first.
      if (size > 0 && (first || size <= budget)) records = r.records;
    } catch (err) {
      if (err instanceof OffsetOutOfRangeError) return errorAnswer(w.partitionIndex, ErrorCode.OFFSET_OUT_OF_RANGE);
      // The log was closed under the read: the topic was deleted, or the broker is stopping.
      return errorAnswer(w.partitionIndex, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }
  }
  const hw = BigInt(p.log.highWatermark);
  return {
    partitionIndex: w.partitionIndex,
    errorCode: ErrorCode.NONE,
    highWatermark: hw,
    lastStableOffset: hw,
    logStartOffset: BigInt(p.log.logStartOffset),
    abortedTransactions: aborted,
    preferredReadReplica: -1,
    records,
  };
}

/** Resolves on the first append to any of `partitions`, after `ms`, or at shutdown. */
function waitForData(broker: Broker, partitions: (Partition | undefined)[], ms: number): Promise<void> {
  return new Promise((resolve) => {
    const cancels: (() => void)[] = [];
    const done = () => {
      clearTimeout(timer);
      for (const c of cancels) c();
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const p of partitions) if (p) cancels.push(p.onNextAppend(done));
    if (broker.shuttingDown) done();
  });
}
