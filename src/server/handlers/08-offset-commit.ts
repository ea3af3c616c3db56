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
 *   OFFSET_METADATA_TOO_LARGE for that partition;
 * - the response lists each topic once, the partitions that failed
 *   validation (unknown topic, id or partition) first and then the
 *   coordinator's answers, as Kafka's OffsetCommitResponse.Builder does
 *   (KafkaApisTest.testHandleOffsetCommitRequestTopicsAndPartitionsValidation).
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
    const byId = ctx.apiVersion >= 10;
    const offsets: OffsetToCommit[] = [];
    const valid: { topic: number; partitionIndex: number }[] = [];
    // The response as Kafka's OffsetCommitResponse.Builder makes it: one entry per topic (by name, or by id
    // from v10), the partitions that fail validation first, in request order, then the coordinator's answers.
    const answer = new Map<string, { name: string; topicId: string; partitions: { partitionIndex: number; errorCode: ErrorCode }[] }>();
    const add = (t: number, partitionIndex: number, errorCode: ErrorCode) => {
      const topic = req.topics[t];
      const key = byId ? topic.topicId : topic.name;
      let entry = answer.get(key);
      if (!entry) answer.set(key, (entry = { name: topic.name, topicId: topic.topicId, partitions: [] }));
      entry.partitions.push({ partitionIndex, errorCode });
    };
    req.topics.forEach((topic, t) => {
      const name = byId ? broker.topics.getById(topic.topicId)?.name : topic.name;
      for (const p of topic.partitions) {
        if (name === undefined) add(t, p.partitionIndex, ErrorCode.UNKNOWN_TOPIC_ID);
        else if (!broker.topics.partition(name, p.partitionIndex)) add(t, p.partitionIndex, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        else {
          offsets.push({ topic: name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.committedMetadata });
          valid.push({ topic: t, partitionIndex: p.partitionIndex });
        }
      }
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
      results.forEach((code, i) => add(valid[i].topic, valid[i].partitionIndex, code));
    }
    return { throttleTimeMs: 0, topics: [...answer.values()] };
  },
});
