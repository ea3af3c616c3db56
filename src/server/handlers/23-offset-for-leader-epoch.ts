/**
 * OffsetForLeaderEpoch (key 23), versions 0-4.
 *
 * Behavior, per partition (as Kafka's Partition.lastOffsetForLeaderEpoch
 * and LeaderEpochFileCache.endOffsetFor, for a log whose only leader epoch
 * is 0, starting at the log start offset):
 * - currentLeaderEpoch (v2+), unless -1: below ours FENCED_LEADER_EPOCH,
 *   above ours UNKNOWN_LEADER_EPOCH;
 * - leaderEpoch equal to ours (0): our epoch and the log end offset;
 * - leaderEpoch -1 (undefined) or above ours: leaderEpoch -1, endOffset -1
 *   (UNDEFINED_EPOCH_OFFSET), no error;
 * - leaderEpoch below -1 (older than any epoch we know): that epoch and the
 *   log start offset (the start of the first epoch we know);
 * - unknown topic or partition: UNKNOWN_TOPIC_OR_PARTITION.
 * replicaId (v3+) is -1 for consumers; a follower's id is answered the same
 * way (this broker is every partition's leader).
 *
 * Version notes: v1 leaderEpoch in the answer; v2 currentLeaderEpoch and
 * throttleTimeMs (KIP-320); v3 replicaId (consumers may call it); v4
 * flexible.
 */
import { ErrorCode } from '../../protocol/error-codes';
import { offsetForLeaderEpochRequest, offsetForLeaderEpochResponse } from '../../protocol/messages';
import { defineHandler } from '../handler';

const NO_EPOCH = -1;

export const offsetForLeaderEpochHandler = defineHandler({
  apiKey: 23,
  name: 'OffsetForLeaderEpoch',
  minVersion: 0,
  maxVersion: 4,
  request: offsetForLeaderEpochRequest,
  response: offsetForLeaderEpochResponse,
  handle(req, ctx) {
    const topics = req.topics.map((t) => {
      const topic = ctx.broker.topics.get(t.topic);
      const partitions = t.partitions.map((p) => {
        const answer = (errorCode: ErrorCode, leaderEpoch = NO_EPOCH, endOffset = -1n) => ({
          errorCode,
          partition: p.partition,
          leaderEpoch,
          endOffset,
        });
        const partition = topic?.partitions[p.partition];
        if (!partition) return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        const ours = partition.leaderEpoch;
        if (p.currentLeaderEpoch !== NO_EPOCH) {
          if (p.currentLeaderEpoch < ours) return answer(ErrorCode.FENCED_LEADER_EPOCH);
          if (p.currentLeaderEpoch > ours) return answer(ErrorCode.UNKNOWN_LEADER_EPOCH);
        }
        if (p.leaderEpoch === ours) return answer(ErrorCode.NONE, ours, BigInt(partition.log.logEndOffset));
        if (p.leaderEpoch === NO_EPOCH || p.leaderEpoch > ours) return answer(ErrorCode.NONE);
        return answer(ErrorCode.NONE, p.leaderEpoch, BigInt(partition.log.logStartOffset));
      });
      return { topic: t.topic, partitions };
    });
    return { throttleTimeMs: 0, topics };
  },
});
