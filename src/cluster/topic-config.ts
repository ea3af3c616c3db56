/**
 * Topic-level configs: the names Kafka accepts (Kafka 3.x LogConfig), each
 * one's type, default, check, the broker settings it falls back to (Kafka's
 * ServerTopicConfigSynonyms, e.g. retention.ms <- log.retention.ms,
 * log.retention.minutes, log.retention.hours) and a line of documentation.
 * A topic stores only the configs set on it; everything else comes from the
 * broker (see broker-configs.ts for how the broker's value is found).
 *
 * Checks follow Kafka's ConfigDef: values are parsed by type ("Not a number
 * of type LONG"), then range-checked; the message is Kafka's
 * "Invalid value V for configuration N: reason".
 */
import { ErrorCode } from '../protocol/error-codes';
import type { CleanerTopicConfig } from '../storage/log-cleaner';
import { LogConfig } from '../storage/log-config';
import { KafkaError } from './kafka-error';

/** Kafka's ConfigDef types, with the ids DescribeConfigs v3+ sends (DescribeConfigsResponse.ConfigType). */
export const CONFIG_TYPE_IDS = {
  UNKNOWN: 0,
  BOOLEAN: 1,
  STRING: 2,
  INT: 3,
  SHORT: 4,
  LONG: 5,
  DOUBLE: 6,
  LIST: 7,
  CLASS: 8,
  PASSWORD: 9,
} as const;
export type ConfigType = Exclude<keyof typeof CONFIG_TYPE_IDS, 'UNKNOWN'>;

/** A value that failed its check; `message` is Kafka's ConfigException text. */
export class ConfigValueError extends Error {}

const LONG_MAX = '9223372036854775807';
const INT_MAX = 2147483647;
const INT_MIN = -2147483648;
const LONG_MAX_BIG = 2n ** 63n - 1n;
const LONG_MIN_BIG = -(2n ** 63n);

function invalid(name: string, value: string, reason: string): ConfigValueError {
  return new ConfigValueError(`Invalid value ${value} for configuration ${name}: ${reason}`);
}

/**
 * Parses `value` as `type` the way Kafka's ConfigDef.parseType does and
 * returns its canonical string form (trimmed, lists joined by ",", booleans
 * in lower case). Throws ConfigValueError.
 */
export function parseConfigValue(name: string, type: ConfigType, value: string): string {
  const trimmed = value.trim();
  switch (type) {
    case 'BOOLEAN': {
      const lower = trimmed.toLowerCase();
      if (lower === 'true' || lower === 'false') return lower;
      throw invalid(name, value, 'Expected value to be either true or false');
    }
    case 'INT':
    case 'SHORT': {
      if (!/^[+-]?\d+$/.test(trimmed)) throw invalid(name, value, `Not a number of type ${type}`);
      const n = Number(trimmed);
      const [lo, hi] = type === 'INT' ? [INT_MIN, INT_MAX] : [-32768, 32767];
      if (n < lo || n > hi) throw invalid(name, value, `Not a number of type ${type}`);
      return String(n);
    }
    case 'LONG': {
      if (!/^[+-]?\d+$/.test(trimmed)) throw invalid(name, value, 'Not a number of type LONG');
      const n = BigInt(trimmed);
      if (n < LONG_MIN_BIG || n > LONG_MAX_BIG) throw invalid(name, value, 'Not a number of type LONG');
      return n.toString();
    }
    case 'DOUBLE': {
      const n = Number(trimmed);
      if (trimmed === '' || !Number.isFinite(n)) throw invalid(name, value, 'Not a number of type DOUBLE');
      return String(n);
    }
    case 'LIST':
      return trimmed === '' ? '' : trimmed.split(/\s*,\s*/).join(',');
    default:
      return trimmed;
  }
}

/** A range/choice check on the parsed (canonical) value; returns the reason it fails, or null. */
export type Check = (canonical: string) => string | null;

