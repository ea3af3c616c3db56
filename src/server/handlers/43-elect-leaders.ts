/**
 * ElectLeaders (key 43), versions 0-2.
 *
 * Behavior (as Kafka's ReplicationControlManager.electLeaders, on one
 * broker that leads every partition, its preferred and only replica):
 * - each named partition: ELECTION_NOT_NEEDED ("Leader election not needed
 *   for topic partition."), for preferred (0) and unclean (1) elections
 *   alike; unknown topic or partition: UNKNOWN_TOPIC_OR_PARTITION with
 *   Kafka's "No such topic as ..." / "No such partition as ..." messages;
 * - topicPartitions null: every topic, each with an empty list (Kafka
 *   leaves out the partitions whose election was not needed);
 * - an electionType other than 0 and 1: INVALID_REQUEST at the top (v1+)
 *   and on every named partition, "Unknown election type N".
 * timeoutMs is not waited on: nothing is elected.
 *
 * Version notes: v1 electionType and the top-level errorCode (KIP-460); v2
 * flexible.
 */
import { ErrorCode } from '../../protocol/error-codes';
import { electLeadersRequest, electLeadersResponse } from '../../protocol/messages';
import { defineHandler } from '../handler';

const NOT_NEEDED = 'Leader election not needed for topic partition.';

export const electLeadersHandler = defineHandler({
  apiKey: 43,
  name: 'ElectLeaders',
  minVersion: 0,
  maxVersion: 2,
  request: electLeadersRequest,
  response: electLeadersResponse,
  handle(req, ctx) {
    const topics = ctx.broker.topics;
    if (req.topicPartitions === null) {
      return {
        throttleTimeMs: 0,
        errorCode: req.electionType === 0 || req.electionType === 1 ? ErrorCode.NONE : ErrorCode.INVALID_REQUEST,
        replicaElectionResults: req.electionType === 0 || req.electionType === 1 ? topics.list().map((t) => ({ topic: t.name, partitionResult: [] })) : [],
      };
    }
    if (req.electionType !== 0 && req.electionType !== 1) {
      const errorMessage = `Unknown election type ${req.electionType}`;
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.INVALID_REQUEST,
        replicaElectionResults: req.topicPartitions.map((t) => ({
          topic: t.topic,
          partitionResult: t.partitions.map((partitionId) => ({ partitionId, errorCode: ErrorCode.INVALID_REQUEST, errorMessage })),
        })),
      };
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      replicaElectionResults: req.topicPartitions.map((t) => {
        const topic = topics.get(t.topic);
        return {
          topic: t.topic,
          partitionResult: t.partitions.map((partitionId) => {
            if (!topic) return { partitionId, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `No such topic as ${t.topic}` };
            if (!topic.partitions[partitionId]) {
              return { partitionId, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `No such partition as ${t.topic}-${partitionId}` };
            }
            return { partitionId, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: NOT_NEEDED };
          }),
        };
      }),
    };
  },
});
