/**
 * Config admin through real clients against the running broker: a topic's
 * configs created by one client, altered by another and described by a
 * third (kafkajs, @platformatic/kafka, kafka-python, confluent-kafka), the
 * broker's own configs, the errors each client gets, and the configs
 * honoured: LogAppendTime seen by consumers, INVALID_TIMESTAMP reaching
 * producers, retention.ms and max.message.bytes altered while the topic is
 * in use, and everything still there after a restart.
 */
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import {
  alterConfigsRequest,
  alterConfigsResponse,
  createTopicsRequest,
  createTopicsResponse,
  describeConfigsRequest,
  describeConfigsResponse,
  incrementalAlterConfigsRequest,
  incrementalAlterConfigsResponse,
  fetchRequest,
  fetchResponse,
  produceRequest,
  produceResponse,
} from '../src/protocol/messages';
import { ATTR_LOG_APPEND_TIME, buildRecordBatch, checkBatchAt, Off } from '../src/protocol/record-batch';
import { fetchBody, produceBody } from './helpers/requests';
import { useBroker, useKafkajsClients } from './helpers/broker-process';
import { kcat } from './helpers/kcat';
import { RawClient } from './helpers/raw-client';
import { PYTHON, scriptClient } from './clients/run';

jest.setTimeout(60000);

const broker = useBroker({ args: ['--retention-check-interval-ms', '200'] });
const clients = useKafkajsClients(broker, 'compat-configs');
const py = scriptClient(PYTHON, 'python_configs.py', () => broker.current.bootstrap);
const plt = scriptClient(process.execPath, 'platformatic_configs.mjs', () => broker.current.bootstrap);

const TOPIC = 2;
const BROKER = 4;
const SOURCE = { TOPIC: 1, DYNAMIC_BROKER: 2, DYNAMIC_DEFAULT: 3, STATIC: 4, DEFAULT: 5 };

async function kafkajsDescribe(name: string, configNames: string[] = []) {
  const res = await clients.admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name, configNames }], includeSynonyms: false });
  return Object.fromEntries(res.resources[0].configEntries.map((e) => [e.configName, e]));
}

