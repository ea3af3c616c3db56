/**
 * Broker-level configs as DescribeConfigs shows them, and the layers a
 * config's value comes from, highest priority first (Kafka's
 * DynamicBrokerConfig and ConfigHelper):
 *   1 DYNAMIC_TOPIC_CONFIG         the topic's own override (topics only)
 *   2 DYNAMIC_BROKER_CONFIG        set with AlterConfigs on this broker ("<node id>")
 *   3 DYNAMIC_DEFAULT_BROKER_CONFIG set with AlterConfigs on the cluster default ("")
 *   4 STATIC_BROKER_CONFIG         given on the command line (a value that differs from Kafka's default)
 *   5 DEFAULT_CONFIG               Kafka's default
 * A topic config without an override takes its value from the first broker
 * synonym found in these layers (retention.ms <- log.retention.ms,
 * log.retention.minutes, log.retention.hours, converted to milliseconds).
 *
 * Dynamic broker configs are the ones Kafka can change at run time that
 * this broker acts on: the broker-wide defaults of topic configs
 * (log.retention.ms, log.segment.bytes, message.max.bytes, ...). They are
 * stored with the cluster metadata and reapplied at start.
 */
import { BrokerConfig } from '../server/config';
import {
  BrokerTopicDefaults,
  CONFIG_TYPE_IDS,
  ConfigType,
  ConfigValueError,
  TOPIC_CONFIGS,
  TOPIC_CONFIG_NAMES,
  atLeast,
  checkConfigValue,
} from './topic-config';

export const enum ConfigSource {
  DYNAMIC_TOPIC_CONFIG = 1,
  DYNAMIC_BROKER_CONFIG = 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG = 3,
  STATIC_BROKER_CONFIG = 4,
  DEFAULT_CONFIG = 5,
  DYNAMIC_BROKER_LOGGER_CONFIG = 6,
}

export interface BrokerConfigDef {
  readonly type: ConfigType;
  /** Kafka's default; null when Kafka has none (log.retention.ms: log.retention.hours decides). */
  readonly defaultValue: string | null;
  /** Changeable with AlterConfigs here (and in Kafka). */
  readonly dynamic: boolean;
  readonly check?: (v: string) => string | null;
  readonly doc: string;
}

const LONG_MAX = '9223372036854775807';

/** Broker settings of our own command line, under Kafka's names, with Kafka's defaults. */
const STATIC_ONLY: Record<string, BrokerConfigDef> = {
  'node.id': { type: 'INT', defaultValue: null, dynamic: false, doc: 'This broker\'s id (--node-id).' },
  'log.dirs': { type: 'LIST', defaultValue: null, dynamic: false, doc: 'Directory of topic data and metadata (--data-dir).' },
  'num.partitions': { type: 'INT', defaultValue: '1', dynamic: false, doc: 'Partitions of automatically created topics (--default-partitions).' },
  'auto.create.topics.enable': { type: 'BOOLEAN', defaultValue: 'true', dynamic: false, doc: 'Create unknown topics named in Metadata requests (--auto-create-topics).' },
  'socket.request.max.bytes': { type: 'INT', defaultValue: '104857600', dynamic: false, doc: 'Largest request accepted (--max-request-bytes).' },
  'log.retention.check.interval.ms': { type: 'LONG', defaultValue: '300000', dynamic: false, doc: 'How often retention is applied (--retention-check-interval-ms).' },
  'group.min.session.timeout.ms': { type: 'INT', defaultValue: '6000', dynamic: false, doc: 'Shortest consumer session timeout (--group-min-session-timeout-ms).' },
  'group.max.session.timeout.ms': { type: 'INT', defaultValue: '1800000', dynamic: false, doc: 'Longest consumer session timeout (--group-max-session-timeout-ms).' },
  'group.initial.rebalance.delay.ms': { type: 'INT', defaultValue: '3000', dynamic: false, doc: 'Wait for more members before a new group\'s first rebalance (--group-initial-rebalance-delay-ms).' },
  'group.max.size': { type: 'INT', defaultValue: '2147483647', dynamic: false, doc: 'Most members a group may have (--group-max-size).' },
  'offsets.topic.num.partitions': { type: 'INT', defaultValue: '50', dynamic: false, doc: 'Partitions of __consumer_offsets (--offsets-topic-num-partitions).' },
  'offsets.topic.segment.bytes': { type: 'INT', defaultValue: '104857600', dynamic: false, doc: 'segment.bytes of __consumer_offsets (--offsets-topic-segment-bytes).' },
  'offsets.retention.minutes': { type: 'INT', defaultValue: '10080', dynamic: false, doc: 'Committed offsets of an empty group expire after this (--offsets-retention-minutes).' },
  'offsets.retention.check.interval.ms': { type: 'LONG', defaultValue: '600000', dynamic: false, doc: 'How often expired offsets are removed (--offsets-retention-check-interval-ms).' },
  'offset.metadata.max.bytes': { type: 'INT', defaultValue: '4096', dynamic: false, doc: 'Longest commit metadata (--offset-metadata-max-bytes).' },
  'producer.id.expiration.ms': { type: 'INT', defaultValue: '86400000', dynamic: false, doc: 'An idempotent producer\'s state is dropped this long after its last write (--producer-id-expiration-ms).' },
  'producer.id.expiration.check.interval.ms': { type: 'INT', defaultValue: '600000', dynamic: false, doc: 'How often idle producer ids are expired (--producer-id-expiration-check-interval-ms).' },
  'log.cleaner.enable': { type: 'BOOLEAN', defaultValue: 'true', dynamic: false, doc: 'Compact cleanup.policy=compact topics in the background (--log-cleaner-enable).' },
  'log.cleaner.backoff.ms': { type: 'LONG', defaultValue: '15000', dynamic: false, doc: 'How often the log cleaner looks for a log to clean (--log-cleaner-backoff-ms).' },
  'log.cleaner.dedupe.buffer.size': { type: 'LONG', defaultValue: '134217728', dynamic: false, doc: 'Most memory for the log cleaner\'s key map (--log-cleaner-dedupe-buffer-size).' },
};

