#!/usr/bin/env node
/**
 * The command line. With no subcommand (or `start`) it runs the broker.
 * Every setting is a flag and an environment variable: --data-dir is
 * KAFKATS_DATA_DIR, --port is KAFKATS_PORT, and so on.
 */
import yargs from 'yargs';
import pino from 'pino';
import { Broker } from './broker';
import { DEFAULT_CONFIG, configProblem, resolveConfig } from './config';

const ENV_PREFIX = 'KAFKATS';

/** How dist/kafkats.js (launcher.ts) started this bundle; it is told when the broker is ready. */
export interface LaunchHooks {
  onReady?: () => void;
  /** What launcher.ts did with its V8 code cache (used, none, rejected, off), for the "ready" line. */
  codeCache?: string;
}

export async function main(argv: string[], hooks: LaunchHooks = {}): Promise<void> {
  const startedAt = performance.now();
  const args = yargs(argv)
    .scriptName('kafkats')
    .usage('$0 [start] [options]\n\nRuns a Kafka-compatible broker. Every option can also be set as an environment variable KAFKATS_<OPTION>, e.g. KAFKATS_DATA_DIR.')
    .command(['start', '$0'], 'run the broker (the default)')
    .env(ENV_PREFIX)
    .option('node-id', { type: 'number', default: DEFAULT_CONFIG.nodeId, describe: 'this broker\'s id (node.id)' })
    .option('host', { type: 'string', default: DEFAULT_CONFIG.host, describe: 'address to listen on (0.0.0.0 for all interfaces)' })
    .option('port', { type: 'number', default: DEFAULT_CONFIG.port, describe: 'port to listen on (0 picks a free one)' })
    .option('advertised-host', { type: 'string', describe: 'host clients are told to connect to (default: the listen host, or 127.0.0.1 when listening on all interfaces)' })
    .option('advertised-port', { type: 'number', describe: 'port clients are told to connect to (default: the listen port)' })
    .option('data-dir', { type: 'string', default: DEFAULT_CONFIG.dataDir, describe: 'directory for topic data and metadata (log.dirs)' })
    .option('default-partitions', { type: 'number', default: DEFAULT_CONFIG.defaultPartitions, describe: 'partitions of auto-created topics (num.partitions)' })
    .option('auto-create-topics', { type: 'boolean', default: DEFAULT_CONFIG.autoCreateTopics, describe: 'create unknown topics a client asks Metadata about, as Kafka does (auto.create.topics.enable); --no-auto-create-topics turns it off' })
    .option('max-request-bytes', { type: 'number', default: DEFAULT_CONFIG.maxRequestBytes, describe: 'largest request frame accepted; larger ones close the connection (socket.request.max.bytes)' })
    .option('log-retention-ms', { type: 'number', default: DEFAULT_CONFIG.logRetentionMs, describe: 'default retention.ms of topics; -1 keeps data forever' })
    .option('log-retention-bytes', { type: 'number', default: DEFAULT_CONFIG.logRetentionBytes, describe: 'default retention.bytes per partition; -1 for no limit' })
    .option('log-segment-bytes', { type: 'number', default: DEFAULT_CONFIG.logSegmentBytes, describe: 'default segment.bytes' })
    .option('log-segment-ms', { type: 'number', default: DEFAULT_CONFIG.logSegmentMs, describe: 'default segment.ms' })
    .option('message-max-bytes', { type: 'number', default: DEFAULT_CONFIG.messageMaxBytes, describe: 'default max.message.bytes (largest record batch)' })
    .option('log-flush-interval-messages', { type: 'number', describe: 'fsync after this many records (default: never; the page cache survives a process kill)' })
    .option('retention-check-interval-ms', { type: 'number', default: DEFAULT_CONFIG.retentionCheckIntervalMs, describe: 'how often retention and segment.ms are applied' })
    .option('group-min-session-timeout-ms', { type: 'number', default: DEFAULT_CONFIG.groupMinSessionTimeoutMs, describe: 'shortest session timeout a group member may ask for (group.min.session.timeout.ms)' })
    .option('group-max-session-timeout-ms', { type: 'number', default: DEFAULT_CONFIG.groupMaxSessionTimeoutMs, describe: 'longest session timeout a group member may ask for (group.max.session.timeout.ms)' })
    .option('group-initial-rebalance-delay-ms', { type: 'number', default: DEFAULT_CONFIG.groupInitialRebalanceDelayMs, describe: 'how long a new group waits for more members before its first rebalance (group.initial.rebalance.delay.ms; Kafka defaults to 3000)' })
    .option('group-max-size', { type: 'number', default: DEFAULT_CONFIG.groupMaxSize, describe: 'most members a group may have (group.max.size)' })
    .option('offsets-topic-num-partitions', { type: 'number', default: DEFAULT_CONFIG.offsetsTopicNumPartitions, describe: 'partitions of __consumer_offsets when it is created (offsets.topic.num.partitions)' })
    .option('offsets-topic-segment-bytes', { type: 'number', default: DEFAULT_CONFIG.offsetsTopicSegmentBytes, describe: 'segment.bytes of __consumer_offsets (offsets.topic.segment.bytes)' })
    .option('offsets-retention-minutes', { type: 'number', default: DEFAULT_CONFIG.offsetsRetentionMinutes, describe: 'committed offsets of a group expire this long after it became empty (offsets.retention.minutes)' })
    .option('offsets-retention-check-interval-ms', { type: 'number', default: DEFAULT_CONFIG.offsetsRetentionCheckIntervalMs, describe: 'how often expired offsets are removed (offsets.retention.check.interval.ms)' })
    .option('offset-metadata-max-bytes', { type: 'number', default: DEFAULT_CONFIG.offsetMetadataMaxBytes, describe: 'longest metadata string a commit may carry (offset.metadata.max.bytes)' })
    .option('producer-id-expiration-ms', { type: 'number', default: DEFAULT_CONFIG.producerIdExpirationMs, describe: 'an idempotent producer\'s sequence state is dropped this long after its last write (producer.id.expiration.ms)' })
    .option('producer-id-expiration-check-interval-ms', { type: 'number', default: DEFAULT_CONFIG.producerIdExpirationCheckIntervalMs, describe: 'how often idle producer ids are expired (producer.id.expiration.check.interval.ms)' })
    .option('compression-type', { type: 'string', default: DEFAULT_CONFIG.compressionType, choices: ['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'], describe: 'default compression.type of topics: producer stores batches in the codec they came in, a codec name re-encodes them (compression.type)' })
    .option('code-cache', { type: 'string', default: 'on', choices: ['on', 'off'], describe: 'start through a V8 code cache kept next to the bundle (dist/kafkats.js reads this before the broker starts; off compiles at every start)' })
    .option('validate-records', { type: 'boolean', default: DEFAULT_CONFIG.validateRecords, describe: 'read every produced batch record by record, decompressing compressed ones, and refuse batches whose records do not match their header (Kafka always does; off by default, batches are stored as they came after the CRC check)' })
    .option('log-cleaner-enable', { type: 'boolean', default: DEFAULT_CONFIG.logCleanerEnable, describe: 'compact cleanup.policy=compact topics in the background (log.cleaner.enable); --no-log-cleaner-enable turns it off' })
    .option('log-cleaner-backoff-ms', { type: 'number', default: DEFAULT_CONFIG.logCleanerBackoffMs, describe: 'how often the log cleaner looks for a log to clean (log.cleaner.backoff.ms)' })
    .option('log-cleaner-dedupe-buffer-size', { type: 'number', default: DEFAULT_CONFIG.logCleanerDedupeBufferSize, describe: 'most memory for the cleaner\'s key map, 16 bytes a key (log.cleaner.dedupe.buffer.size)' })
    .option('log-cleaner-delete-retention-ms', { type: 'number', default: DEFAULT_CONFIG.logCleanerDeleteRetentionMs, describe: 'default delete.retention.ms: how long tombstones of compacted topics stay (log.cleaner.delete.retention.ms)' })
    .option('log-cleaner-min-cleanable-ratio', { type: 'number', default: DEFAULT_CONFIG.logCleanerMinCleanableRatio, describe: 'default min.cleanable.dirty.ratio of compacted topics (log.cleaner.min.cleanable.ratio)' })
    .option('log-level', { type: 'string', default: DEFAULT_CONFIG.logLevel, choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], describe: 'log level' })
    .strict()
    .help()
    .alias('h', 'help')
    .version(false)
    .parseSync();

  const config = resolveConfig({
    nodeId: args['node-id'],
    host: args.host,
    port: args.port,
    advertisedHost: args['advertised-host'],
    advertisedPort: args['advertised-port'],
    dataDir: args['data-dir'],
    defaultPartitions: args['default-partitions'],
    autoCreateTopics: args['auto-create-topics'],
    maxRequestBytes: args['max-request-bytes'],
    logRetentionMs: args['log-retention-ms'],
    logRetentionBytes: args['log-retention-bytes'],
    logSegmentBytes: args['log-segment-bytes'],
    logSegmentMs: args['log-segment-ms'],
    messageMaxBytes: args['message-max-bytes'],
    logFlushIntervalMessages: args['log-flush-interval-messages'],
    retentionCheckIntervalMs: args['retention-check-interval-ms'],
    groupMinSessionTimeoutMs: args['group-min-session-timeout-ms'],
    groupMaxSessionTimeoutMs: args['group-max-session-timeout-ms'],
    groupInitialRebalanceDelayMs: args['group-initial-rebalance-delay-ms'],
    groupMaxSize: args['group-max-size'],
    offsetsTopicNumPartitions: args['offsets-topic-num-partitions'],
    offsetsTopicSegmentBytes: args['offsets-topic-segment-bytes'],
    offsetsRetentionMinutes: args['offsets-retention-minutes'],
    offsetsRetentionCheckIntervalMs: args['offsets-retention-check-interval-ms'],
    offsetMetadataMaxBytes: args['offset-metadata-max-bytes'],
    producerIdExpirationMs: args['producer-id-expiration-ms'],
    producerIdExpirationCheckIntervalMs: args['producer-id-expiration-check-interval-ms'],
    compressionType: args['compression-type'],
    validateRecords: args['validate-records'],
    logCleanerEnable: args['log-cleaner-enable'],
    logCleanerBackoffMs: args['log-cleaner-backoff-ms'],
    logCleanerDedupeBufferSize: args['log-cleaner-dedupe-buffer-size'],
    logCleanerDeleteRetentionMs: args['log-cleaner-delete-retention-ms'],
    logCleanerMinCleanableRatio: args['log-cleaner-min-cleanable-ratio'],
    logLevel: args['log-level'],
  });
  const problem = configProblem(config);
  if (problem) {
    process.stderr.write(`kafkats: invalid settings: ${problem}\n`);
    process.exit(2);
  }
  const log = pino({ level: config.logLevel, base: { node: config.nodeId } });
  const broker = new Broker(config, log);
  const stop = (signal: string) => {
    log.info({ signal }, 'signal received');
    broker.stop().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  try {
    await broker.start();
  } catch (err) {
    log.fatal({ err }, 'broker failed to start');
    process.exit(1);
  }
  log.info({ startupMs: Math.round(performance.now() - startedAt), codeCache: hooks.codeCache ?? 'none' }, 'ready');
  hooks.onReady?.();
}

if (require.main === module) {
  void main(process.argv.slice(2));
}
