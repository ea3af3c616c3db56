/**
 * The broker process: opens the data directory and every topic's logs, then
 * listens. Holds what handlers need (config, topics, the dispatcher's list of
 * supported APIs) and shuts down gracefully: stop accepting, answer the
 * requests in flight (waiting fetches are woken to answer at once), close
 * the sockets, then flush and close every log.
 */
import { createServer, Server, Socket } from 'node:net';
import type { Logger } from 'pino';
import { SYSTEM_CLOCK } from '../cluster/clock';
import { GroupCoordinator } from '../cluster/group-coordinator';
import { MetadataStore } from '../cluster/metadata-store';
import { OffsetsTopic } from '../cluster/offsets-topic';
import { BrokerConfigs } from '../cluster/broker-configs';
import { ConfigAdmin } from '../cluster/config-admin';
import { ProducerIdManager } from '../cluster/producer-id-manager';
import { BrokerTopicDefaults, cleanerConfigFor } from '../cluster/topic-config';
import { TopicManager } from '../cluster/topic-manager';
import { CompactedLog, LogCleaner } from '../storage/log-cleaner';
import { LogManager } from '../storage/log-manager';
import { BrokerConfig } from './config';
import { Connection } from './connection';
import { Dispatcher, SupportedApi } from './dispatcher';
import { HANDLERS } from './handlers';

const SHUTDOWN_GRACE_MS = 5000;

export class Broker {
  readonly logs: LogManager;
  readonly topics: TopicManager;
  /** Broker-level values of topic configs (log.retention.ms and friends). */
  readonly topicDefaults: BrokerTopicDefaults;
  /** Broker configs in their layers (static, dynamic), as DescribeConfigs and AlterConfigs see them. */
  readonly brokerConfigs: BrokerConfigs;
  /** DescribeConfigs / AlterConfigs / IncrementalAlterConfigs on topics, this broker and its logger. */
  readonly configAdmin: ConfigAdmin;
  /** Consumer groups and their committed offsets, stored in __consumer_offsets. */
  readonly groups: GroupCoordinator;
  readonly offsetsTopic: OffsetsTopic;
  /** Producer ids for InitProducerId, never reused. */
  readonly producerIds: ProducerIdManager;
  private producerExpiryTimer: NodeJS.Timeout | null = null;
  /** Resolves when __consumer_offsets has been read back and group requests are answered. */
  groupsLoaded: Promise<void> = Promise.resolve();
  private readonly dispatcher: Dispatcher;
  private readonly connections = new Set<Connection>();
  private server: Server | null = null;
  private retentionTimer: NodeJS.Timeout | null = null;
  private offsetExpiryTimer: NodeJS.Timeout | null = null;
  /** Compaction of cleanup.policy=compact topics (null when --no-log-cleaner-enable). */
  readonly cleaner: LogCleaner | null;
  private boundPort = 0;
  /** True once shutdown began: long-polling fetches answer at once. */
  shuttingDown = false;

  constructor(
    readonly config: BrokerConfig,
    readonly log: Logger,
  ) {
    this.logs = new LogManager(config.dataDir, log);
    this.brokerConfigs = new BrokerConfigs(config);
    this.topicDefaults = this.brokerConfigs.topicDefaults;
    this.topics = new TopicManager(this.logs, new MetadataStore(config.dataDir), this.topicDefaults, (d) => this.brokerConfigs.setDynamic(d));
    this.configAdmin = new ConfigAdmin(this.topics, this.brokerConfigs, config.nodeId, log);
    this.offsetsTopic = new OffsetsTopic(this.topics, { partitions: config.offsetsTopicNumPartitions, segmentBytes: config.offsetsTopicSegmentBytes }, log);
    this.groups = new GroupCoordinator(
      {
        minSessionTimeoutMs: config.groupMinSessionTimeoutMs,
        maxSessionTimeoutMs: config.groupMaxSessionTimeoutMs,
        initialRebalanceDelayMs: config.groupInitialRebalanceDelayMs,
        maxGroupSize: config.groupMaxSize,
        offsetMetadataMaxBytes: config.offsetMetadataMaxBytes,
        offsetsRetentionMs: config.offsetsRetentionMinutes * 60_000,
      },
      this.offsetsTopic,
      SYSTEM_CLOCK,
      log.child({ component: 'groups' }),
    );
    this.producerIds = new ProducerIdManager(config.dataDir);
    this.dispatcher = new Dispatcher(this, HANDLERS);
    this.cleaner = config.logCleanerEnable
      ? new LogCleaner(
          { backoffMs: config.logCleanerBackoffMs, dedupeBufferBytes: config.logCleanerDedupeBufferSize, logger: log.child({ component: 'log-cleaner' }) },
          () => this.compactedLogs(),
        )
      : null;
  }

