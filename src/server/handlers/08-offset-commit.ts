/**
 * OffsetCommit (key 8), versions 2-10.
 *
 * Behavior:
 * - a partition of a topic that does not exist gets
 *   UNKNOWN_TOPIC_OR_PARTITION; the rest go to the coordinator
 *   (GroupCoordinator.commitOffsets), which writes them to
 *   __consumer_offsets before answering;
 * - v10 names topics by id: the handler maps each id to the topic's name
 *   (the coordinator keeps names, as Kafka's does); an id this broker does
 *   not know gets UNKNOWN_TOPIC_ID on every partition of it, as Kafka 4.2
 *   answers, and the response names each topic by the id it was asked with;
 * - a member commits with its generation and member id; a client outside
 *   group management (generation -1, no member id) may commit only while
 *   the group has no members (else UNKNOWN_MEMBER_ID), creating the group
 *   if needed; ILLEGAL_GENERATION, FENCED_INSTANCE_ID and
 *   REBALANCE_IN_PROGRESS (between JoinGroup and SyncGroup) as Kafka;
 * - metadata longer than offset.metadata.max.bytes gets
 *   OFFSET_METADATA_TOO_LARGE for that partition.
 *
 * Version notes: v2-4 carry a retention time (-1: the broker's); v3
 * throttle time; v6 leader epoch; v7 groupInstanceId; v8 flexible; v9 the
 * generation field doubles as the member epoch of KIP-848 groups (only
 * classic groups exist here); v10 topic ids instead of names (KIP-848).
 */
import { ErrorCode } from '../../protocol/error-codes';
import { offsetCommitRequest, offsetCommitResponse } from '../../protocol/messages';
import { OffsetToCommit } from '../../cluster/group-coordinator';
import { defineHandler } from '../handler';

export const offsetCommitHandler = defineHandler({
  apiKey: 8,
  name: 'OffsetCommit',
  minVersion: 2,
  maxVersion: 10,
  request: offsetCommitRequest,
  response: offsetCommitResponse,
  async handle(req, ctx) {
    const broker = ctx.broker;
    const codes: ErrorCode[][] = [];
    const offsets: OffsetToCommit[] = [];
    const where: { t: number; p: number }[] = [];
    const byId = ctx.apiVersion >= 10;
    req.topics.forEach((topic, t) => {
      const name = byId ? broker.topics.getById(topic.topicId)?.name : topic.name;
      codes.push(
        topic.partitions.map((p, i) => {
          if (name === undefined) return ErrorCode.UNKNOWN_TOPIC_ID;
          if (!broker.topics.partition(name, p.partitionIndex)) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          offsets.push({ topic: name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.committedMetadata });
          where.push({ t, p: i });
          return ErrorCode.NONE;
        }),
      );
    });
    if (offsets.length > 0) {
      const results = await broker.groups.commitOffsets({
        groupId: req.groupId,
        generationId: req.generationIdOrMemberEpoch,
        memberId: req.memberId,
        groupInstanceId: req.groupInstanceId,
        retentionTimeMs: ctx.apiVersion <= 4 ? Number(req.retentionTimeMs) : -1,
        apiVersion: ctx.apiVersion,
        offsets,
      });
      results.forEach((code, i) => (codes[where[i].t][where[i].p] = code));
    }
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((topic, t) => ({
        name: topic.name,
        topicId: topic.topicId,
        partitions: topic.partitions.map((p, i) => ({ partitionIndex: p.partitionIndex, errorCode: codes[t][i] })),
      })),
    };
  },
});
