/**
 * Broker settings. Every one is a command-line flag and an environment
 * variable (see cli.ts); these are their defaults.
 */
export interface BrokerConfig {
  /** node.id */
  nodeId: number;
  /** Address and port the listener binds. */
  host: string;
  port: number;
  /** Address and port written into Metadata for clients (default: the listen ones). */
  advertisedHost: string;
  advertisedPort: number;
  /** log.dirs: where topic-partition directories live. */
  dataDir: string;
  /** num.partitions for auto-created topics and CreateTopics with -1. */
  defaultPartitions: number;
  /** auto.create.topics.enable */
  autoCreateTopics: boolean;
  /** socket.request.max.bytes: larger frames close the connection. */
  maxRequestBytes: number;
  /** log.retention.check.interval.ms */
  retentionCheckIntervalMs: number;
  /** Broker-wide defaults for topic configs (log.retention.ms, log.segment.bytes, ...). */
  logRetentionMs: number;
  logRetentionBytes: number;
  logSegmentBytes: number;
  logSegmentMs: number;
  messageMaxBytes: number;
  /** log.flush.interval.messages: fsync after this many records (default: never, rely on the page cache). */
  logFlushIntervalMessages: number;
  /** group.min.session.timeout.ms / group.max.session.timeout.ms: JoinGroup session timeouts outside get INVALID_SESSION_TIMEOUT. */
  groupMinSessionTimeoutMs: number;
  groupMaxSessionTimeoutMs: number;
  /** group.initial.rebalance.delay.ms: how long a new group waits for more members (Kafka 3000; 0 as in Kafka's dev images). */
  groupInitialRebalanceDelayMs: number;
  /** group.max.size: members beyond this get GROUP_MAX_SIZE_REACHED. */
  groupMaxSize: number;
  /** offsets.topic.num.partitions: partitions of __consumer_offsets, fixed when it is created. */
  offsetsTopicNumPartitions: number;
  /** offsets.topic.segment.bytes */
  offsetsTopicSegmentBytes: number;
  /** offsets.retention.minutes: committed offsets of an empty group expire after this. */
  offsetsRetentionMinutes: number;
  /** offsets.retention.check.interval.ms */
  offsetsRetentionCheckIntervalMs: number;
  /** offset.metadata.max.bytes: longer commit metadata gets OFFSET_METADATA_TOO_LARGE. */
  offsetMetadataMaxBytes: number;
  /** producer.id.expiration.ms: an idempotent producer's state is dropped this long after its last batch's timestamp. */
  producerIdExpirationMs: number;
  /** producer.id.expiration.check.interval.ms */
  producerIdExpirationCheckIntervalMs: number;
  /** compression.type: broker default of the topic config (producer keeps the producer's codec). */
  compressionType: string;
  /** Read every produced batch record by record (decompressing compressed ones), as Kafka's LogValidator does. */
  validateRecords: boolean;
  /** log.cleaner.enable: run the log cleaner (compaction of cleanup.policy=compact topics). */
  logCleanerEnable: boolean;
  /** log.cleaner.backoff.ms: how often the cleaner looks for a log to clean when none needed it. */
  logCleanerBackoffMs: number;
  /** log.cleaner.dedupe.buffer.size: most memory the cleaner's key -> offset map may use. */
  logCleanerDedupeBufferSize: number;
  /** log.cleaner.delete.retention.ms: default delete.retention.ms of topics. */
  logCleanerDeleteRetentionMs: number;
  /** log.cleaner.min.cleanable.ratio: default min.cleanable.dirty.ratio of topics. */
  logCleanerMinCleanableRatio: number;
  logLevel: string;
}

export const DEFAULT_CONFIG: BrokerConfig = {
  nodeId: 1,
  host: '127.0.0.1',
  port: 9092,
  advertisedHost: '',
  advertisedPort: 0,
  dataDir: './data',
  defaultPartitions: 1,
  autoCreateTopics: true,
  maxRequestBytes: 104857600,
  retentionCheckIntervalMs: 300000,
  logRetentionMs: 604800000,
  logRetentionBytes: -1,
  logSegmentBytes: 1073741824,
  logSegmentMs: 604800000,
  messageMaxBytes: 1048588,
  logFlushIntervalMessages: Number.POSITIVE_INFINITY,
  groupMinSessionTimeoutMs: 6000,
  groupMaxSessionTimeoutMs: 1800000,
  groupInitialRebalanceDelayMs: 0,
  groupMaxSize: 2147483647,
  offsetsTopicNumPartitions: 50,
  offsetsTopicSegmentBytes: 104857600,
  offsetsRetentionMinutes: 10080,
  offsetsRetentionCheckIntervalMs: 600000,
  offsetMetadataMaxBytes: 4096,
  producerIdExpirationMs: 86400000,
  producerIdExpirationCheckIntervalMs: 600000,
  compressionType: 'producer',
  validateRecords: false,
  logCleanerEnable: true,
  logCleanerBackoffMs: 15000,
  logCleanerDedupeBufferSize: 134217728,
  logCleanerDeleteRetentionMs: 86400000,
  logCleanerMinCleanableRatio: 0.5,
  logLevel: 'info',
};