  /** Every partition log with its live cleaner configs (read again every pass). */
  private *compactedLogs(): Iterable<CompactedLog> {
    for (const t of this.topics.list()) {
      for (const p of t.partitions) {
        yield {
          name: `${t.name}-${p.index}`,
          log: p.log,
          config: () => cleanerConfigFor(this.topics.get(t.name)?.configs ?? t.configs, this.topicDefaults),
        };
      }
    }
  }

  get supportedApis(): readonly SupportedApi[] {
    return this.dispatcher.supported;
  }

  get clusterId(): string {
    return this.topics.clusterId;
  }

  /** The port clients are told to use. */
  get advertisedPort(): number {
    return this.config.advertisedPort || this.boundPort;
  }

  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<void> {
    // codec libraries load on first use (src/protocol/compression.ts); a zstd compression.type loads zstd with its topic
    await this.logs.init();
    await this.topics.load();
    await this.producerIds.load();
    // producers that went idle while the broker was down are dropped now (Kafka filters them when loading snapshots)
    this.expireProducers();
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.port, this.config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    this.boundPort = typeof addr === 'object' && addr ? addr.port : this.config.port;
    this.retentionTimer = setInterval(() => {
      this.logs.applyRetention().catch((err: unknown) => this.log.error({ err }, 'retention check failed'));
    }, this.config.retentionCheckIntervalMs);
    this.retentionTimer.unref();
    // Groups are read back while the broker already answers; until then group requests get COORDINATOR_LOAD_IN_PROGRESS.
    this.groupsLoaded = this.offsetsTopic.load(this.groups).catch((err: unknown) => {
      this.log.error({ err }, 'could not load __consumer_offsets; group requests will get COORDINATOR_LOAD_IN_PROGRESS');
    });
    this.offsetExpiryTimer = setInterval(() => {
      this.groups.expireOffsets().catch((err: unknown) => this.log.error({ err }, 'offset expiry failed'));
    }, this.config.offsetsRetentionCheckIntervalMs);
    this.offsetExpiryTimer.unref();
    this.producerExpiryTimer = setInterval(() => this.expireProducers(), this.config.producerIdExpirationCheckIntervalMs);
    this.producerExpiryTimer.unref();
    this.cleaner?.start();
    this.log.info(
      { host: this.config.host, port: this.boundPort, advertised: `${this.config.advertisedHost}:${this.advertisedPort}`, dataDir: this.config.dataDir, nodeId: this.config.nodeId },
      'broker listening',
    );
  }

  /** Forgets idle producers of every partition (producer.id.expiration.ms), as Kafka's periodic check. */
  expireProducers(nowMs: number = Date.now()): void {
    let removed = 0;
    for (const [, log] of this.logs.allLogs()) removed += log.removeExpiredProducers(nowMs, this.config.producerIdExpirationMs);
    if (removed > 0) this.log.info({ removed }, 'expired idle producer ids');
  }

  private accept(socket: Socket): void {
    if (this.shuttingDown) {
      socket.destroy();
      return;
    }
    const log = this.log.child({ client: `${socket.remoteAddress}:${socket.remotePort}` });
    const conn = new Connection(socket, this.dispatcher, log, this.config.maxRequestBytes);
    this.connections.add(conn);
    socket.on('close', () => this.connections.delete(conn));
  }

  /** Graceful shutdown; safe to call more than once. */
  async stop(): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.log.info('shutting down');
    // Paused sockets and unref'd timers do not keep Node running: without this the process could exit
    // half-way (logs not closed, lock not released) while a client still holds a connection open.
    const keepAlive = setInterval(() => undefined, 60_000);
    try {
      if (this.retentionTimer) clearInterval(this.retentionTimer);
      if (this.offsetExpiryTimer) clearInterval(this.offsetExpiryTimer);
      if (this.producerExpiryTimer) clearInterval(this.producerExpiryTimer);
      // Parked JoinGroups and SyncGroups are answered NOT_COORDINATOR so clients find us again after a restart.
      this.groups.shutdown();
      const closed = this.server ? new Promise<void>((resolve) => this.server!.close(() => resolve())) : Promise.resolve();
      for (const c of this.connections) c.stopReading();
      for (const t of this.topics.list()) for (const p of t.partitions) p.wake();
      const idle = Promise.all([...this.connections].map((c) => c.whenIdle()));
      await Promise.race([idle, new Promise((r) => setTimeout(r, SHUTDOWN_GRACE_MS).unref())]);
      for (const c of this.connections) c.close();
      await closed;
      await this.groupsLoaded;
      await this.cleaner?.stop();
      await this.logs.close();
    } finally {
      clearInterval(keepAlive);
    }
    this.log.info('shut down cleanly');
  }
}