describe('create with one client, alter with another, describe with a third', () => {
  const topic = 'cfg-shared';

  test('kafka-python creates with configs; kafkajs, platformatic and confluent-kafka describe them', async () => {
    const created = await py.ok('kp_create_topic', { name: topic, partitions: 2, configs: { 'retention.ms': '3600000', 'cleanup.policy': 'compact,delete' } });
    expect(created.topic_errors).toEqual([[topic, 0]]);

    const kj = await kafkajsDescribe(topic);
    expect(kj['retention.ms']).toMatchObject({ configValue: '3600000', configSource: SOURCE.TOPIC, isDefault: false, readOnly: false });
    expect(kj['cleanup.policy']).toMatchObject({ configValue: 'compact,delete', configSource: SOURCE.TOPIC });
    expect(kj['segment.bytes']).toMatchObject({ configValue: '1073741824', configSource: SOURCE.DEFAULT, isDefault: true });

    const p = await plt.ok('describe', { resources: [{ resourceType: TOPIC, resourceName: topic, configurationKeys: ['retention.ms'] }], includeSynonyms: true, includeDocumentation: true });
    const entry = p.resources[0].configs['retention.ms'];
    expect(entry).toMatchObject({ value: '3600000', configSource: SOURCE.TOPIC, configType: 5 });
    expect(entry.synonyms).toEqual([
      { name: 'retention.ms', value: '3600000', source: SOURCE.TOPIC },
      { name: 'log.retention.hours', value: '168', source: SOURCE.DEFAULT },
    ]);
    expect(entry.documentation).toEqual(expect.any(String));
    expect(Object.keys(p.resources[0].configs)).toEqual(['retention.ms']);

    const ck = await py.ok('ck_describe', { resources: [{ type: 'topic', name: topic }] });
    expect(ck[topic].configs['retention.ms']).toMatchObject({ value: '3600000', source: SOURCE.TOPIC, is_default: false });
    expect(ck[topic].configs['message.timestamp.type']).toMatchObject({ value: 'CreateTime', source: SOURCE.DEFAULT, is_default: true });
  });

  test('kafkajs AlterConfigs replaces the whole set; kafka-python and confluent-kafka see it', async () => {
    await clients.admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'max.message.bytes', value: '20000' }] }],
    });
    const kp = await py.ok('kp_describe', { resources: [{ type: 'TOPIC', name: topic }], synonyms: true });
    const configs = kp.resources[0].configs;
    expect(kp.resources[0].error_code).toBe(0);
    expect(configs['max.message.bytes']).toMatchObject({ value: '20000', source: SOURCE.TOPIC });
    // The earlier overrides are gone: back to the defaults.
    expect(configs['retention.ms']).toMatchObject({ value: '604800000', source: SOURCE.DEFAULT });
    expect(configs['cleanup.policy']).toMatchObject({ value: 'delete', source: SOURCE.DEFAULT });
    const ck = await py.ok('ck_describe', { resources: [{ type: 'topic', name: topic }] });
    expect(ck[topic].configs['max.message.bytes'].value).toBe('20000');
  });

  test('platformatic IncrementalAlterConfigs SET, APPEND, DELETE; kafkajs and kafka-python see it', async () => {
    await plt.ok('incremental', {
      resources: [
        {
          resourceType: TOPIC,
          resourceName: topic,
          configs: [
            { name: 'cleanup.policy', configOperation: 2, value: 'compact' },
            { name: 'retention.ms', configOperation: 0, value: '86400000' },
            { name: 'max.message.bytes', configOperation: 1 },
          ],
        },
      ],
    });
    const kj = await kafkajsDescribe(topic, ['cleanup.policy', 'retention.ms', 'max.message.bytes']);
    expect(kj['cleanup.policy']).toMatchObject({ configValue: 'delete,compact', configSource: SOURCE.TOPIC });
    expect(kj['retention.ms']).toMatchObject({ configValue: '86400000', configSource: SOURCE.TOPIC });
    expect(kj['max.message.bytes']).toMatchObject({ configValue: '1048588', configSource: SOURCE.DEFAULT });
    const kp = await py.ok('kp_describe', { resources: [{ type: 'TOPIC', name: topic }] });
    expect(kp.resources[0].configs['cleanup.policy'].value).toBe('delete,compact');
  });

  test('confluent-kafka AlterConfigs (validate_only changes nothing); platformatic describes', async () => {
    const dry = await py.ok('ck_alter', { resources: [{ type: 'topic', name: topic, configs: { 'segment.bytes': '1048576' } }], validate_only: true });
    expect(dry[topic]).toBeNull();
    let p = await plt.ok('describe', { resources: [{ resourceType: TOPIC, resourceName: topic, configurationKeys: ['segment.bytes'] }] });
    expect(p.resources[0].configs['segment.bytes'].value).toBe('1073741824');
    const done = await py.ok('ck_alter', { resources: [{ type: 'topic', name: topic, configs: { 'segment.bytes': '1048576', 'cleanup.policy': 'compact' } }] });
    expect(done[topic]).toBeNull();
    p = await plt.ok('describe', { resources: [{ resourceType: TOPIC, resourceName: topic }] });
    expect(p.resources[0].configs['segment.bytes']).toMatchObject({ value: '1048576', configSource: SOURCE.TOPIC });
    expect(p.resources[0].configs['cleanup.policy']).toMatchObject({ value: 'compact', configSource: SOURCE.TOPIC });
    expect(p.resources[0].configs['retention.ms'].configSource).toBe(SOURCE.DEFAULT);
  });

  test('the configs survive a restart', async () => {
    await broker.current.restart();
    const kp = await py.ok('kp_describe', { resources: [{ type: 'TOPIC', name: topic }] });
    expect(kp.resources[0].configs['segment.bytes']).toMatchObject({ value: '1048576', source: SOURCE.TOPIC });
    expect(kp.resources[0].configs['cleanup.policy']).toMatchObject({ value: 'compact', source: SOURCE.TOPIC });
  });
});

