/**
 * Metadata (key 3), versions 0-13.
 *
 * Behavior:
 * - brokers: this one, at its advertised address; it is the controller and
 *   leads every partition (epoch 0, replicas = ISR = [this broker]);
 * - topics: v0 with an empty list, or v1+ with a null list, means all topics
 *   (internal ones such as __consumer_offsets included, flagged isInternal,
 *   as Kafka answers; Java's listTopics filters them by that flag); v1+
 *   with an empty list means none;
 * - a named topic that does not exist is created when auto-creation is on
 *   and the request allows it (always for v0-3, allowAutoTopicCreation from
 *   v4), else UNKNOWN_TOPIC_OR_PARTITION; a bad name gets
 *   INVALID_TOPIC_EXCEPTION; v10+ topics asked by id that do not exist get
 *   UNKNOWN_TOPIC_ID.
 *
 * Version notes: v10 adds topic ids (KIP-516); v8-10 authorized operations
 * (KIP-430; without an authorizer every operation is allowed); v13 a
 * top-level errorCode (KIP-1102), always NONE here: Kafka sets it only to
 * REBOOTSTRAP_REQUIRED, which a single node never needs.
 */
import { KafkaError } from '../../cluster/kafka-error';
import { OFFSETS_TOPIC } from '../../cluster/offsets-topic';
import { Topic } from '../../cluster/topic-manager';
import { topicNameProblem } from '../../cluster/topic-name';
import { ErrorCode } from '../../protocol/error-codes';
import { metadataRequest, metadataResponse } from '../../protocol/messages';
import { ZERO_UUID } from '../../protocol/primitives';
import { defineHandler } from '../handler';
import type { Broker } from '../broker';

/** AclOperation bits: READ 3, WRITE 4, CREATE 5, DELETE 6, ALTER 7, DESCRIBE 8, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11. */
const TOPIC_OPERATIONS = [3, 4, 5, 6, 7, 8, 10, 11].reduce((a, b) => a | (1 << b), 0);
/** CREATE 5, ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12, CREATE_TOKENS 13, DESCRIBE_TOKENS 14. */
const CLUSTER_OPERATIONS = [5, 7, 8, 9, 10, 11, 12, 13, 14].reduce((a, b) => a | (1 << b), 0);
const OPERATIONS_NOT_REQUESTED = -2147483648;

interface TopicAnswer {
  errorCode: number;
  name: string | null;
  topicId: string;
  isInternal: boolean;
  partitions: {
    errorCode: number;
    partitionIndex: number;
    leaderId: number;
    leaderEpoch: number;
    replicaNodes: number[];
    isrNodes: number[];
    offlineReplicas: number[];
  }[];
  topicAuthorizedOperations: number;
}

function describe(topic: Topic, nodeId: number, operations: number): TopicAnswer {
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.topicId,
    isInternal: topic.internal,
    partitions: topic.partitions.map((p) => ({
      errorCode: ErrorCode.NONE,
      partitionIndex: p.index,
      leaderId: nodeId,
      leaderEpoch: p.leaderEpoch,
      replicaNodes: [nodeId],
      isrNodes: [nodeId],
      offlineReplicas: [],
    })),
    topicAuthorizedOperations: operations,
  };
}

function failed(errorCode: number, name: string | null, topicId = ZERO_UUID): TopicAnswer {
  return { errorCode, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: OPERATIONS_NOT_REQUESTED };
}

async function findOrCreate(broker: Broker, name: string, mayCreate: boolean): Promise<Topic | number> {
  const existing = broker.topics.get(name);
  if (existing) return existing;
  if (topicNameProblem(name)) return ErrorCode.INVALID_TOPIC_EXCEPTION;
  if (!mayCreate || !broker.config.autoCreateTopics) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  try {
    // Asking for __consumer_offsets creates it as the coordinator would (compacted, offsets.topic.num.partitions).
    if (name === OFFSETS_TOPIC) return await broker.offsetsTopic.ensure();
    return await broker.topics.ensure(name, broker.config.defaultPartitions);
  } catch (err) {
    if (err instanceof KafkaError) return err.code;
    throw err;
  }
}

export const metadataHandler = defineHandler({
  apiKey: 3,
  name: 'Metadata',
  minVersion: 0,
  maxVersion: 13,
  request: metadataRequest,
  response: metadataResponse,
  async handle(req, ctx) {
    const broker = ctx.broker;
    const nodeId = broker.config.nodeId;
    const v = ctx.apiVersion;
    const operations = req.includeTopicAuthorizedOperations ? TOPIC_OPERATIONS : OPERATIONS_NOT_REQUESTED;
    const mayCreate = v < 4 || req.allowAutoTopicCreation;
    const all = req.topics === null || (v === 0 && req.topics.length === 0);
    let topics: TopicAnswer[];
    if (all) {
      // Internal topics too (isInternal set), as Kafka's metadataCache.getAllTopics(): clients filter them.
      topics = broker.topics.list().map((t) => describe(t, nodeId, operations));
    } else {
      topics = [];
      for (const t of req.topics ?? []) {
        if (t.name === null || t.name === undefined) {
          const byId = t.topicId !== ZERO_UUID ? broker.topics.getById(t.topicId) : undefined;
          topics.push(byId ? describe(byId, nodeId, operations) : failed(ErrorCode.UNKNOWN_TOPIC_ID, null, t.topicId));
          continue;
        }
        const found = await findOrCreate(broker, t.name, mayCreate);
        topics.push(typeof found === 'number' ? failed(found, t.name) : describe(found, nodeId, operations));
      }
    }
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId, host: broker.config.advertisedHost, port: broker.advertisedPort, rack: null }],
      clusterId: broker.clusterId,
      controllerId: nodeId,
      topics,
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : OPERATIONS_NOT_REQUESTED,
      errorCode: ErrorCode.NONE,
    };
  },
});