/** Kafka's defaults and types of the broker synonyms of topic configs that differ from the topic config's own. */
const SYNONYM_OVERRIDES: Record<string, { type: ConfigType; defaultValue: string | null; dynamic: boolean }> = {
  'log.retention.ms': { type: 'LONG', defaultValue: null, dynamic: true },
  'log.retention.minutes': { type: 'INT', defaultValue: null, dynamic: false },
  'log.retention.hours': { type: 'INT', defaultValue: '168', dynamic: false },
  'log.roll.ms': { type: 'LONG', defaultValue: null, dynamic: true },
  'log.roll.hours': { type: 'INT', defaultValue: '168', dynamic: false },
  'log.roll.jitter.ms': { type: 'LONG', defaultValue: null, dynamic: true },
  'log.roll.jitter.hours': { type: 'INT', defaultValue: '0', dynamic: false },
  'log.flush.interval.ms': { type: 'LONG', defaultValue: null, dynamic: true },
  'log.flush.scheduler.interval.ms': { type: 'LONG', defaultValue: LONG_MAX, dynamic: false },
  // Kafka does not let the message format change at run time (DynamicLogConfig.NonReconfigrableLogConfigs).
  'log.message.format.version': { type: 'STRING', defaultValue: '3.0-IV1', dynamic: false },
};

function buildBrokerDefs(): Record<string, BrokerConfigDef> {
  const defs: Record<string, BrokerConfigDef> = { ...STATIC_ONLY };
  for (const topicName of TOPIC_CONFIG_NAMES) {
    const t = TOPIC_CONFIGS[topicName];
    for (const s of t.synonyms) {
      const o = SYNONYM_OVERRIDES[s.name];
      defs[s.name] = {
        type: o?.type ?? t.type,
        defaultValue: o ? o.defaultValue : t.defaultValue,
        dynamic: o ? o.dynamic : true,
        check: s.toMs ? atLeast(1) : t.check,
        doc: `Broker default of the topic config ${topicName}${s.toMs ? ` (in ${s.toMs === 60_000 ? 'minutes' : 'hours'})` : ''}: ${t.doc}`,
      };
    }
  }
  return defs;
}

export const BROKER_CONFIGS: Readonly<Record<string, BrokerConfigDef>> = buildBrokerDefs();
export const BROKER_CONFIG_NAMES: readonly string[] = Object.keys(BROKER_CONFIGS).sort();

/** Topic config name for each broker synonym (log.retention.hours -> retention.ms). */
const TOPIC_OF_SYNONYM = new Map<string, { topic: string; toMs?: number }>();
for (const name of TOPIC_CONFIG_NAMES) for (const s of TOPIC_CONFIGS[name].synonyms) TOPIC_OF_SYNONYM.set(s.name, { topic: name, toMs: s.toMs });