describe('errors each client gets', () => {
  beforeAll(async () => {
    await clients.admin.createTopics({ topics: [{ topic: 'cfg-errors' }] });
  });

  test('kafkajs: unknown config name and bad value are INVALID_CONFIG', async () => {
    const alter = (name: string, value: string) =>
      clients.admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'cfg-errors', configEntries: [{ name, value }] }] });
    await expect(alter('no.such.config', '1')).rejects.toMatchObject({ type: 'INVALID_CONFIG' });
    await expect(alter('retention.ms', 'soon')).rejects.toMatchObject({ type: 'INVALID_CONFIG' });
  });

  test('kafka-python: unknown topic, with Kafka\'s message', async () => {
    const kp = await py.ok('kp_alter', { resources: [{ type: 'TOPIC', name: 'cfg-missing', configs: { 'retention.ms': '5' } }] });
    expect(kp.resources).toEqual([[3, "The topic 'cfg-missing' does not exist.", 2, 'cfg-missing']]);
    const d = await py.ok('kp_describe', { resources: [{ type: 'TOPIC', name: 'cfg-missing' }] });
    expect(d.resources[0]).toMatchObject({ error_code: 3, configs: {} });
  });

  test('confluent-kafka: describe of an unknown topic and a bad value fail per resource', async () => {
    const ck = await py.ok('ck_describe', { resources: [{ type: 'topic', name: 'cfg-missing' }] });
    expect(ck['cfg-missing'].error).toBe('UNKNOWN_TOPIC_OR_PART');
    const bad = await py.ok('ck_alter', { resources: [{ type: 'topic', name: 'cfg-errors', configs: { 'cleanup.policy': 'forever' } }] });
    expect(bad['cfg-errors']).toMatchObject({ error: 'INVALID_CONFIG', message: expect.stringContaining('String must be one of: compact, delete') });
  });

  test('platformatic: APPEND to a non-list config is INVALID_CONFIG', async () => {
    const r = await plt.raw('incremental', { resources: [{ resourceType: TOPIC, resourceName: 'cfg-errors', configs: [{ name: 'retention.ms', configOperation: 2, value: '5' }] }] });
    expect(r.code).toBe(2);
    expect(r.json.apiIds).toContain('INVALID_CONFIG');
  });
});

describe('broker configs', () => {
  test('describe this broker: static settings read-only, topic defaults alterable', async () => {
    const res = await clients.admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: '1' }], includeSynonyms: false });
    const byName = Object.fromEntries(res.resources[0].configEntries.map((e) => [e.configName, e]));
    expect(byName['node.id']).toMatchObject({ configValue: '1', readOnly: true });
    expect(byName['log.retention.check.interval.ms']).toMatchObject({ configValue: '200', configSource: SOURCE.STATIC, readOnly: true });
    expect(byName['message.max.bytes']).toMatchObject({ configValue: '1048588', configSource: SOURCE.DEFAULT, readOnly: false });
  });

  test('broker-level defaults set with platformatic (this broker) and kafka-python (cluster) reach topics without an override, live', async () => {
    await clients.admin.createTopics({ topics: [{ topic: 'cfg-broker-default' }] });
    // platformatic sends a BROKER resource to the broker it names, so it is given our node id ("" would mean broker 0 to it).
    await plt.ok('incremental', { resources: [{ resourceType: BROKER, resourceName: '1', configs: [{ name: 'message.max.bytes', configOperation: 0, value: '3000' }] }] });
    const kp = await py.ok('kp_alter', { resources: [{ type: 'BROKER', name: '', configs: { 'message.max.bytes': '4000' } }] });
    expect(kp.resources).toEqual([[0, null, 4, '']]);
    const res = await clients.admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'cfg-broker-default', configNames: ['max.message.bytes'] }], includeSynonyms: true });
    expect(res.resources[0].configEntries[0]).toMatchObject({
      configValue: '3000',
      configSource: SOURCE.DYNAMIC_BROKER,
      configSynonyms: [
        { configName: 'message.max.bytes', configValue: '3000', configSource: SOURCE.DYNAMIC_BROKER },
        { configName: 'message.max.bytes', configValue: '4000', configSource: SOURCE.DYNAMIC_DEFAULT },
        { configName: 'message.max.bytes', configValue: '1048588', configSource: SOURCE.DEFAULT },
      ],
    });
    await expect(clients.producer.send({ topic: 'cfg-broker-default', acks: -1, messages: [{ value: 'x'.repeat(3500) }] })).rejects.toMatchObject({
      type: 'MESSAGE_TOO_LARGE',
    });
    // Neither kafka-python nor kafkajs will describe "" (both want a broker id): asked on the wire.
    const c = await RawClient.open(broker.current.port);
    try {
      const cluster = await c.request(32, describeConfigsRequest, describeConfigsResponse, 4, {
        resources: [{ resourceType: BROKER, resourceName: '', configurationKeys: null }],
        includeSynonyms: true,
        includeDocumentation: false,
      });
      expect(cluster.results[0].configs).toEqual([
        expect.objectContaining({
          name: 'message.max.bytes',
          value: '4000',
          configSource: SOURCE.DYNAMIC_DEFAULT,
          readOnly: false,
          synonyms: [{ name: 'message.max.bytes', value: '4000', source: SOURCE.DYNAMIC_DEFAULT }],
        }),
      ]);
    } finally {
      c.close();
    }
    // Removing this broker's value leaves the cluster default in force.
    await plt.ok('incremental', { resources: [{ resourceType: BROKER, resourceName: '1', configs: [{ name: 'message.max.bytes', configOperation: 1 }] }] });
    await clients.producer.send({ topic: 'cfg-broker-default', acks: -1, messages: [{ value: 'x'.repeat(3500) }] });
    // Back to the defaults for the other tests.
    await py.ok('kp_alter', { resources: [{ type: 'BROKER', name: '', configs: {} }] });
    expect((await kafkajsDescribe('cfg-broker-default', ['max.message.bytes']))['max.message.bytes']).toMatchObject({ configValue: '1048588', configSource: SOURCE.DEFAULT });
  });

  test('what cannot change at run time is refused as Kafka refuses it', async () => {
    const kp = await py.ok('kp_alter', { resources: [{ type: 'BROKER', name: '1', configs: { 'node.id': '5' } }] });
    expect(kp.resources).toEqual([[42, 'Cannot update these configs dynamically: Set(node.id)', 4, '1']]);
  });
});

