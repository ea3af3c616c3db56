/**
 * Topics on this broker: creation (explicit and automatic), deletion, lookup
 * by name and by id, and their partitions' logs. Every change is written to
 * the metadata store before it is answered.
 */
import { loadCodecFor } from '../protocol/compression';
import { ErrorCode } from '../protocol/error-codes';
import { LogManager } from '../storage/log-manager';
import { KafkaError } from './kafka-error';
import { ClusterMetadata, MetadataStore, TopicRecord, newUuid } from './metadata-store';
import { Partition } from './partition';
import { BrokerTopicDefaults, effectiveConfig, logConfigFor, validateEffectiveTopicConfigs, validateTopicConfigs } from './topic-config';
import { collisionKey, topicNameProblem } from './topic-name';

/** How many partition logs of a topic are opened at the same time. */
const OPEN_CONCURRENCY = 16;

/** Most partitions one CreatePartitions may add to a topic (Kafka's controller: 10,000 records per operation). */
export const MAX_PARTITIONS_ADDED = 10_000;

export interface Topic {
  readonly name: string;
  readonly topicId: string;
  /** The topic's own config overrides; replaced (never edited in place) by alterConfigs. */
  configs: Record<string, string>;
  readonly partitions: Partition[];
  /** Internal topics (__consumer_offsets) are hidden from Metadata unless named. */
  readonly internal: boolean;
}

export interface CreateTopicOptions {
  numPartitions: number;
  configs?: Record<string, string>;
  validateOnly?: boolean;
}

export class TopicManager {
  private readonly byName = new Map<string, Topic>();
  private readonly byId = new Map<string, Topic>();
  private state!: ClusterMetadata;
  /** Topic names being created or deleted right now, so two requests cannot race. */
  private readonly busy = new Map<string, Promise<unknown>>();

  constructor(
    private readonly logs: LogManager,
    private readonly store: MetadataStore,
    private readonly brokerDefaults: BrokerTopicDefaults,
    /** Called with the stored dynamic broker configs before any log opens, so `brokerDefaults` includes them. */
    private readonly onDynamicBrokerConfigs?: (d: { cluster: Record<string, string>; broker: Record<string, string> }) => void,
  ) {}

  get clusterId(): string {
    return this.state.clusterId;
  }

  /** Loads the stored topics and opens (recovering) every partition's log. */
  async load(): Promise<void> {
    const stored = this.store.load();
    this.state = stored ?? { version: 1, clusterId: newUuid(), topics: [] };
    if (this.state.dynamicBrokerConfigs) this.onDynamicBrokerConfigs?.(this.state.dynamicBrokerConfigs);
    const expected = new Set(this.state.topics.flatMap((t) => Array.from({ length: t.partitions }, (_, i) => `${t.name}-${i}`)));
    await this.logs.quarantineStrayDirs(expected);
    for (const rec of this.state.topics) await this.openTopic(rec);
    if (!stored) await this.store.save(this.state);
  }

  get(name: string): Topic | undefined {
    return this.byName.get(name);
  }

  getById(topicId: string): Topic | undefined {
    return this.byId.get(topicId);
  }

  list(): Topic[] {
    return [...this.byName.values()];
  }

  partition(topic: string, index: number): Partition | undefined {
    return this.byName.get(topic)?.partitions[index];
  }

