import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { buildRecordBatch } from '../../src/protocol/record-batch';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaError } from '../../src/cluster/kafka-error';
import { MetadataStore } from '../../src/cluster/metadata-store';
import { logConfigFor, validateTopicConfigs } from '../../src/cluster/topic-config';
import { TopicManager } from '../../src/cluster/topic-manager';
import { topicNameProblem } from '../../src/cluster/topic-name';
import { ErrorCode } from '../../src/protocol/error-codes';
import { LogManager } from '../../src/storage/log-manager';

describe('topic names', () => {
  test.each(['a', 'orders.v1', 'my_topic-2', 'x'.repeat(249)])('%s is legal', (n) => expect(topicNameProblem(n)).toBeNull());
  test.each(['', '.', '..', 'x'.repeat(250), 'has space', 'slash/name', 'ünï'])('"%s" is illegal', (n) => expect(topicNameProblem(n)).not.toBeNull());
});

describe('topic configs', () => {
  test('known names with good values pass', () => {
    expect(() => validateTopicConfigs({ 'retention.ms': '-1', 'cleanup.policy': 'compact,delete', 'message.timestamp.type': 'LogAppendTime' })).not.toThrow();
  });
  test.each([
    [{ 'no.such.thing': '1' }],
    [{ 'retention.ms': 'soon' }],
    [{ 'cleanup.policy': 'forever' }],
    [{ 'min.cleanable.dirty.ratio': '2' }],
    [{ 'segment.bytes': '1' }],
  ])('%j is INVALID_CONFIG', (configs) => {
    try {
      validateTopicConfigs(configs);
      throw new Error('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(KafkaError);
      expect((err as KafkaError).code).toBe(ErrorCode.INVALID_CONFIG);
    }
  });
  test('a topic config overrides the broker default, which overrides Kafka\'s', () => {
    const c = logConfigFor({ 'retention.ms': '1000' }, { 'retention.ms': '5000', 'segment.bytes': '2048' });
    expect(c.retentionMs).toBe(1000);
    expect(c.segmentBytes).toBe(2048);
    expect(c.maxMessageBytes).toBe(1048588);
    expect(c.flushMessages).toBe(Number.POSITIVE_INFINITY);
  });
  test('only a policy with delete removes old data: compact alone turns retention off', () => {
    const limits = { 'retention.ms': '1000', 'retention.bytes': '4096' };
    expect(logConfigFor({ ...limits, 'cleanup.policy': 'compact' }, {})).toMatchObject({ retentionMs: -1, retentionBytes: -1 });
    expect(logConfigFor({ ...limits, 'cleanup.policy': 'compact,delete' }, {})).toMatchObject({ retentionMs: 1000, retentionBytes: 4096 });
    expect(logConfigFor(limits, {})).toMatchObject({ retentionMs: 1000, retentionBytes: 4096 });
  });
});

describe('TopicManager', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kafkats-topics-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function open() {
    const logs = new LogManager(dir);
    await logs.init();
    const topics = new TopicManager(logs, new MetadataStore(dir), {});
    await topics.load();
    return { logs, topics };
  }

  test('topics, ids and configs survive a reopen; deleted topics and their directories are gone', async () => {
    const a = await open();
    const orders = await a.topics.create('orders', { numPartitions: 3, configs: { 'retention.ms': '1000' } });
    await a.topics.create('gone', { numPartitions: 1 });
    expect(existsSync(join(dir, 'orders-2'))).toBe(true);
    await a.topics.delete('gone');
    expect(existsSync(join(dir, 'gone-0'))).toBe(false);
    const clusterId = a.topics.clusterId;
    await a.logs.close();

    const b = await open();
    expect(b.topics.clusterId).toBe(clusterId);
    expect(b.topics.list().map((t) => t.name)).toEqual(['orders']);
    const again = b.topics.getById(orders.topicId)!;
    expect(again.name).toBe('orders');
    expect(again.partitions).toHaveLength(3);
    expect(again.configs).toEqual({ 'retention.ms': '1000' });
    expect(again.partitions[0].log.config.retentionMs).toBe(1000);
    expect(JSON.parse(readFileSync(join(dir, 'cluster-metadata.json'), 'utf8')).topics).toHaveLength(1);
    await b.logs.close();
  });

  test('create refuses what Kafka refuses', async () => {
    const { topics, logs } = await open();
    await topics.create('a.b', { numPartitions: 1 });
    const code = (p: Promise<unknown>) => p.then(() => -100, (e: KafkaError) => e.code);
    expect(await code(topics.create('a.b', { numPartitions: 1 }))).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
    expect(await code(topics.create('a_b', { numPartitions: 1 }))).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(await code(topics.create('bad name', { numPartitions: 1 }))).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(await code(topics.create('zero', { numPartitions: 0 }))).toBe(ErrorCode.INVALID_PARTITIONS);
    expect(await code(topics.create('cfg', { numPartitions: 1, configs: { nope: '1' } }))).toBe(ErrorCode.INVALID_CONFIG);
    expect(await code(topics.delete('never'))).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    await logs.close();
  });

  test('concurrent auto-creation of one name creates it once', async () => {
    const { topics, logs } = await open();
    const all = await Promise.all([topics.ensure('auto', 2), topics.ensure('auto', 2), topics.ensure('auto', 2)]);
    expect(new Set(all.map((t) => t.topicId)).size).toBe(1);
    expect(topics.list()).toHaveLength(1);
    await logs.close();
  });
});

describe('stray partition directories', () => {
  test('a directory left by a topic deleted in a crash is set aside, and a new topic of that name starts empty', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kafkats-stray-'));
    try {
      const logs = new LogManager(dir);
      await logs.init();
      const topics = new TopicManager(logs, new MetadataStore(dir), {});
      await topics.load();
      const t = await topics.create('victim', { numPartitions: 1 });
      await t.partitions[0].log.append(buildRecordBatch([{ value: 'old data' }]));
      await logs.close();
      // Simulate the crash: the topic is gone from the metadata, its directory is not.
      const file = join(dir, 'cluster-metadata.json');
      const meta = JSON.parse(readFileSync(file, 'utf8'));
      meta.topics = [];
      writeFileSync(file, JSON.stringify(meta));

      const logs2 = new LogManager(dir);
      await logs2.init();
      const topics2 = new TopicManager(logs2, new MetadataStore(dir), {});
      await topics2.load();
      expect(existsSync(join(dir, 'victim-0'))).toBe(false);
      expect(readdirSync(dir).some((n) => /^victim-0\.\d+-stray$/.test(n))).toBe(true);
      const fresh = await topics2.create('victim', { numPartitions: 1 });
      expect(fresh.partitions[0].log.logEndOffset).toBe(0);
      await logs2.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