/** The values given on the command line, under Kafka's names; only those that differ from Kafka's default count as set. */
export function staticBrokerConfigs(c: BrokerConfig): Record<string, string> {
  const all: Record<string, string> = {
    'node.id': String(c.nodeId),
    'log.dirs': c.dataDir,
    'num.partitions': String(c.defaultPartitions),
    'auto.create.topics.enable': String(c.autoCreateTopics),
    'socket.request.max.bytes': String(c.maxRequestBytes),
    'log.retention.check.interval.ms': String(c.retentionCheckIntervalMs),
    'log.retention.bytes': String(c.logRetentionBytes),
    'log.segment.bytes': String(c.logSegmentBytes),
    'message.max.bytes': String(c.messageMaxBytes),
    'group.min.session.timeout.ms': String(c.groupMinSessionTimeoutMs),
    'group.max.session.timeout.ms': String(c.groupMaxSessionTimeoutMs),
    'group.initial.rebalance.delay.ms': String(c.groupInitialRebalanceDelayMs),
    'group.max.size': String(c.groupMaxSize),
    'offsets.topic.num.partitions': String(c.offsetsTopicNumPartitions),
    'offsets.topic.segment.bytes': String(c.offsetsTopicSegmentBytes),
    'offsets.retention.minutes': String(c.offsetsRetentionMinutes),
    'offsets.retention.check.interval.ms': String(c.offsetsRetentionCheckIntervalMs),
    'offset.metadata.max.bytes': String(c.offsetMetadataMaxBytes),
    'producer.id.expiration.ms': String(c.producerIdExpirationMs),
    'producer.id.expiration.check.interval.ms': String(c.producerIdExpirationCheckIntervalMs),
    'log.cleaner.enable': String(c.logCleanerEnable),
    'log.cleaner.backoff.ms': String(c.logCleanerBackoffMs),
    'log.cleaner.dedupe.buffer.size': String(c.logCleanerDedupeBufferSize),
    'log.cleaner.delete.retention.ms': String(c.logCleanerDeleteRetentionMs),
    'log.cleaner.min.cleanable.ratio': String(c.logCleanerMinCleanableRatio),
    'compression.type': c.compressionType,
  };
  // Our flags are in milliseconds; Kafka's own default for these is log.retention.hours / log.roll.hours = 168.
  if (c.logRetentionMs !== 604800000) all['log.retention.ms'] = String(c.logRetentionMs);
  if (c.logSegmentMs !== 604800000) all['log.roll.ms'] = String(c.logSegmentMs);
  if (Number.isFinite(c.logFlushIntervalMessages)) all['log.flush.interval.messages'] = String(c.logFlushIntervalMessages);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(all)) if (BROKER_CONFIGS[k].defaultValue !== v) out[k] = v;
  return out;
}

/** The dynamic broker configs as stored: the cluster default ("") and this broker's own. */
export interface DynamicBrokerConfigs {
  cluster: Record<string, string>;
  broker: Record<string, string>;
}

export interface Synonym {
  name: string;
  value: string | null;
  source: ConfigSource;
}

export interface DescribedConfig {
  name: string;
  value: string | null;
  readOnly: boolean;
  source: ConfigSource;
  isSensitive: boolean;
  synonyms: Synonym[];
  configType: number;
  documentation: string | null;
}

/** Thrown for a broker config change Kafka would refuse; `code` is the error to answer with. */
export class BrokerConfigError extends Error {}

/** The broker's configs in all their layers. */
export class BrokerConfigs {
  readonly static: Readonly<Record<string, string>>;
  dynamic: DynamicBrokerConfigs = { cluster: {}, broker: {} };
  /** Kept up to date in place: the broker-level value of every topic config (TopicManager holds this object). */
  readonly topicDefaults: BrokerTopicDefaults = {};

  constructor(config: BrokerConfig) {
    this.static = staticBrokerConfigs(config);
    this.recompute();
  }

  /** Replaces the dynamic layers (after loading or altering) and recomputes the topic defaults. */
  setDynamic(d: DynamicBrokerConfigs): void {
    this.dynamic = { cluster: { ...d.cluster }, broker: { ...d.broker } };
    this.recompute();
  }

  private layers(): [Record<string, string>, ConfigSource][] {
    const defaults: Record<string, string> = {};
    for (const n of BROKER_CONFIG_NAMES) {
      const d = BROKER_CONFIGS[n].defaultValue;
      if (d !== null) defaults[n] = d;
    }
    return [
      [this.dynamic.broker, ConfigSource.DYNAMIC_BROKER_CONFIG],
      [this.dynamic.cluster, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG],
      [this.static, ConfigSource.STATIC_BROKER_CONFIG],
      [defaults, ConfigSource.DEFAULT_CONFIG],
    ];
  }

  /** Every value the synonyms have, layer by layer, as Kafka's ConfigHelper.configSynonyms lists them. */
  synonymsOf(names: readonly string[]): Synonym[] {
    const out: Synonym[] = [];
    for (const [map, source] of this.layers()) {
      for (const n of names) if (map[n] !== undefined) out.push({ name: n, value: map[n], source });
    }
    return out;
  }

