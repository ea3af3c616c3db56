/**
 * Topic-level configs: the names Kafka accepts, how each value is checked,
 * and the broker setting each one falls back to. A topic stores only the
 * configs set on it; everything else comes from the broker defaults.
 */
import { ErrorCode } from '../protocol/error-codes';
import type { CleanerTopicConfig } from '../storage/log-cleaner';
import { LogConfig } from '../storage/log-config';
import { KafkaError } from './kafka-error';

type Check = (value: string) => string | null;

const LONG_MAX = '9223372036854775807';

function integer(min: number): Check {
  return (v) => {
    if (!/^-?\d+$/.test(v.trim())) return `Invalid value ${v}: Not a number of type LONG`;
    if (Number(v) < min) return `Invalid value ${v}: Value must be at least ${min}`;
    return null;
  };
}
function ratio(): Check {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || Number.isNaN(n)) return `Invalid value ${v}: Not a number of type DOUBLE`;
    if (n < 0 || n > 1) return `Invalid value ${v}: Value must be between 0 and 1`;
    return null;
  };
}
function oneOf(...allowed: string[]): Check {
  return (v) => (allowed.includes(v) ? null : `Invalid value ${v}: String must be one of: ${allowed.join(', ')}`);
}
function list(...allowed: string[]): Check {
  return (v) => {
    const items = v.split(',').map((s) => s.trim());
    if (items.length === 0 || items.some((i) => !allowed.includes(i))) {
      return `Invalid value ${v}: must be a list of ${allowed.join(', ')}`;
    }
    return null;
  };
}
function bool(): Check {
  return oneOf('true', 'false');
}
function any(): Check {
  return () => null;
}

/** A topic config: its default (Kafka's) and the broker setting that overrides it, if any. */
export interface TopicConfigDef {
  readonly defaultValue: string;
  readonly check: Check;
  readonly brokerSetting?: string;
}

export const TOPIC_CONFIGS: Readonly<Record<string, TopicConfigDef>> = {
  'cleanup.policy': { defaultValue: 'delete', check: list('delete', 'compact'), brokerSetting: 'log.cleanup.policy' },
  'compression.type': {
    defaultValue: 'producer',
    check: oneOf('uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'),
    brokerSetting: 'compression.type',
  },
  'delete.retention.ms': { defaultValue: '86400000', check: integer(0), brokerSetting: 'log.cleaner.delete.retention.ms' },
  'file.delete.delay.ms': { defaultValue: '60000', check: integer(0), brokerSetting: 'log.segment.delete.delay.ms' },
  'flush.messages': { defaultValue: LONG_MAX, check: integer(1), brokerSetting: 'log.flush.interval.messages' },
  'flush.ms': { defaultValue: LONG_MAX, check: integer(0), brokerSetting: 'log.flush.interval.ms' },
  'follower.replication.throttled.replicas': { defaultValue: '', check: any() },
  'index.interval.bytes': { defaultValue: '4096', check: integer(0), brokerSetting: 'log.index.interval.bytes' },
  'leader.replication.throttled.replicas': { defaultValue: '', check: any() },
  'local.retention.bytes': { defaultValue: '-2', check: integer(-2), brokerSetting: 'log.local.retention.bytes' },
  'local.retention.ms': { defaultValue: '-2', check: integer(-2), brokerSetting: 'log.local.retention.ms' },
  'max.compaction.lag.ms': { defaultValue: LONG_MAX, check: integer(1), brokerSetting: 'log.cleaner.max.compaction.lag.ms' },
  'max.message.bytes': { defaultValue: '1048588', check: integer(0), brokerSetting: 'message.max.bytes' },
  'message.timestamp.after.max.ms': { defaultValue: LONG_MAX, check: integer(0), brokerSetting: 'log.message.timestamp.after.max.ms' },
  'message.timestamp.before.max.ms': { defaultValue: LONG_MAX, check: integer(0), brokerSetting: 'log.message.timestamp.before.max.ms' },
  'message.timestamp.difference.max.ms': { defaultValue: LONG_MAX, check: integer(0), brokerSetting: 'log.message.timestamp.difference.max.ms' },
  'message.timestamp.type': { defaultValue: 'CreateTime', check: oneOf('CreateTime', 'LogAppendTime'), brokerSetting: 'log.message.timestamp.type' },
  'min.cleanable.dirty.ratio': { defaultValue: '0.5', check: ratio(), brokerSetting: 'log.cleaner.min.cleanable.ratio' },
  'min.compaction.lag.ms': { defaultValue: '0', check: integer(0), brokerSetting: 'log.cleaner.min.compaction.lag.ms' },
  'min.insync.replicas': { defaultValue: '1', check: integer(1), brokerSetting: 'min.insync.replicas' },
  preallocate: { defaultValue: 'false', check: bool(), brokerSetting: 'log.preallocate' },
  'remote.storage.enable': { defaultValue: 'false', check: bool() },
  'retention.bytes': { defaultValue: '-1', check: integer(-1), brokerSetting: 'log.retention.bytes' },
  'retention.ms': { defaultValue: '604800000', check: integer(-1), brokerSetting: 'log.retention.ms' },
  'segment.bytes': { defaultValue: '1073741824', check: integer(14), brokerSetting: 'log.segment.bytes' },
  'segment.index.bytes': { defaultValue: '10485760', check: integer(4), brokerSetting: 'log.index.size.max.bytes' },
  'segment.jitter.ms': { defaultValue: '0', check: integer(0), brokerSetting: 'log.roll.jitter.ms' },
  'segment.ms': { defaultValue: '604800000', check: integer(1), brokerSetting: 'log.roll.ms' },
  'unclean.leader.election.enable': { defaultValue: 'false', check: bool(), brokerSetting: 'unclean.leader.election.enable' },
};

/** Checks a set of configs for a topic; throws INVALID_CONFIG naming the first bad one. */
export function validateTopicConfigs(configs: Record<string, string | null>): void {
  for (const [name, value] of Object.entries(configs)) {
    const def = TOPIC_CONFIGS[name];
    if (!def) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Unknown topic config name: ${name}`);
    if (value === null) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Null value not supported for topic configs: ${name}`);
    const problem = def.check(value);
    if (problem) throw new KafkaError(ErrorCode.INVALID_CONFIG, `${problem} for configuration ${name}`);
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
  // Only the delete policy removes old segments; a compact-only topic (like __consumer_offsets) keeps them.
  const deletes = get('cleanup.policy').split(',').map((p) => p.trim()).includes('delete');
  return {
    segmentBytes: Number(get('segment.bytes')),
    segmentMs: longOrInfinity(get('segment.ms')),
    retentionMs: deletes ? Number(get('retention.ms')) : -1,
    retentionBytes: deletes ? Number(get('retention.bytes')) : -1,
    maxMessageBytes: Number(get('max.message.bytes')),
    indexIntervalBytes: Number(get('index.interval.bytes')),
    flushMessages: longOrInfinity(get('flush.messages')),
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