export function atLeast(min: number | bigint): Check {
  return (v) => (BigInt(v.includes('.') ? Math.ceil(Number(v)) : v) < BigInt(min) ? `Value must be at least ${min}` : null);
}
export function between(min: number, max: number): Check {
  return (v) => {
    const n = Number(v);
    if (n < min) return `Value must be at least ${min}`;
    if (n > max) return `Value must be no more than ${max}`;
    return null;
  };
}
export function oneOf(...allowed: string[]): Check {
  return (v) => (allowed.includes(v) ? null : `String must be one of: ${allowed.join(', ')}`);
}
function listOf(...allowed: string[]): Check {
  return (v) => {
    for (const item of v === '' ? [] : v.split(',')) if (!allowed.includes(item)) return `String must be one of: ${allowed.join(', ')}`;
    return null;
  };
}
function compressionLevel(min: number, max: number, dflt: number): Check {
  return (v) => {
    const n = Number(v);
    return n > max || (n < min && n !== dflt) ? `Value must be between ${min} and ${max} or equal to ${dflt}` : null;
  };
}
/** Kafka's ThrottledReplicaListValidator: "*" or partition:broker pairs. */
function throttledReplicas(): Check {
  return (v) => {
    if (v === '' || v === '*') return null;
    return v.split(',').every((p) => /^\d+:\d+$/.test(p))
      ? null
      : 'must be the literal \'*\' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...';
  };
}
/** message.format.version: a Kafka release ("2.8", "3.0-IV1", "0.10.2"); ignored for magic v2 batches, as in Kafka 3.x. */
function metadataVersion(): Check {
  return (v) => (/^\d+\.\d+(\.\d+)?(-IV\d+)?$/.test(v) ? null : `Version \`${v}\` is not a valid version`);
}

/** A broker setting a topic config falls back to; `toMs` converts hours or minutes to the topic config's milliseconds. */
export interface BrokerSynonym {
  readonly name: string;
  readonly toMs?: number;
}

/** A topic config: its type, Kafka's default, its check, the broker settings it falls back to, and what it does here. */
export interface TopicConfigDef {
  readonly type: ConfigType;
  /** Kafka's default (LogConfig), used when no broker setting gives one. */
  readonly defaultValue: string;
  readonly check?: Check;
  /** Broker synonyms, highest priority first (ServerTopicConfigSynonyms). */
  readonly synonyms: readonly BrokerSynonym[];
  /** The first synonym's name (Kafka's TOPIC_CONFIG_SYNONYMS); kept for callers of the earlier API. */
  readonly brokerSetting?: string;
  /** Whether this broker acts on the config or only stores it (single node, no tiered storage...). */
  readonly honoured: boolean;
  readonly doc: string;
}

const H = 3_600_000;
const M = 60_000;
const log = (n: string): BrokerSynonym => ({ name: `log.${n}` });
const cleaner = (n: string): BrokerSynonym => ({ name: `log.cleaner.${n}` });

function def(
  type: ConfigType,
  defaultValue: string,
  check: Check | undefined,
  synonyms: BrokerSynonym[],
  honoured: boolean,
  doc: string,
): TopicConfigDef {
  return { type, defaultValue, check, synonyms, brokerSetting: synonyms[0]?.name, honoured, doc };
}

