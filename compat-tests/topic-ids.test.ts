/**
 * Topic ids (KIP-516) through the wire: CreateTopics v7 returns the id,
 * Metadata v10+ describes by id, Fetch v13+ reads by id, DeleteTopics v6
 * deletes by id; unknown ids get UNKNOWN_TOPIC_ID.
 */
import { ErrorCode } from '../src/protocol/error-codes';
import {
  createTopicsRequest,
  createTopicsResponse,
  deleteTopicsRequest,
  deleteTopicsResponse,
  fetchRequest,
  fetchResponse,
  metadataRequest,
  metadataResponse,
  produceRequest,
  produceResponse,
} from '../src/protocol/messages';
import { ZERO_UUID } from '../src/protocol/primitives';
import { buildRecordBatch } from '../src/protocol/record-batch';
import { BrokerProcess, startBroker } from './helpers/broker-process';
import { RawClient } from './helpers/raw-client';
import { fetchBody, produceBody } from './helpers/requests';

let broker: BrokerProcess;
let c: RawClient;

beforeAll(async () => {
  broker = await startBroker();
  c = await RawClient.open(broker.port);
});
afterAll(async () => {
  c.close();
  await broker.cleanup();
});

const UNKNOWN_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';

test('create by name, then describe, fetch and delete by id', async () => {
  const created = await c.request(19, createTopicsRequest, createTopicsResponse, 7, {
    topics: [{ name: 'by-id', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [{ name: 'retention.ms', value: '3600000' }] }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  const t = created.topics[0];
  expect(t.errorCode).toBe(ErrorCode.NONE);
  expect(t.topicId).not.toBe(ZERO_UUID);
  expect(t.numPartitions).toBe(2);
  expect(t.replicationFactor).toBe(1);
  expect(t.configs).toEqual(expect.arrayContaining([{ name: 'retention.ms', value: '3600000', readOnly: false, configSource: 1, isSensitive: false }]));

  const md = await c.request(3, metadataRequest, metadataResponse, 12, { topics: [{ topicId: t.topicId, name: null }], allowAutoTopicCreation: false });
  expect(md.topics[0]).toMatchObject({ errorCode: 0, name: 'by-id', topicId: t.topicId });
  expect(md.topics[0].partitions).toHaveLength(2);

  const produced = await c.request(0, produceRequest, produceResponse, 9, produceBody('by-id', buildRecordBatch([{ value: 'by id' }])));
  expect(produced.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);

  const body = fetchBody('', 0n, 0);
  const fetched = await c.request(1, fetchRequest, fetchResponse, 13, { ...body, topics: [{ ...body.topics[0], topicId: t.topicId }] });
  expect(fetched.responses[0].topicId).toBe(t.topicId);
  expect((fetched.responses[0].partitions[0].records as Buffer).includes(Buffer.from('by id'))).toBe(true);

  const unknown = await c.request(1, fetchRequest, fetchResponse, 13, { ...body, topics: [{ ...body.topics[0], topicId: UNKNOWN_ID }] });
  expect(unknown.responses[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_ID);

  const deleted = await c.request(20, deleteTopicsRequest, deleteTopicsResponse, 6, { topics: [{ name: null, topicId: t.topicId }], timeoutMs: 5000 });
  expect(deleted.responses[0]).toMatchObject({ name: 'by-id', topicId: t.topicId, errorCode: ErrorCode.NONE });

  const again = await c.request(20, deleteTopicsRequest, deleteTopicsResponse, 6, { topics: [{ name: null, topicId: t.topicId }], timeoutMs: 5000 });
  expect(again.responses[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_ID);
  const gone = await c.request(3, metadataRequest, metadataResponse, 12, { topics: [{ topicId: t.topicId, name: null }], allowAutoTopicCreation: false });
  expect(gone.topics[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_ID);
});

test('CreateTopics validateOnly creates nothing; duplicates in one request are INVALID_REQUEST', async () => {
  const v = await c.request(19, createTopicsRequest, createTopicsResponse, 7, {
    topics: [{ name: 'dry-run', numPartitions: 3, replicationFactor: -1, assignments: [], configs: [] }],
    timeoutMs: 5000,
    validateOnly: true,
  });
  expect(v.topics[0]).toMatchObject({ errorCode: 0, numPartitions: 3, replicationFactor: 1 });
  expect(v.topics[0].topicId).not.toBe(ZERO_UUID); // a fresh id, as Kafka answers, though nothing is created
  const md = await c.request(3, metadataRequest, metadataResponse, 12, { topics: [{ name: 'dry-run', topicId: ZERO_UUID }], allowAutoTopicCreation: false });
  expect(md.topics[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);

  const dup = await c.request(19, createTopicsRequest, createTopicsResponse, 5, {
    topics: [
      { name: 'twice', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
      { name: 'twice', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
    ],
    timeoutMs: 5000,
    validateOnly: false,
  });
  expect(dup.topics.map((t) => t.errorCode)).toEqual([ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
});

test('CreateTopics with a manual assignment on this broker, and one naming another broker', async () => {
  const ok = await c.request(19, createTopicsRequest, createTopicsResponse, 7, {
    topics: [{ name: 'assigned', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1] }, { partitionIndex: 1, brokerIds: [1] }], configs: [] }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  expect(ok.topics[0]).toMatchObject({ errorCode: 0, numPartitions: 2, replicationFactor: 1 });
  const bad = await c.request(19, createTopicsRequest, createTopicsResponse, 7, {
    topics: [{ name: 'elsewhere', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [2] }], configs: [] }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  expect(bad.topics[0].errorCode).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
});

test('DeleteTopics naming a topic twice refuses it once with INVALID_REQUEST and deletes nothing', async () => {
  await c.request(19, createTopicsRequest, createTopicsResponse, 7, {
    topics: [{ name: 'dup-delete', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  const r = await c.request(20, deleteTopicsRequest, deleteTopicsResponse, 5, { topicNames: ['dup-delete', 'dup-delete'], timeoutMs: 5000 });
  expect(r.responses).toEqual([{ name: 'dup-delete', topicId: ZERO_UUID, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' }]);
  const md = await c.request(3, metadataRequest, metadataResponse, 12, { topics: [{ name: 'dup-delete', topicId: ZERO_UUID }], allowAutoTopicCreation: false });
  expect(md.topics[0].errorCode).toBe(ErrorCode.NONE);
});