export function resolveConfig(partial: Partial<BrokerConfig>): BrokerConfig {
  const c: BrokerConfig = { ...DEFAULT_CONFIG };
  for (const [k, v] of Object.entries(partial)) if (v !== undefined) (c as unknown as Record<string, unknown>)[k] = v;
  if (!c.advertisedHost) c.advertisedHost = c.host === '0.0.0.0' || c.host === '::' ? '127.0.0.1' : c.host;
  return c;
}

/** Returns what is wrong with a configuration, or null. */
export function configProblem(c: BrokerConfig): string | null {
  const integers: (keyof BrokerConfig)[] = [
    'nodeId',
    'port',
    'advertisedPort',
    'defaultPartitions',
    'maxRequestBytes',
    'retentionCheckIntervalMs',
    'logRetentionMs',
    'logRetentionBytes',
    'logSegmentBytes',
    'logSegmentMs',
    'messageMaxBytes',
    'groupMinSessionTimeoutMs',
    'groupMaxSessionTimeoutMs',
    'groupInitialRebalanceDelayMs',
    'groupMaxSize',
    'offsetsTopicNumPartitions',
    'offsetsTopicSegmentBytes',
    'offsetsRetentionMinutes',
    'offsetsRetentionCheckIntervalMs',
    'offsetMetadataMaxBytes',
    'producerIdExpirationMs',
    'producerIdExpirationCheckIntervalMs',
    'logCleanerBackoffMs',
    'logCleanerDedupeBufferSize',
    'logCleanerDeleteRetentionMs',
  ];
  for (const k of integers) {
    const v = c[k] as number;
    if (!Number.isInteger(v)) return `${k} must be an integer, got ${v}`;
  }
  if (c.nodeId < 0) return 'node id must not be negative';
  if (c.port < 0 || c.port > 65535 || c.advertisedPort < 0 || c.advertisedPort > 65535) return 'ports must be between 0 and 65535';
  if (c.defaultPartitions < 1) return 'default partitions must be at least 1';
  if (c.maxRequestBytes < 1024) return 'max request bytes must be at least 1024';
  if (c.retentionCheckIntervalMs < 1) return 'retention check interval must be at least 1 ms';
  if (c.logSegmentBytes < 14) return 'segment bytes must be at least 14';
  if (!(c.logFlushIntervalMessages >= 1)) return 'flush interval messages must be at least 1';
  if (c.groupMinSessionTimeoutMs < 0 || c.groupMaxSessionTimeoutMs < c.groupMinSessionTimeoutMs) {
    return 'group session timeouts must satisfy 0 <= min <= max';
  }
  if (c.groupInitialRebalanceDelayMs < 0) return 'initial rebalance delay must not be negative';
  if (c.groupMaxSize < 1) return 'group max size must be at least 1';
  if (c.offsetsTopicNumPartitions < 1) return 'offsets topic partitions must be at least 1';
  if (c.offsetsTopicSegmentBytes < 14) return 'offsets topic segment bytes must be at least 14';
  if (c.offsetsRetentionMinutes < 1) return 'offsets retention must be at least 1 minute';
  if (c.offsetsRetentionCheckIntervalMs < 1) return 'offsets retention check interval must be at least 1 ms';
  if (c.offsetMetadataMaxBytes < 0) return 'offset metadata max bytes must not be negative';
  if (c.producerIdExpirationMs < 1) return 'producer id expiration must be at least 1 ms';
  if (c.producerIdExpirationCheckIntervalMs < 1) return 'producer id expiration check interval must be at least 1 ms';
  if (!['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'].includes(c.compressionType)) {
    return 'compression type must be one of producer, uncompressed, gzip, snappy, lz4, zstd';
  }
  if (c.logCleanerBackoffMs < 1) return 'log cleaner backoff must be at least 1 ms';
  if (c.logCleanerDedupeBufferSize < 1024 * 1024) return 'log cleaner dedupe buffer must be at least 1 MiB';
  if (c.logCleanerDeleteRetentionMs < 0) return 'log cleaner delete retention must not be negative';
  if (!(c.logCleanerMinCleanableRatio >= 0 && c.logCleanerMinCleanableRatio <= 1)) return 'log cleaner min cleanable ratio must be between 0 and 1';
  if (!c.dataDir) return 'a data directory is required';
  return null;
}