export const TOPIC_CONFIGS: Readonly<Record<string, TopicConfigDef>> = {
  'cleanup.policy': def('LIST', 'delete', listOf('compact', 'delete'), [log('cleanup.policy')], true,
    'What happens to old segments: "delete" removes them by retention.ms/retention.bytes, "compact" keeps the latest record per key; both may be given.'),
  'compression.gzip.level': def('INT', '-1', compressionLevel(1, 9, -1), [{ name: 'compression.gzip.level' }], false,
    'Level used when the broker compresses with gzip (compression.type=gzip).'),
  'compression.lz4.level': def('INT', '9', between(1, 17), [{ name: 'compression.lz4.level' }], false,
    'Level used when the broker compresses with lz4 (compression.type=lz4).'),
  'compression.type': def('STRING', 'producer', oneOf('uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'), [{ name: 'compression.type' }], false,
    'Codec the topic\'s data is stored with; "producer" keeps whatever the producer sent.'),
  'compression.zstd.level': def('INT', '3', between(-131072, 22), [{ name: 'compression.zstd.level' }], false,
    'Level used when the broker compresses with zstd (compression.type=zstd).'),
  'delete.retention.ms': def('LONG', '86400000', atLeast(0), [cleaner('delete.retention.ms')], true,
    'How long a tombstone (null value) stays in a compacted topic after compaction reached it.'),
  'file.delete.delay.ms': def('LONG', '60000', atLeast(0), [log('segment.delete.delay.ms')], false,
    'How long a deleted segment file is kept before removal.'),
  'flush.messages': def('LONG', LONG_MAX, atLeast(1), [log('flush.interval.messages')], true,
    'fsync the log after this many records; the default leaves flushing to the operating system.'),
  'flush.ms': def('LONG', LONG_MAX, atLeast(0), [log('flush.interval.ms'), log('flush.scheduler.interval.ms')], false,
    'fsync the log when data has waited this long; the default leaves flushing to the operating system.'),
  'follower.replication.throttled.replicas': def('LIST', '', throttledReplicas(), [], false,
    'Replicas whose follower fetches are throttled ("*" for all).'),
  'index.interval.bytes': def('INT', '4096', atLeast(0), [log('index.interval.bytes')], true,
    'How many bytes of log lie between two offset index entries.'),
  'leader.replication.throttled.replicas': def('LIST', '', throttledReplicas(), [], false,
    'Replicas whose leader side of replication is throttled ("*" for all).'),
  'local.retention.bytes': def('LONG', '-2', atLeast(-2), [log('local.retention.bytes')], false,
    'With tiered storage: bytes kept on local disk (-2 = retention.bytes).'),
  'local.retention.ms': def('LONG', '-2', atLeast(-2), [log('local.retention.ms')], false,
    'With tiered storage: time data is kept on local disk (-2 = retention.ms).'),
  'max.compaction.lag.ms': def('LONG', LONG_MAX, atLeast(1), [cleaner('max.compaction.lag.ms')], true,
    'Longest time a record may stay uncompacted in a compacted topic.'),
  'max.message.bytes': def('INT', '1048588', atLeast(0), [{ name: 'message.max.bytes' }], true,
    'Largest record batch the topic accepts (MESSAGE_TOO_LARGE beyond it).'),
  'message.downconversion.enable': def('BOOLEAN', 'true', undefined, [log('message.downconversion.enable')], false,
    'Whether old fetch versions get batches converted to their message format.'),
  'message.format.version': def('STRING', '3.0-IV1', metadataVersion(), [log('message.format.version')], false,
    'Deprecated: message format for old clients; ignored, batches are stored as magic v2.'),
  'message.timestamp.after.max.ms': def('LONG', LONG_MAX, atLeast(0), [log('message.timestamp.after.max.ms')], true,
    'With CreateTime, how far ahead of the broker clock a record timestamp may be (INVALID_TIMESTAMP beyond).'),
  'message.timestamp.before.max.ms': def('LONG', LONG_MAX, atLeast(0), [log('message.timestamp.before.max.ms')], true,
    'With CreateTime, how far behind the broker clock a record timestamp may be (INVALID_TIMESTAMP beyond).'),
  'message.timestamp.difference.max.ms': def('LONG', LONG_MAX, atLeast(0), [log('message.timestamp.difference.max.ms')], true,
    'Deprecated: both before and after limits at once; used for whichever of the two is left at its default.'),
  'message.timestamp.type': def('STRING', 'CreateTime', oneOf('CreateTime', 'LogAppendTime'), [log('message.timestamp.type')], true,
    'CreateTime keeps the producer\'s timestamps; LogAppendTime stamps each batch with the broker\'s time when it is written.'),
  'min.cleanable.dirty.ratio': def('DOUBLE', '0.5', between(0, 1), [cleaner('min.cleanable.ratio')], true,
    'Share of the log that must be uncompacted before the cleaner compacts it.'),
  'min.compaction.lag.ms': def('LONG', '0', atLeast(0), [cleaner('min.compaction.lag.ms')], true,
    'Shortest time a record stays uncompacted in a compacted topic.'),
  'min.insync.replicas': def('INT', '1', atLeast(1), [{ name: 'min.insync.replicas' }], false,
    'Replicas that must have a write for acks=all to succeed (one node: always met at 1).'),
  preallocate: def('BOOLEAN', 'false', undefined, [log('preallocate')], false,
    'Whether segment files are created at full size.'),
  'remote.log.copy.disable': def('BOOLEAN', 'false', undefined, [], false,
    'With tiered storage: stop copying segments to remote storage.'),
  'remote.log.delete.on.disable': def('BOOLEAN', 'false', undefined, [], false,
    'With tiered storage: delete remote data when tiered storage is turned off for the topic.'),
  'remote.storage.enable': def('BOOLEAN', 'false', undefined, [], false,
    'Tiered storage for the topic; this broker has none, so only false is accepted.'),
  'retention.bytes': def('LONG', '-1', undefined, [log('retention.bytes')], true,
    'Largest size a partition may grow to before its oldest segments are deleted (-1 = no limit).'),
  'retention.ms': def('LONG', '604800000', atLeast(-1),
    [log('retention.ms'), { name: 'log.retention.minutes', toMs: M }, { name: 'log.retention.hours', toMs: H }], true,
    'How long a segment is kept after its newest record before it is deleted (-1 = forever).'),
  'segment.bytes': def('INT', '1073741824', atLeast(14), [log('segment.bytes')], true,
    'Size at which a partition rolls to a new segment file.'),
  'segment.index.bytes': def('INT', '10485760', atLeast(4), [log('index.size.max.bytes')], false,
    'Size of a segment\'s offset index file.'),
  'segment.jitter.ms': def('LONG', '0', atLeast(0), [log('roll.jitter.ms'), { name: 'log.roll.jitter.hours', toMs: H }], false,
    'Random amount subtracted from segment.ms so that segments do not all roll at once.'),
  'segment.ms': def('LONG', '604800000', atLeast(1), [log('roll.ms'), { name: 'log.roll.hours', toMs: H }], true,
    'Age after which a partition rolls to a new segment file even if it is not full.'),
  'unclean.leader.election.enable': def('BOOLEAN', 'false', undefined, [{ name: 'unclean.leader.election.enable' }], false,
    'Whether a replica outside the in-sync set may become leader (one node: there is none).'),
};