describe('topic configs honoured', () => {
  test('LogAppendTime: the broker\'s time reaches kafkajs (produce answer), kcat and confluent-kafka consumers', async () => {
    const topic = 'cfg-log-append-time';
    await clients.admin.createTopics({ topics: [{ topic, configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] }] });
    const before = Date.now();
    const sent = await clients.producer.send({ topic, acks: -1, messages: [{ value: 'a', timestamp: '1000' }, { value: 'b', timestamp: '2000' }] });
    const after = Date.now();
    const appendTime = Number(sent[0].logAppendTime);
    expect(appendTime).toBeGreaterThanOrEqual(before);
    expect(appendTime).toBeLessThanOrEqual(after);

    const out = await kcat(['-C', '-b', broker.current.bootstrap, '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%T %s\n']);
    expect(out.stdout.trim().split('\n')).toEqual([`${appendTime} a`, `${appendTime} b`]);

    const ck = await py.ok('ck_consume_timestamps', { topic, count: 2 });
    // confluent_kafka.TIMESTAMP_LOG_APPEND_TIME = 2
    expect(ck.records).toEqual([
      { type: 2, timestamp: appendTime, value: 'a' },
      { type: 2, timestamp: appendTime, value: 'b' },
    ]);

    // kafkajs's consumer reads the batch timestamp too.
    const kafka = new Kafka({ clientId: 'compat-configs-consumer', brokers: [broker.current.bootstrap], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: 'cfg-lat-group' });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      const seen: string[] = [];
      await new Promise<void>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) => {
            seen.push(message.timestamp);
            if (seen.length === 2) resolve();
          },
        });
      });
      expect(seen).toEqual([String(appendTime), String(appendTime)]);
    } finally {
      await consumer.disconnect();
    }
  });

  test('INVALID_TIMESTAMP reaches kafkajs and confluent-kafka producers; records in the window pass', async () => {
    const topic = 'cfg-timestamp-window';
    await clients.admin.createTopics({ topics: [{ topic, configEntries: [{ name: 'message.timestamp.difference.max.ms', value: '60000' }] }] });
    const old = String(Date.now() - 3_600_000);
    await expect(clients.producer.send({ topic, acks: -1, messages: [{ value: 'old', timestamp: old }] })).rejects.toMatchObject({ type: 'INVALID_TIMESTAMP' });
    const ok = await clients.producer.send({ topic, acks: -1, messages: [{ value: 'now' }] });
    expect(ok[0].errorCode).toBe(0);
    const ck = await py.ok('ck_produce', { topic, values: ['late'], timestamp: Date.now() + 3_600_000 });
    expect(ck.results[0].error).toBe('INVALID_TIMESTAMP');
    // Only the record inside the window was stored.
    const offsets = await clients.admin.fetchTopicOffsets(topic);
    expect(offsets[0]).toMatchObject({ low: '0', high: '1' });
  });

  test('retention.ms altered on a topic in use deletes its old segments', async () => {
    const topic = 'cfg-retention-live';
    await clients.admin.createTopics({ topics: [{ topic, configEntries: [{ name: 'segment.bytes', value: '1024' }] }] });
    for (let i = 0; i < 6; i++) await clients.producer.send({ topic, acks: -1, messages: [{ value: 'r'.repeat(600) }] });
    expect((await clients.admin.fetchTopicOffsets(topic))[0]).toMatchObject({ low: '0', high: '6' });
    const kp = await py.ok('kp_alter', { resources: [{ type: 'TOPIC', name: topic, configs: { 'segment.bytes': '1024', 'retention.ms': '1' } }] });
    expect(kp.resources[0][0]).toBe(0);
    const deadline = Date.now() + 10_000;
    let low = '0';
    while (Date.now() < deadline) {
      low = (await clients.admin.fetchTopicOffsets(topic))[0].low;
      if (low === '6') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // Every segment had expired, the active one too (rolled first, as Kafka does): the log is empty at offset 6.
    expect(low).toBe('6');
    await clients.producer.send({ topic, acks: -1, messages: [{ value: 'after' }] });
    expect((await clients.admin.fetchTopicOffsets(topic))[0].high).toBe('7');
  });

  test('max.message.bytes lowered on a topic in use refuses larger batches at once', async () => {
    const topic = 'cfg-max-message-live';
    await clients.admin.createTopics({ topics: [{ topic }] });
    await clients.producer.send({ topic, acks: -1, messages: [{ value: 'y'.repeat(5000) }] });
    await plt.ok('incremental', { resources: [{ resourceType: TOPIC, resourceName: topic, configs: [{ name: 'max.message.bytes', configOperation: 0, value: '1000' }] }] });
    await expect(clients.producer.send({ topic, acks: -1, messages: [{ value: 'y'.repeat(5000) }] })).rejects.toMatchObject({ type: 'MESSAGE_TOO_LARGE' });
    await clients.producer.send({ topic, acks: -1, messages: [{ value: 'small' }] });
    expect((await clients.admin.fetchTopicOffsets(topic))[0].high).toBe('2');
  });
});