  /** Validates and creates a topic; throws KafkaError with the code Kafka uses. */
  async create(name: string, opts: CreateTopicOptions): Promise<Topic> {
    const problem = topicNameProblem(name);
    if (problem) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
    if (this.byName.has(name) || this.busy.has(name)) {
      throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
    }
    const key = collisionKey(name);
    for (const other of this.byName.keys()) {
      if (collisionKey(other) === key) {
        throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${name}' collides with existing topic: ${other}`);
      }
    }
    if (!Number.isInteger(opts.numPartitions) || opts.numPartitions < 1) {
      throw new KafkaError(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.');
    }
    const configs = validateTopicConfigs(opts.configs ?? {});
    validateEffectiveTopicConfigs((n) => effectiveConfig(n, configs, this.brokerDefaults));
    if (opts.validateOnly) {
      return { name, topicId: newUuid(), configs, partitions: [], internal: name.startsWith('__') };
    }
    const rec: TopicRecord = { name, topicId: newUuid(), partitions: opts.numPartitions, configs };
    return this.exclusive(name, async () => {
      const topic = await this.openTopic(rec);
      this.state.topics.push(rec);
      await this.store.save(this.state);
      return topic;
    });
  }

  /** Creates `name` (with `numPartitions` and `configs`) unless it exists or is being created. */
  async ensure(name: string, numPartitions: number, configs?: Record<string, string>): Promise<Topic> {
    const existing = this.byName.get(name);
    if (existing) return existing;
    const pending = this.busy.get(name);
    if (pending) {
      await pending.catch(() => undefined);
      const t = this.byName.get(name);
      if (t) return t;
    }
    return this.create(name, { numPartitions, configs });
  }

  /**
   * CreatePartitions: grows `name` to `count` partitions. The new logs are
   * created, then the metadata file is rewritten, then the partitions become
   * visible; a crash before the rewrite leaves directories that the next
   * start sets aside as stray. Throws KafkaError with Kafka's codes and
   * messages (ReplicationControlManager.createPartitions). `check`, given
   * the current count, runs after the count checks (manual assignments).
   */
  async addPartitions(name: string, count: number, validateOnly = false, check?: (current: number) => void): Promise<Topic> {
    const pending = this.busy.get(name);
    if (pending) await pending.catch(() => undefined);
    const topic = this.byName.get(name);
    if (!topic || this.busy.has(name)) {
      throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
    }
    const current = topic.partitions.length;
    if (count === current) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Topic already has ${current} partition(s).`);
    if (count < current) {
      throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `The topic ${name} currently has ${current} partition(s); ${count} would not be an increase.`);
    }
    check?.(current);
    if (count - current > MAX_PARTITIONS_ADDED) {
      throw new KafkaError(ErrorCode.POLICY_VIOLATION, 'Unable to perform excessively large batch operation.');
    }
    if (validateOnly) return topic;
    return this.exclusive(name, async () => {
      const rec = this.state.topics.find((t) => t.name === name)!;
      const logConfig = logConfigFor(rec.configs, this.brokerDefaults);
      const added: Partition[] = [];
      for (let i = current; i < count; i++) added.push(new Partition(name, i, await this.logs.openLog(name, i, logConfig)));
      rec.partitions = count;
      try {
        await this.store.save(this.state);
      } catch (err) {
        rec.partitions = current;
        for (const p of added) await this.logs.deleteLog(name, p.index).catch(() => undefined);
        throw err;
      }
      topic.partitions.push(...added);
      return topic;
    });
  }

  async delete(name: string): Promise<Topic> {
    const topic = this.byName.get(name);
    if (!topic || this.busy.has(name)) {
      throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
    }
    return this.exclusive(name, async () => {
      this.byName.delete(name);
      this.byId.delete(topic.topicId);
      this.state.topics = this.state.topics.filter((t) => t.name !== name);
      await this.store.save(this.state);
      for (const p of topic.partitions) {
        p.wake();
        await this.logs.deleteLog(name, p.index);
      }
      return topic;
    });
  }

  /**
   * Replaces a topic's config overrides with `overrides` (AlterConfigs
   * semantics; IncrementalAlterConfigs computes the new set first). Checks
   * them as Kafka does (names and values, then the rules across configs,
   * then that the topic exists), stores them, and applies them to the open
   * partition logs at once. Throws KafkaError.
   */
  async alterConfigs(name: string, overrides: Record<string, string | null>, validateOnly = false): Promise<void> {
    if (name === '') throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Default topic resources are not allowed.');
    const problem = topicNameProblem(name);
    if (problem) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
    const configs = validateTopicConfigs(overrides);
    validateEffectiveTopicConfigs((n) => effectiveConfig(n, configs, this.brokerDefaults));
    const topic = this.byName.get(name);
    if (!topic || this.busy.has(name)) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`);
    if (validateOnly) return;
    const rec = this.state.topics.find((t) => t.name === name);
    if (rec) rec.configs = configs;
    await this.codecReadyFor(configs);
    topic.configs = configs;
    this.applyLogConfig(topic);
    await this.store.save(this.state);
  }

  /** Dynamic broker configs as stored with the metadata (empty when none were ever set). */
  get dynamicBrokerConfigs(): { cluster: Record<string, string>; broker: Record<string, string> } {
    return this.state.dynamicBrokerConfigs ?? { cluster: {}, broker: {} };
  }

  /**
   * Stores new dynamic broker configs; the caller has already updated the
   * broker defaults object this manager shares, so every topic's logs are
   * given their new effective settings.
   */
  async saveDynamicBrokerConfigs(d: { cluster: Record<string, string>; broker: Record<string, string> }): Promise<void> {
    this.state.dynamicBrokerConfigs = { cluster: { ...d.cluster }, broker: { ...d.broker } };
    await this.codecReadyFor({});
    for (const t of this.byName.values()) this.applyLogConfig(t);
    await this.store.save(this.state);
  }

  /**
   * Waits until the codec these topic configs' compression.type names can
   * compress synchronously (the zstd module loads on first need): before
   * the configs take effect, so no produce can see them sooner.
   */
  private codecReadyFor(topicConfigs: Record<string, string>): Promise<void> {
    return loadCodecFor(effectiveConfig('compression.type', topicConfigs, this.brokerDefaults));
  }

  /** Gives every partition of `topic` the log settings of its current configs and the broker defaults. */
  private applyLogConfig(topic: Topic): void {
    const c = logConfigFor(topic.configs, this.brokerDefaults);
    for (const p of topic.partitions) p.log.updateConfig(c);
  }

  /** Runs a create or delete of `name` while no other create or delete of it can start. */
  private async exclusive<T>(name: string, work: () => Promise<T>): Promise<T> {
    const running = work();
    this.busy.set(name, running);
    try {
      return await running;
    } finally {
      this.busy.delete(name);
    }
  }

  private async openTopic(rec: TopicRecord): Promise<Topic> {
    await this.codecReadyFor(rec.configs);
    const logConfig = logConfigFor(rec.configs, this.brokerDefaults);
    // Several logs open at once: each open is a handful of small file operations, mostly waiting.
    const partitions: Partition[] = new Array(rec.partitions);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < rec.partitions; i = next++) partitions[i] = new Partition(rec.name, i, await this.logs.openLog(rec.name, i, logConfig));
    };
    await Promise.all(Array.from({ length: Math.min(OPEN_CONCURRENCY, rec.partitions) }, worker));
    const topic: Topic = {
      name: rec.name,
      topicId: rec.topicId,
      configs: rec.configs,
      partitions,
      internal: rec.name === '__consumer_offsets' || rec.name === '__transaction_state',
    };
    this.byName.set(rec.name, topic);
    this.byId.set(rec.topicId, topic);
    return topic;
  }
}