export const TOPIC_CONFIG_NAMES: readonly string[] = Object.keys(TOPIC_CONFIGS).sort();

/**
 * Checks one value of a known config and returns its canonical form; throws
 * ConfigValueError with Kafka's message.
 */
export function checkConfigValue(name: string, d: { type: ConfigType; check?: Check }, value: string): string {
  const canonical = parseConfigValue(name, d.type, value);
  const problem = d.check?.(canonical);
  if (problem) throw invalid(name, value, problem);
  return canonical;
}

/**
 * Validates a topic's complete set of overrides as Kafka's LogConfig.validate
 * does (names, values, then the rules across configs) and returns them in
 * canonical form; throws KafkaError INVALID_CONFIG.
 */
export function validateTopicConfigs(configs: Record<string, string | null>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(configs)) {
    if (!Object.prototype.hasOwnProperty.call(TOPIC_CONFIGS, name)) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Unknown topic config name: ${name}`);
  }
  const nulls = Object.entries(configs).filter(([, v]) => v === null).map(([k]) => k);
  if (nulls.length > 0) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Null value not supported for topic configs: ${nulls.join(',')}`);
  for (const [name, value] of Object.entries(configs)) {
    try {
      out[name] = checkConfigValue(name, TOPIC_CONFIGS[name], value!);
    } catch (err) {
      if (err instanceof ConfigValueError) throw new KafkaError(ErrorCode.INVALID_CONFIG, err.message);
      throw err;
    }
  }
  return out;
}

/**
 * Kafka's checks across configs (LogConfig.validateValues and the remote
 * storage rules), on the effective values. Throws KafkaError INVALID_CONFIG.
 */
export function validateEffectiveTopicConfigs(get: (name: string) => string): void {
  const minLag = BigInt(get('min.compaction.lag.ms'));
  const maxLag = BigInt(get('max.compaction.lag.ms'));
  if (minLag > maxLag) {
    throw new KafkaError(ErrorCode.INVALID_CONFIG, `conflict topic config setting min.compaction.lag.ms (${minLag}) > max.compaction.lag.ms (${maxLag})`);
  }
  if (get('remote.storage.enable') === 'true') {
    throw new KafkaError(ErrorCode.INVALID_CONFIG, 'Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage.');
  }
}