test('CreateTopics v5+ echoes every config with its value and source', async () => {
  const c = await RawClient.open(broker.current.port);
  try {
    const res = await c.request(19, createTopicsRequest, createTopicsResponse, 7, {
      topics: [{ name: 'cfg-echo', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'retention.ms', value: '5000' }] }],
      timeoutMs: 10000,
      validateOnly: false,
    });
    const configs = Object.fromEntries(res.topics[0].configs!.map((x) => [x.name, x]));
    expect(configs['retention.ms']).toMatchObject({ value: '5000', configSource: SOURCE.TOPIC, readOnly: false });
    expect(configs['segment.bytes']).toMatchObject({ value: '1073741824', configSource: SOURCE.DEFAULT });
    expect(Object.keys(configs)).toContain('message.timestamp.after.max.ms');
    // platformatic reads the same echo.
    const p = await plt.ok('create_topic', { name: 'cfg-echo-plt', configs: [{ name: 'cleanup.policy', value: 'compact' }] });
    expect(p.created[0].configuration['cleanup.policy']).toBe('compact');
  } finally {
    c.close();
  }
});

describe('on the wire', () => {
  let c: RawClient;
  beforeAll(async () => {
    c = await RawClient.open(broker.current.port);
    await clients.admin.createTopics({ topics: [{ topic: 'cfg-wire' }] });
  });
  afterAll(() => c.close());

  test('a resource named twice is refused (both copies); the others go through', async () => {
    const res = await c.request(44, incrementalAlterConfigsRequest, incrementalAlterConfigsResponse, 1, {
      resources: [
        { resourceType: TOPIC, resourceName: 'cfg-wire', configs: [{ name: 'retention.ms', configOperation: 0, value: '1000' }] },
        { resourceType: TOPIC, resourceName: 'cfg-wire', configs: [] },
        { resourceType: TOPIC, resourceName: 'cfg-missing', configs: [] },
        { resourceType: 8, resourceName: '1', configs: [{ name: 'root', configOperation: 2, value: 'x' }] },
      ],
      validateOnly: false,
    });
    expect(res.responses.map((r) => [r.errorCode, r.errorMessage])).toEqual([
      [42, 'Each resource must appear at most once.'],
      [42, 'Each resource must appear at most once.'],
      [3, "The topic 'cfg-missing' does not exist."],
      [42, 'APPEND operation is not allowed for the BROKER_LOGGER resource'],
    ]);
  });

  test('Produce v9: INVALID_TIMESTAMP with recordErrors; LogAppendTime answered and served patched, CRC intact', async () => {
    await clients.admin.createTopics({
      topics: [
        { topic: 'cfg-wire-window', configEntries: [{ name: 'message.timestamp.before.max.ms', value: '60000' }] },
        { topic: 'cfg-wire-lat', configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] },
      ],
    });
    const now = Date.now();
    const old = buildRecordBatch([{ value: 'ok', timestamp: now }, { value: 'old', timestamp: now - 3_600_000 }]);
    const refused = await c.request(0, produceRequest, produceResponse, 9, produceBody('cfg-wire-window', old));
    const p = refused.responses[0].partitionResponses[0];
    expect(p.errorCode).toBe(32);
    expect(p.errorMessage).toBe('One or more records have been rejected due to invalid timestamp');
    expect(p.recordErrors).toHaveLength(1);
    expect(p.recordErrors[0].batchIndex).toBe(1);
    expect(p.recordErrors[0].batchIndexErrorMessage).toMatch(/^Timestamp \d+ of message with offset 1 is out of range\. The timestamp should be within \[\d+, -\d+\]$/); // Kafka prints now + Long.MAX_VALUE as a Java long: it wraps

    const before = Date.now();
    const stamped = await c.request(0, produceRequest, produceResponse, 9, produceBody('cfg-wire-lat', buildRecordBatch([{ value: 'x', timestamp: 5 }])));
    const answer = stamped.responses[0].partitionResponses[0];
    expect(answer.errorCode).toBe(0);
    expect(Number(answer.logAppendTimeMs)).toBeGreaterThanOrEqual(before);
    const fetched = await c.request(1, fetchRequest, fetchResponse, 11, fetchBody('cfg-wire-lat', 0n, 0));
    const batch = fetched.responses[0].partitions[0].records as Buffer;
    expect(batch.readInt16BE(Off.attributes) & ATTR_LOG_APPEND_TIME).toBe(ATTR_LOG_APPEND_TIME);
    expect(batch.readBigInt64BE(Off.maxTimestamp)).toBe(answer.logAppendTimeMs);
    expect(batch.readBigInt64BE(Off.baseTimestamp)).toBe(5n);
    expect(checkBatchAt(batch, 0).problem).toEqual({ kind: 'ok' });
  });

  test('DescribeConfigs naming an unknown resource type fails every resource, as Kafka', async () => {
    const res = await c.request(32, describeConfigsRequest, describeConfigsResponse, 1, {
      resources: [
        { resourceType: TOPIC, resourceName: 'cfg-wire', configurationKeys: null },
        { resourceType: 99, resourceName: 'x', configurationKeys: null },
      ],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    expect(res.results.map((r) => [r.errorCode, r.errorMessage, r.configs.length])).toEqual([
      [42, 'Unexpected resource type UNKNOWN for resource x', 0],
      [42, 'Unexpected resource type UNKNOWN for resource x', 0],
    ]);
  });

  test('random config requests of every version are all answered; the broker keeps serving', async () => {
    let seed = 42;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const names = ['retention.ms', 'cleanup.policy', 'max.message.bytes', 'no.such', 'message.timestamp.type', 'log.retention.ms', 'root', ''];
    const values = [null, '', '1', '-5', 'compact', 'delete,compact', 'LogAppendTime', 'x'.repeat(300), '99999999999999999999', 'DEBUG'];
    const resourceNames = ['cfg-fuzz', 'cfg-missing', '', '1', '2', 'x', '..', 'a'.repeat(300)];
    const types = [0, 2, 4, 8, 16, 32, 99, -1];
    // Half the requests aim at a real topic with a plausible config, so some changes are valid and applied.
    const valid: [string, string][] = [['retention.ms', '86400000'], ['cleanup.policy', 'compact'], ['max.message.bytes', '50000'], ['message.timestamp.type', 'LogAppendTime']];
    const resource = () =>
      rnd(2) === 0 ? { resourceType: TOPIC, resourceName: 'cfg-fuzz' } : { resourceType: types[rnd(types.length)], resourceName: resourceNames[rnd(resourceNames.length)] };
    const config = () => {
      if (rnd(2) === 0) {
        const [name, value] = valid[rnd(valid.length)];
        return { name, value };
      }
      return { name: names[rnd(names.length)], value: values[rnd(values.length)] };
    };
    await clients.admin.createTopics({ topics: [{ topic: 'cfg-fuzz' }] });
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 300; i++) {
      const kind = rnd(3);
      if (kind === 0) {
        const v = 1 + rnd(4);
        pending.push(
          c.pipeline(32, describeConfigsRequest, describeConfigsResponse, v, {
            resources: [{ ...resource(), configurationKeys: rnd(2) ? null : [names[rnd(names.length)]] }],
            includeSynonyms: rnd(2) === 1,
            includeDocumentation: rnd(2) === 1,
          }),
        );
      } else if (kind === 1) {
        pending.push(
          c.pipeline(33, alterConfigsRequest, alterConfigsResponse, rnd(3), {
            resources: [{ ...resource(), configs: [config()] }],
            validateOnly: rnd(2) === 1,
          }),
        );
      } else {
        pending.push(
          c.pipeline(44, incrementalAlterConfigsRequest, incrementalAlterConfigsResponse, rnd(2), {
            resources: [{ ...resource(), configs: [{ ...config(), configOperation: rnd(4) === 0 ? rnd(6) - 1 : 0 }] }],
            validateOnly: rnd(2) === 1,
          }),
        );
      }
    }
    const answers = await Promise.all(pending);
    expect(answers).toHaveLength(300);
    expect(broker.current.logs.filter((l) => (l.level as number) >= 50)).toEqual([]);
    const codes = (answers as { responses?: { errorCode: number }[]; results?: { errorCode: number }[] }[]).flatMap((a) => (a.responses ?? a.results ?? []).map((r) => r.errorCode));
    expect(codes.filter((e) => e === 0).length).toBeGreaterThan(20); // many were valid and applied
    expect(codes.filter((e) => e === 40).length).toBeGreaterThan(10); // INVALID_CONFIG
    expect(codes.filter((e) => e === 42).length).toBeGreaterThan(10); // INVALID_REQUEST
    // Undo whatever broker-wide changes the random requests made.
    const reset = await c.request(33, alterConfigsRequest, alterConfigsResponse, 1, {
      resources: [
        { resourceType: BROKER, resourceName: '', configs: [] },
        { resourceType: BROKER, resourceName: '1', configs: [] },
      ],
      validateOnly: false,
    });
    expect(reset.responses.map((r) => r.errorCode)).toEqual([0, 0]);
    // Still serving: a describe and a produce work.
    const kj = await kafkajsDescribe('cfg-wire', ['retention.ms']);
    expect(kj['retention.ms'].configValue).toBe('604800000');
    await clients.admin.createTopics({ topics: [{ topic: 'cfg-after-fuzz' }] });
    await clients.producer.send({ topic: 'cfg-after-fuzz', acks: -1, messages: [{ value: 'still here' }] });
  });
});
