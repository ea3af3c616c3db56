/**
 * ListOffsets (key 2), versions 1-11.
 *
 * Behavior, by the timestamp asked for:
 * - -1 (latest): the high watermark (read_committed: the last stable
 *   offset, the same on a broker without transactions);
 * - -2 (earliest) and -4 (earliest local, v8+): the log start offset (no
 *   tiered storage here, so the local log starts where the log does, which
 *   is what Kafka answers when remote storage is off);
 * - -3 (max timestamp, v7+): the first record with the largest timestamp;
 * - -5 (latest tiered, v9+, KIP-1005) and -6 (earliest pending upload,
 *   v11+, KIP-1023): without remote storage Kafka answers offset -1,
 *   timestamp -1, leader epoch -1 and no error, and so do we;
 * - t >= 0: the first record whose timestamp is >= t, looked up per record
 *   inside batches, or offset -1 when there is none;
 * - any other negative timestamp, or a special one sent with a version
 *   older than the one that introduced it, gets UNSUPPORTED_VERSION for
 *   that partition (Kafka's ReplicaManager.isListOffsetsTimestampUnsupported,
 *   checked before the topic is looked up);
 * returned timestamps are -1 except for -3 and t >= 0 lookups.
 * Unknown topics or partitions get UNKNOWN_TOPIC_OR_PARTITION; a leader
 * epoch newer than ours, UNKNOWN_LEADER_EPOCH.
 *
 * Version notes: v2 isolation level; v4 leader epochs (KIP-320); v6
 * flexible; v7 max timestamp (KIP-734); v8 earliest local (KIP-405); v9
 * latest tiered (KIP-1005); v10 timeoutMs, which bounds reads from remote
 * storage (none here, so every answer is immediate and it is ignored); v11
 * earliest pending upload (KIP-1023).
 */
import { Partition } from '../../cluster/partition';
import { ErrorCode } from '../../protocol/error-codes';
import { listOffsetsRequest, listOffsetsResponse } from '../../protocol/messages';
import { defineHandler } from '../handler';

const LATEST = -1n;
const EARLIEST = -2n;
const MAX_TIMESTAMP = -3n;
const EARLIEST_LOCAL = -4n;
const LATEST_TIERED = -5n;
const EARLIEST_PENDING_UPLOAD = -6n;

/** The first version that may ask for each special timestamp (Kafka's timestampMinSupportedVersion). */
const MIN_VERSION = new Map<bigint, number>([
  [LATEST, 1],
  [EARLIEST, 1],
  [MAX_TIMESTAMP, 7],
  [EARLIEST_LOCAL, 8],
  [LATEST_TIERED, 9],
  [EARLIEST_PENDING_UPLOAD, 11],
]);

function timestampUnsupported(timestamp: bigint, version: number): boolean {
  if (timestamp >= 0n) return false;
  const min = MIN_VERSION.get(timestamp);
  return min === undefined || version < min;
}

interface PartitionAnswer {
  partitionIndex: number;
  errorCode: number;
  timestamp: bigint;
  offset: bigint;
  leaderEpoch: number;
}

function answer(partitionIndex: number, errorCode: number, timestamp = -1n, offset = -1n, leaderEpoch = -1): PartitionAnswer {
  return { partitionIndex, errorCode, timestamp, offset, leaderEpoch };
}

async function lookup(p: Partition, partitionIndex: number, timestamp: bigint): Promise<PartitionAnswer> {
  const log = p.log;
  const ok = (ts: bigint, offset: number) => answer(partitionIndex, ErrorCode.NONE, ts, BigInt(offset), p.leaderEpoch);
  switch (timestamp) {
    case LATEST:
      return ok(-1n, log.highWatermark);
    case EARLIEST:
    case EARLIEST_LOCAL:
      return ok(-1n, log.logStartOffset);
    case LATEST_TIERED:
    case EARLIEST_PENDING_UPLOAD:
      // Nothing is ever uploaded to remote storage here.
      return answer(partitionIndex, ErrorCode.NONE, -1n, -1n, -1);
    case MAX_TIMESTAMP: {
      const found = await log.maxTimestamp();
      return found ? ok(BigInt(found.timestamp), found.offset) : answer(partitionIndex, ErrorCode.NONE);
    }
  }
  const found = await log.offsetForTimestamp(Number(timestamp));
  return found ? ok(BigInt(found.timestamp), found.offset) : answer(partitionIndex, ErrorCode.NONE);
}

export const listOffsetsHandler = defineHandler({
  apiKey: 2,
  name: 'ListOffsets',
  minVersion: 1,
  maxVersion: 11,
  request: listOffsetsRequest,
  response: listOffsetsResponse,
  async handle(req, ctx) {
    const topics = [];
    for (const t of req.topics) {
      const topic = ctx.broker.topics.get(t.name);
      const partitions: PartitionAnswer[] = [];
      for (const p of t.partitions) {
        const partition = topic?.partitions[p.partitionIndex];
        if (timestampUnsupported(p.timestamp, ctx.apiVersion)) partitions.push(answer(p.partitionIndex, ErrorCode.UNSUPPORTED_VERSION));
        else if (!partition) partitions.push(answer(p.partitionIndex, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
        else if (p.currentLeaderEpoch > partition.leaderEpoch) partitions.push(answer(p.partitionIndex, ErrorCode.UNKNOWN_LEADER_EPOCH));
        else partitions.push(await lookup(partition, p.partitionIndex, p.timestamp));
      }
      topics.push({ name: t.name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
});