/** Broker-level values of the topic configs (the broker's own settings override Kafka's defaults). */
export type BrokerTopicDefaults = Record<string, string>;

/** The effective value of a topic config: the topic's own, else the broker default, else Kafka's. */
export function effectiveConfig(name: string, topicConfigs: Record<string, string>, brokerDefaults: BrokerTopicDefaults): string {
  return topicConfigs[name] ?? brokerDefaults[name] ?? TOPIC_CONFIGS[name]?.defaultValue ?? '';
}

function longOrInfinity(v: string): number {
  const n = Number(v);
  return n >= Number.MAX_SAFE_INTEGER ? Number.POSITIVE_INFINITY : n;
}

/** The log settings a topic's partitions run with. */
export function logConfigFor(topicConfigs: Record<string, string>, brokerDefaults: BrokerTopicDefaults): LogConfig {
  const get = (name: string) => effectiveConfig(name, topicConfigs, brokerDefaults);
  const cleanupPolicy = get('cleanup.policy').split(',').map((p) => p.trim()).filter((p) => p !== '');
  // Only the delete policy removes old segments; a compact-only topic (like __consumer_offsets) keeps them.
  const deletes = cleanupPolicy.includes('delete');
  // Kafka 3.6+: message.timestamp.difference.max.ms stands in for whichever of before/after is left at its default.
  const difference = longOrInfinity(get('message.timestamp.difference.max.ms'));
  const before = longOrInfinity(get('message.timestamp.before.max.ms'));
  const after = longOrInfinity(get('message.timestamp.after.max.ms'));
  return {
    segmentBytes: Number(get('segment.bytes')),
    segmentMs: longOrInfinity(get('segment.ms')),
    retentionMs: deletes ? Number(get('retention.ms')) : -1,
    retentionBytes: deletes ? Number(get('retention.bytes')) : -1,
    maxMessageBytes: Number(get('max.message.bytes')),
    indexIntervalBytes: Number(get('index.interval.bytes')),
    flushMessages: longOrInfinity(get('flush.messages')),
    cleanupPolicy,
    minCompactionLagMs: longOrInfinity(get('min.compaction.lag.ms')),
    maxCompactionLagMs: longOrInfinity(get('max.compaction.lag.ms')),
    deleteRetentionMs: longOrInfinity(get('delete.retention.ms')),
    minCleanableDirtyRatio: Number(get('min.cleanable.dirty.ratio')),
    messageTimestampType: get('message.timestamp.type') === 'LogAppendTime' ? 'LogAppendTime' : 'CreateTime',
    messageTimestampBeforeMaxMs: before === Number.POSITIVE_INFINITY ? difference : before,
    messageTimestampAfterMaxMs: after === Number.POSITIVE_INFINITY ? difference : after,
    compressionType: get('compression.type'),
  };
}

/** The configs the log cleaner reads (cleanup.policy, delete.retention.ms, min.cleanable.dirty.ratio, compaction lags). */
export function cleanerConfigFor(topicConfigs: Record<string, string>, brokerDefaults: BrokerTopicDefaults): CleanerTopicConfig {
  const get = (name: string) => effectiveConfig(name, topicConfigs, brokerDefaults);
  return {
    compact: isCompacted(topicConfigs, brokerDefaults),
    deleteRetentionMs: longOrInfinity(get('delete.retention.ms')),
    minCleanableDirtyRatio: Number(get('min.cleanable.dirty.ratio')),
    minCompactionLagMs: longOrInfinity(get('min.compaction.lag.ms')),
    maxCompactionLagMs: longOrInfinity(get('max.compaction.lag.ms')),
  };
}

/** cleanup.policy includes compact: records must have keys (Kafka's LogValidator). */
export function isCompacted(topicConfigs: Record<string, string>, brokerDefaults: BrokerTopicDefaults): boolean {
  return effectiveConfig('cleanup.policy', topicConfigs, brokerDefaults).split(',').map((p) => p.trim()).includes('compact');
}
