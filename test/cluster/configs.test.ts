/**
 * Topic and broker configs: Kafka's value checks and messages, sources and
 * synonyms as DescribeConfigs shows them, the incremental operations, and
 * alters applied live to open logs, stored, and back after a reopen.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerConfigs, ConfigSource } from '../../src/cluster/broker-configs';
import { ConfigAdmin, OpType, ResourceType, applyOp } from '../../src/cluster/config-admin';
import { KafkaError } from '../../src/cluster/kafka-error';
import { MetadataStore } from '../../src/cluster/metadata-store';
import { TOPIC_CONFIG_NAMES, logConfigFor, validateTopicConfigs } from '../../src/cluster/topic-config';
import { TopicManager } from '../../src/cluster/topic-manager';
import { ErrorCode } from '../../src/protocol/error-codes';
import { DEFAULT_CONFIG, resolveConfig } from '../../src/server/config';
import { LogManager } from '../../src/storage/log-manager';

function rejection(configs: Record<string, string | null>): KafkaError {
  try {
    validateTopicConfigs(configs);
  } catch (err) {
    if (err instanceof KafkaError) return err;
    throw err;
  }
  throw new Error(`accepted ${JSON.stringify(configs)}`);
}

describe('topic config checks (Kafka ConfigDef messages)', () => {
  test.each([
    [{ 'no.such.thing': '1' }, 'Unknown topic config name: no.such.thing'],
    [{ 'retention.ms': 'soon' }, 'Invalid value soon for configuration retention.ms: Not a number of type LONG'],
    [{ 'retention.ms': '-2' }, 'Invalid value -2 for configuration retention.ms: Value must be at least -1'],
    [{ 'segment.bytes': '3000000000' }, 'Invalid value 3000000000 for configuration segment.bytes: Not a number of type INT'],
    [{ 'segment.bytes': '13' }, 'Invalid value 13 for configuration segment.bytes: Value must be at least 14'],
    [{ 'cleanup.policy': 'compact,forever' }, 'Invalid value compact,forever for configuration cleanup.policy: String must be one of: compact, delete'],
    [{ 'min.cleanable.dirty.ratio': '1.5' }, 'Invalid value 1.5 for configuration min.cleanable.dirty.ratio: Value must be no more than 1'],
    [{ 'message.timestamp.type': 'BrokerTime' }, 'Invalid value BrokerTime for configuration message.timestamp.type: String must be one of: CreateTime, LogAppendTime'],
    [{ preallocate: 'yes' }, 'Invalid value yes for configuration preallocate: Expected value to be either true or false'],
    [{ 'compression.gzip.level': '0' }, 'Invalid value 0 for configuration compression.gzip.level: Value must be between 1 and 9 or equal to -1'],
    [{ 'retention.ms': null }, 'Null value not supported for topic configs: retention.ms'],
  ])('%j', (configs, message) => {
    const err = rejection(configs);
    expect(err.code).toBe(ErrorCode.INVALID_CONFIG);
    expect(err.message).toBe(message);
  });

  test('values are kept in canonical form', () => {
    expect(validateTopicConfigs({ 'cleanup.policy': ' compact , delete ', preallocate: 'TRUE', 'retention.ms': ' 1000 ' })).toEqual({
      'cleanup.policy': 'compact,delete',
      preallocate: 'true',
      'retention.ms': '1000',
    });
  });

  test('Kafka 3.x topic configs are all known, the deprecated ones included', () => {
    for (const n of ['message.timestamp.difference.max.ms', 'message.downconversion.enable', 'message.format.version', 'local.retention.ms', 'segment.jitter.ms', 'follower.replication.throttled.replicas']) {
      expect(TOPIC_CONFIG_NAMES).toContain(n);
    }
    expect(() => validateTopicConfigs({ 'message.format.version': '2.8', 'leader.replication.throttled.replicas': '0:1,1:1' })).not.toThrow();
  });

  test('difference.max.ms stands in for before/after left at their defaults (Kafka 3.6+)', () => {
    expect(logConfigFor({ 'message.timestamp.difference.max.ms': '5000' }, {})).toMatchObject({ messageTimestampBeforeMaxMs: 5000, messageTimestampAfterMaxMs: 5000 });
    expect(logConfigFor({ 'message.timestamp.difference.max.ms': '5000', 'message.timestamp.after.max.ms': '10' }, {})).toMatchObject({
      messageTimestampBeforeMaxMs: 5000,
      messageTimestampAfterMaxMs: 10,
    });
    expect(logConfigFor({}, {})).toMatchObject({ messageTimestampBeforeMaxMs: Infinity, messageTimestampType: 'CreateTime', cleanupPolicy: ['delete'] });
  });
});

describe('sources and synonyms', () => {
  test('an untouched topic config shows Kafka\'s default with the broker\'s default synonym', () => {
    const b = new BrokerConfigs(DEFAULT_CONFIG);
    const [retention] = b.describeTopic({}, true, true, ['retention.ms']);
    expect(retention).toMatchObject({ name: 'retention.ms', value: '604800000', source: ConfigSource.DEFAULT_CONFIG, readOnly: false, configType: 5 });
    expect(retention.synonyms).toEqual([{ name: 'log.retention.hours', value: '168', source: ConfigSource.DEFAULT_CONFIG }]);
    expect(retention.documentation).toMatch(/segment/);
    // A topic config with no broker synonym has none.
    expect(b.describeTopic({}, true, false, ['remote.storage.enable'])[0]).toMatchObject({ value: 'false', source: ConfigSource.DEFAULT_CONFIG, synonyms: [] });
  });

  test('a command-line setting is STATIC_BROKER_CONFIG; a topic override comes first', () => {
    const b = new BrokerConfigs(resolveConfig({ logRetentionMs: 3_600_000 }));
    expect(b.describeTopic({}, true, false, ['retention.ms'])[0]).toMatchObject({
      value: '3600000',
      source: ConfigSource.STATIC_BROKER_CONFIG,
      synonyms: [
        { name: 'log.retention.ms', value: '3600000', source: ConfigSource.STATIC_BROKER_CONFIG },
        { name: 'log.retention.hours', value: '168', source: ConfigSource.DEFAULT_CONFIG },
      ],
    });
    const [own] = b.describeTopic({ 'retention.ms': '1000' }, true, false, ['retention.ms']);
    expect(own.source).toBe(ConfigSource.DYNAMIC_TOPIC_CONFIG);
    expect(own.synonyms[0]).toEqual({ name: 'retention.ms', value: '1000', source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    // Without includeSynonyms the list is empty but the source stays.
    expect(b.describeTopic({}, false, false, ['retention.ms'])[0]).toMatchObject({ synonyms: [], source: ConfigSource.STATIC_BROKER_CONFIG });
  });

  test('dynamic layers: this broker over the cluster default over static; hours convert to ms', () => {
    const b = new BrokerConfigs(resolveConfig({ logRetentionMs: 3_600_000 }));
    b.setDynamic({ cluster: { 'log.retention.ms': '2000' }, broker: {} });
    expect(b.topicDefaults['retention.ms']).toBe('2000');
    expect(b.describeTopic({}, false, false, ['retention.ms'])[0]).toMatchObject({ value: '2000', source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG });
    b.setDynamic({ cluster: { 'log.retention.ms': '2000' }, broker: { 'log.retention.ms': '3000' } });
    expect(b.describeTopic({}, true, false, ['retention.ms'])[0].synonyms.map((s) => s.source)).toEqual([2, 3, 4, 5]);
    expect(b.topicDefaults['retention.ms']).toBe('3000');
    const hours = new BrokerConfigs(DEFAULT_CONFIG);
    hours.setDynamic({ cluster: {}, broker: { 'log.roll.ms': '7200000' } });
    expect(hours.topicDefaults['segment.ms']).toBe('7200000');
  });

  test('broker describe: per broker lists everything, read-only unless dynamic; the cluster default lists what is set there', () => {
    const b = new BrokerConfigs(resolveConfig({ nodeId: 3, messageMaxBytes: 2000 }));
    b.setDynamic({ cluster: { 'log.retention.ms': '5000' }, broker: {} });
    const all = b.describeBroker(true, true, false, null);
    const byName = Object.fromEntries(all.map((c) => [c.name, c]));
    expect(byName['node.id']).toMatchObject({ value: '3', readOnly: true, source: ConfigSource.STATIC_BROKER_CONFIG });
    expect(byName['message.max.bytes']).toMatchObject({ value: '2000', readOnly: false, source: ConfigSource.STATIC_BROKER_CONFIG });
    expect(byName['log.retention.ms']).toMatchObject({ value: '5000', source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG });
    expect(byName['log.retention.hours']).toMatchObject({ value: '168', readOnly: true, source: ConfigSource.DEFAULT_CONFIG });
    expect(byName['log.retention.hours'].synonyms).toEqual([{ name: 'log.retention.hours', value: '168', source: ConfigSource.DEFAULT_CONFIG }]);
    expect(byName['log.cleanup.policy']).toMatchObject({ value: 'delete', readOnly: false, configType: 7 });
    const cluster = b.describeBroker(false, true, false, null);
    expect(cluster).toEqual([expect.objectContaining({ name: 'log.retention.ms', value: '5000', source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG })]);
  });
});

describe('incremental operations', () => {
  const list = () => 'delete';
  test.each([
    [null, OpType.APPEND, 'compact', 'delete,compact'],
    ['compact', OpType.APPEND, 'compact,delete', 'compact,delete'],
    ['compact,delete', OpType.SUBTRACT, 'delete', 'compact'],
    [null, OpType.SUBTRACT, 'delete', ''],
    ['x', OpType.SET, 'y', 'y'],
    ['x', OpType.DELETE, null, null],
  ])('%s %i %s -> %s', (current, op, value, result) => {
    expect(applyOp(current, { name: 'cleanup.policy', configOperation: op, value }, list)).toBe(result);
  });
});

describe('ConfigAdmin on real logs', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kafkats-configs-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function open() {
    const logs = new LogManager(dir);
    await logs.init();
    const brokerConfigs = new BrokerConfigs(resolveConfig({ nodeId: 1, dataDir: dir }));
    const topics = new TopicManager(logs, new MetadataStore(dir), brokerConfigs.topicDefaults, (d) => brokerConfigs.setDynamic(d));
    await topics.load();
    const logger = { level: 'info' };
    return { logs, topics, brokerConfigs, logger, admin: new ConfigAdmin(topics, brokerConfigs, 1, logger) };
  }

  test('AlterConfigs replaces the whole set, live and after a reopen', async () => {
    const a = await open();
    await a.topics.create('t', { numPartitions: 2, configs: { 'retention.ms': '1000', 'segment.bytes': '4096' } });
    expect(await a.admin.alter(ResourceType.TOPIC, 't', [{ name: 'max.message.bytes', value: '500' }, { name: 'message.timestamp.type', value: 'LogAppendTime' }], false)).toEqual({
      errorCode: 0,
      errorMessage: null,
    });
    const p = a.topics.partition('t', 1)!;
    expect(p.log.config).toMatchObject({ maxMessageBytes: 500, messageTimestampType: 'LogAppendTime', retentionMs: 604800000, segmentBytes: 1073741824 });
    expect(a.topics.get('t')!.configs).toEqual({ 'max.message.bytes': '500', 'message.timestamp.type': 'LogAppendTime' });
    await a.logs.close();
    const b = await open();
    expect(b.topics.partition('t', 0)!.log.config).toMatchObject({ maxMessageBytes: 500, messageTimestampType: 'LogAppendTime' });
    await b.logs.close();
  });

  test('IncrementalAlterConfigs: SET, DELETE, APPEND to a list; APPEND to a non-list is INVALID_CONFIG', async () => {
    const a = await open();
    await a.topics.create('t', { numPartitions: 1, configs: { 'retention.ms': '1000' } });
    const r = await a.admin.incrementalAlter(
      ResourceType.TOPIC,
      't',
      [
        { name: 'retention.ms', configOperation: OpType.DELETE, value: null },
        { name: 'cleanup.policy', configOperation: OpType.APPEND, value: 'compact' },
        { name: 'min.compaction.lag.ms', configOperation: OpType.SET, value: '60000' },
      ],
      false,
    );
    expect(r.errorCode).toBe(0);
    expect(a.topics.get('t')!.configs).toEqual({ 'cleanup.policy': 'delete,compact', 'min.compaction.lag.ms': '60000' });
    expect(a.topics.partition('t', 0)!.log.config).toMatchObject({ cleanupPolicy: ['delete', 'compact'], minCompactionLagMs: 60000, retentionMs: 604800000 });
    expect(await a.admin.incrementalAlter(ResourceType.TOPIC, 't', [{ name: 'retention.ms', configOperation: OpType.APPEND, value: '5' }], false)).toEqual({
      errorCode: ErrorCode.INVALID_CONFIG,
      errorMessage: "Can't APPEND to key retention.ms because its type is not LIST.",
    });
    await a.logs.close();
  });

  test('errors per resource, as Kafka answers them; validateOnly changes nothing', async () => {
    const a = await open();
    await a.topics.create('t', { numPartitions: 1 });
    const alter = (name: string, configs: { name: string; value: string | null }[], validateOnly = false) => a.admin.alter(ResourceType.TOPIC, name, configs, validateOnly);
    expect(await alter('missing', [{ name: 'retention.ms', value: '5' }])).toEqual({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: "The topic 'missing' does not exist." });
    expect((await alter('missing', [{ name: 'bogus', value: '5' }])).errorCode).toBe(ErrorCode.INVALID_CONFIG); // checked before existence, as Kafka's controller
    expect(await alter('t', [{ name: 'a', value: '1' }, { name: 'a', value: '2' }])).toEqual({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Error due to duplicate config keys' });
    expect(await alter('t', [{ name: 'retention.ms', value: null }])).toEqual({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Null value not supported for : retention.ms' });
    expect(await alter('t', [{ name: 'min.compaction.lag.ms', value: '10' }, { name: 'max.compaction.lag.ms', value: '5' }])).toEqual({
      errorCode: ErrorCode.INVALID_CONFIG,
      errorMessage: 'conflict topic config setting min.compaction.lag.ms (10) > max.compaction.lag.ms (5)',
    });
    expect((await alter('t', [{ name: 'remote.storage.enable', value: 'true' }])).errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(await alter('', [])).toEqual({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Default topic resources are not allowed.' });
    expect((await alter('t', [{ name: 'retention.ms', value: '5' }], true)).errorCode).toBe(0);
    expect(a.topics.get('t')!.configs).toEqual({});
    expect(a.admin.describe(ResourceType.TOPIC, 'missing', null, false, false)).toEqual({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null, configs: [] });
    expect(a.admin.describe(ResourceType.BROKER, '7', null, false, false)).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Unexpected broker id, expected 1 or empty string, but received 7' });
    expect(a.admin.describe(ResourceType.BROKER, 'x', null, false, false)).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Broker id must be an integer, but it is: x' });
    expect(a.admin.describe(ResourceType.GROUP, 'g', null, false, false).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect((await a.admin.alter(ResourceType.BROKER_LOGGER, '1', [], false)).errorMessage).toBe('Unknown resource type 8');
    await a.logs.close();
  });

  test('broker dynamic defaults reach every topic without an override, live and after a reopen', async () => {
    const a = await open();
    await a.topics.create('plain', { numPartitions: 1 });
    await a.topics.create('own', { numPartitions: 1, configs: { 'max.message.bytes': '999' } });
    expect(await a.admin.incrementalAlter(ResourceType.BROKER, '', [{ name: 'message.max.bytes', configOperation: OpType.SET, value: '700' }], false)).toEqual({ errorCode: 0, errorMessage: null });
    expect(a.topics.partition('plain', 0)!.log.config.maxMessageBytes).toBe(700);
    expect(a.topics.partition('own', 0)!.log.config.maxMessageBytes).toBe(999);
    expect(await a.admin.alter(ResourceType.BROKER, '1', [{ name: 'log.retention.ms', value: '12345' }], false)).toEqual({ errorCode: 0, errorMessage: null });
    expect(a.topics.partition('plain', 0)!.log.config.retentionMs).toBe(12345);
    // Kafka's refusals for broker configs are INVALID_REQUEST.
    expect(await a.admin.alter(ResourceType.BROKER, '1', [{ name: 'log.retention.hours', value: '1' }], false)).toEqual({
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: 'Cannot update these configs dynamically: Set(log.retention.hours)',
    });
    expect(await a.admin.alter(ResourceType.BROKER, '1', [{ name: 'log.retention.ms', value: 'x' }], false)).toEqual({
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: 'Invalid value x for configuration log.retention.ms: Not a number of type LONG',
    });
    expect((await a.admin.alter(ResourceType.BROKER, '2', [], false)).errorMessage).toBe('Unexpected broker id, expected 1, but received 2');
    await a.logs.close();
    const b = await open();
    expect(b.topics.partition('plain', 0)!.log.config).toMatchObject({ maxMessageBytes: 700, retentionMs: 12345 });
    expect(b.brokerConfigs.describeTopic({}, false, false, ['max.message.bytes'])[0]).toMatchObject({ value: '700', source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG });
    await b.logs.close();
  });

  test('BROKER_LOGGER: root level is described and set; other loggers and DELETE of root are refused', async () => {
    const a = await open();
    expect(a.admin.describe(ResourceType.BROKER_LOGGER, '1', null, false, false).configs).toEqual([
      expect.objectContaining({ name: 'root', value: 'INFO', source: ConfigSource.DYNAMIC_BROKER_LOGGER_CONFIG }),
    ]);
    expect((await a.admin.incrementalAlter(ResourceType.BROKER_LOGGER, '1', [{ name: 'root', configOperation: OpType.SET, value: 'DEBUG' }], false)).errorCode).toBe(0);
    expect(a.logger.level).toBe('debug');
    expect((await a.admin.incrementalAlter(ResourceType.BROKER_LOGGER, '1', [{ name: 'root', configOperation: OpType.SET, value: 'LOUD' }], false)).errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect((await a.admin.incrementalAlter(ResourceType.BROKER_LOGGER, '1', [{ name: 'kafka.x', configOperation: OpType.SET, value: 'INFO' }], false)).errorMessage).toBe('Logger kafka.x does not exist!');
    expect((await a.admin.incrementalAlter(ResourceType.BROKER_LOGGER, '1', [{ name: 'root', configOperation: OpType.DELETE, value: null }], false)).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    await a.logs.close();
  });
});
