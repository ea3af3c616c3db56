/** TopicManager.addPartitions: growing only, Kafka's messages, new logs persisted before they are visible. */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaError } from '../../src/cluster/kafka-error';
import { MetadataStore } from '../../src/cluster/metadata-store';
import { TopicManager } from '../../src/cluster/topic-manager';
import { ErrorCode } from '../../src/protocol/error-codes';
import { buildRecordBatch } from '../../src/protocol/record-batch';
import { LogManager } from '../../src/storage/log-manager';

describe('TopicManager.addPartitions', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kafkats-partitions-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function open(store: MetadataStore = new MetadataStore(dir)) {
    const logs = new LogManager(dir);
    await logs.init();
    const topics = new TopicManager(logs, store, {});
    await topics.load();
    return { logs, topics };
  }

  async function refused(p: Promise<unknown>): Promise<KafkaError> {
    try {
      await p;
    } catch (err) {
      if (err instanceof KafkaError) return err;
      throw err;
    }
    throw new Error('accepted');
  }

  test('grows the topic; the new partitions take writes, keep their configs and survive a reopen', async () => {
    const a = await open();
    const t = await a.topics.create('orders', { numPartitions: 2, configs: { 'retention.ms': '1000' } });
    const same = await a.topics.addPartitions('orders', 5);
    expect(same).toBe(t);
    expect(t.partitions.map((p) => p.index)).toEqual([0, 1, 2, 3, 4]);
    expect(t.partitions[4].log.config.retentionMs).toBe(1000);
    expect(a.topics.partition('orders', 4)).toBe(t.partitions[4]);
    await t.partitions[3].log.append(buildRecordBatch([{ value: 'x' }]));
    expect(JSON.parse(readFileSync(join(dir, 'cluster-metadata.json'), 'utf8')).topics[0].partitions).toBe(5);
    await a.logs.close();
    const b = await open();
    expect(b.topics.get('orders')!.partitions).toHaveLength(5);
    expect(b.topics.get('orders')!.partitions[3].log.logEndOffset).toBe(1);
    await b.logs.close();
  });

  test('same or fewer partitions, unknown topics: the codes and messages Kafka gives', async () => {
    const { topics, logs } = await open();
    await topics.create('t', { numPartitions: 3 });
    let e = await refused(topics.addPartitions('t', 3));
    expect([e.code, e.message]).toEqual([ErrorCode.INVALID_PARTITIONS, 'Topic already has 3 partition(s).']);
    e = await refused(topics.addPartitions('t', 2));
    expect([e.code, e.message]).toEqual([ErrorCode.INVALID_PARTITIONS, 'The topic t currently has 3 partition(s); 2 would not be an increase.']);
    e = await refused(topics.addPartitions('t', 3 + 10_001));
    expect([e.code, e.message]).toEqual([ErrorCode.POLICY_VIOLATION, 'Unable to perform excessively large batch operation.']);
    e = await refused(topics.addPartitions('nope', 2));
    expect(e.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(topics.get('t')!.partitions).toHaveLength(3);
    await logs.close();
  });

  test('validateOnly creates nothing', async () => {
    const { topics, logs } = await open();
    await topics.create('t', { numPartitions: 1 });
    await topics.addPartitions('t', 4, true);
    expect(topics.get('t')!.partitions).toHaveLength(1);
    expect(existsSync(join(dir, 't-1'))).toBe(false);
    await logs.close();
  });

  test('a failed metadata write leaves the topic as it was and removes the new logs', async () => {
    const store = new MetadataStore(dir);
    const { topics, logs } = await open(store);
    await topics.create('t', { numPartitions: 1 });
    const save = store.save.bind(store);
    store.save = () => Promise.reject(new Error('disk full'));
    await expect(topics.addPartitions('t', 3)).rejects.toThrow('disk full');
    store.save = save;
    expect(topics.get('t')!.partitions).toHaveLength(1);
    expect(readdirSync(dir).filter((d) => d.startsWith('t-'))).toEqual(['t-0']);
    await topics.addPartitions('t', 2);
    expect(topics.get('t')!.partitions).toHaveLength(2);
    await logs.close();
  });

  test('two concurrent requests: one grows the topic, the other is told it already has that many', async () => {
    const { topics, logs } = await open();
    await topics.create('t', { numPartitions: 1 });
    const results = await Promise.allSettled([topics.addPartitions('t', 4), topics.addPartitions('t', 4)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((rejected.reason as KafkaError).code).toBe(ErrorCode.INVALID_PARTITIONS);
    expect(topics.get('t')!.partitions).toHaveLength(4);
    await logs.close();
  });
});