  private recompute(): void {
    for (const k of Object.keys(this.topicDefaults)) delete this.topicDefaults[k];
    for (const name of TOPIC_CONFIG_NAMES) {
      const syns = TOPIC_CONFIGS[name].synonyms;
      const first = this.synonymsOf(syns.map((s) => s.name))[0];
      if (!first || first.value === null) continue;
      const toMs = syns.find((s) => s.name === first.name)?.toMs;
      this.topicDefaults[name] = toMs ? (BigInt(first.value) * BigInt(toMs)).toString() : first.value;
    }
  }

  /** DescribeConfigs of a topic: every topic config with its value, source and synonyms (ConfigHelper.createTopicConfigEntry). */
  describeTopic(overrides: Record<string, string>, includeSynonyms: boolean, includeDocumentation: boolean, keys: readonly string[] | null): DescribedConfig[] {
    const names = keys && keys.length > 0 ? TOPIC_CONFIG_NAMES.filter((n) => keys.includes(n)) : TOPIC_CONFIG_NAMES;
    return names.map((name) => {
      const def = TOPIC_CONFIGS[name];
      const value = overrides[name] ?? this.topicDefaults[name] ?? def.defaultValue;
      const all = this.synonymsOf(def.synonyms.map((s) => s.name));
      if (overrides[name] !== undefined) all.unshift({ name, value, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
      return {
        name,
        value,
        readOnly: false,
        source: all.length === 0 ? ConfigSource.DEFAULT_CONFIG : all[0].source,
        isSensitive: false,
        synonyms: includeSynonyms ? all : [],
        configType: CONFIG_TYPE_IDS[def.type],
        documentation: includeDocumentation ? def.doc : null,
      };
    });
  }

  /**
   * DescribeConfigs of a broker (ConfigHelper.createBrokerConfigEntry):
   * this broker lists every config it knows; the cluster default ("")
   * lists only the configs set there.
   */
  describeBroker(perBroker: boolean, includeSynonyms: boolean, includeDocumentation: boolean, keys: readonly string[] | null): DescribedConfig[] {
    let names = perBroker ? BROKER_CONFIG_NAMES : Object.keys(this.dynamic.cluster).sort();
    if (keys && keys.length > 0) names = names.filter((n) => keys.includes(n));
    const out: DescribedConfig[] = [];
    for (const name of names) {
      const def = BROKER_CONFIGS[name];
      const all = this.synonymsOf(brokerSynonyms(name));
      // Kafka drops the synonyms listed before the described name itself (ConfigHelper: dropWhile(_.name != name)).
      const at = all.findIndex((s) => s.name === name);
      const synonyms = (at < 0 ? [] : all.slice(at)).filter((s) => perBroker || s.source === ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
      out.push({
        name,
        value: perBroker ? (at < 0 ? null : all[at].value) : (this.dynamic.cluster[name] ?? null),
        readOnly: !def?.dynamic,
        source: synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG,
        isSensitive: false,
        synonyms: includeSynonyms ? synonyms : [],
        configType: def ? CONFIG_TYPE_IDS[def.type] : CONFIG_TYPE_IDS.UNKNOWN,
        documentation: includeDocumentation ? (def?.doc ?? null) : null,
      });
    }
    return out;
  }

  /**
   * Checks a new set of dynamic configs for one layer (all of them, as they
   * would stand after the change) and returns them in canonical form.
   * Throws BrokerConfigError with Kafka's message (answered INVALID_REQUEST,
   * as Kafka does for broker configs, KAFKA-13609).
   */
  validateDynamic(configs: Record<string, string>): Record<string, string> {
    const notDynamic = Object.keys(configs).filter((n) => !BROKER_CONFIGS[n]?.dynamic);
    if (notDynamic.length > 0) throw new BrokerConfigError(`Cannot update these configs dynamically: Set(${notDynamic.join(', ')})`);
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(configs)) {
      try {
        out[name] = checkConfigValue(name, BROKER_CONFIGS[name], value);
      } catch (err) {
        if (err instanceof ConfigValueError) throw new BrokerConfigError(err.message);
        throw err;
      }
    }
    return out;
  }
}

/** A broker config's synonyms, highest priority first (itself included): log.retention.hours -> ms, minutes, hours. */
export function brokerSynonyms(name: string): string[] {
  const t = TOPIC_OF_SYNONYM.get(name);
  return t ? TOPIC_CONFIGS[t.topic].synonyms.map((s) => s.name) : [name];
}
