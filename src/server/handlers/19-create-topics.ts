/**
 * CreateTopics (key 19), versions 2-7.
 *
 * Behavior, per topic:
 * - numPartitions -1 takes the broker default; 0 or below -1 is
 *   INVALID_PARTITIONS; replicationFactor -1 or 1 is fine, anything larger
 *   is INVALID_REPLICATION_FACTOR (there is one broker), 0 or below -1 too;
 * - manual assignments must name partitions 0..n-1 once each, each on this
 *   broker only, and exclude numPartitions/replicationFactor
 *   (INVALID_REQUEST / INVALID_REPLICA_ASSIGNMENT);
 * - configs must be known topic configs with valid values (INVALID_CONFIG);
 * - existing topic TOPIC_ALREADY_EXISTS; bad name INVALID_TOPIC_EXCEPTION; the
 *   same name twice in one request INVALID_REQUEST for both;
 * - validateOnly checks everything and creates nothing;
 * - v5+ echoes the partition count, replication factor and every config
 *   with its value and source exactly as DescribeConfigs shows them (the
 *   topic's own, a dynamic or static broker setting, or Kafka's default).
 *
 * Version notes: v5 flexible and config echo (KIP-525); v7 topic ids.
 */
import { KafkaError } from '../../cluster/kafka-error';
import { BrokerConfigs } from '../../cluster/broker-configs';
import { ErrorCode } from '../../protocol/error-codes';
import { createTopicsRequest, createTopicsResponse } from '../../protocol/messages';
import { ZERO_UUID } from '../../protocol/primitives';
import { defineHandler } from '../handler';

/** Every topic config with its value and source, as DescribeConfigs would show them (KIP-525). */
function configsEcho(own: Record<string, string>, broker: BrokerConfigs) {
  return broker.describeTopic(own, false, false, null).map((c) => ({
    name: c.name,
    value: c.value,
    readOnly: c.readOnly,
    configSource: c.source,
    isSensitive: c.isSensitive,
  }));
}

export const createTopicsHandler = defineHandler({
  apiKey: 19,
  name: 'CreateTopics',
  minVersion: 2,
  maxVersion: 7,
  request: createTopicsRequest,
  response: createTopicsResponse,
  async handle(req, ctx) {
    const broker = ctx.broker;
    const nodeId = broker.config.nodeId;
    const counts = new Map<string, number>();
    for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const results = [];
    for (const t of req.topics) {
      const fail = (code: ErrorCode, message: string) => ({
        name: t.name,
        topicId: ZERO_UUID,
        errorCode: code,
        errorMessage: message,
        numPartitions: -1,
        replicationFactor: -1,
        configs: null,
      });
      if ((counts.get(t.name) ?? 0) > 1) {
        results.push(fail(ErrorCode.INVALID_REQUEST, `Create topics request from client contains duplicate topic name '${t.name}'`));
        continue;
      }
      try {
        let numPartitions = t.numPartitions;
        let replicationFactor = t.replicationFactor;
        if (t.assignments.length > 0) {
          if (numPartitions !== -1 || replicationFactor !== -1) {
            throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.');
          }
          const seen = new Set<number>();
          for (const a of t.assignments) {
            if (a.partitionIndex < 0 || a.partitionIndex >= t.assignments.length || seen.has(a.partitionIndex)) {
              throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Partitions should be a consecutive 0-based integer sequence');
            }
            seen.add(a.partitionIndex);
            if (a.brokerIds.length === 0 || a.brokerIds.some((b) => b !== nodeId) || new Set(a.brokerIds).size !== a.brokerIds.length) {
              throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Replica assignment for partition ${a.partitionIndex} names brokers other than broker ${nodeId}, or a broker twice`);
            }
          }
          numPartitions = t.assignments.length;
          replicationFactor = 1;
        }
        if (numPartitions === -1) numPartitions = broker.config.defaultPartitions;
        if (numPartitions <= 0) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, 'Number of partitions was set to an invalid non-positive value.');
        if (replicationFactor === -1) replicationFactor = 1;
        if (replicationFactor <= 0) throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0, or -1 to use the default value.');
        if (replicationFactor > 1) {
          throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, `Unable to replicate the partition ${replicationFactor} time(s): The target replication factor of ${replicationFactor} cannot be reached because only 1 broker(s) are registered.`);
        }
        const configs: Record<string, string> = {};
        for (const c of t.configs) {
          if (c.value === null) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Null value not supported for topic configs: ${c.name}`);
          configs[c.name] = c.value;
        }
        const topic = await broker.topics.create(t.name, { numPartitions, configs, validateOnly: req.validateOnly });
        results.push({
          name: t.name,
          topicId: topic.topicId, // validateOnly: a fresh id that is never used, as Kafka answers
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          numPartitions,
          replicationFactor,
          configs: configsEcho(topic.configs, broker.brokerConfigs),
        });
        if (!req.validateOnly) ctx.log.info({ topic: t.name, partitions: numPartitions }, 'topic created');
      } catch (err) {
        if (!(err instanceof KafkaError)) throw err;
        results.push(fail(err.code, err.message));
      }
    }
    return { throttleTimeMs: 0, topics: results };
  },
});
