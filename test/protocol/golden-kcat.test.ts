/**
 * Request frames captured from kcat (librdkafka 2.0.2) through a recording
 * proxy (fixtures/capture-kcat.js) decode with our header reader and codecs
 * to the values kcat was asked to send, and re-encode to the same bytes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRequestHeaderRest, readRequestHeaderStart, requestHeaderVersion } from '../../src/protocol/header';
import { MESSAGES } from '../../src/protocol/messages';
import { Reader } from '../../src/protocol/primitives';
import { decodeRecords, readBatchHeader, BATCH_HEADER_SIZE, checkBatchAt } from '../../src/protocol/record-batch';

const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures/kcat-requests.json'), 'utf8')) as {
  requests: Record<string, Record<string, string>>;
};

function decode(api: string, version: string) {
  const frame = Buffer.from(fixture.requests[api][version], 'hex');
  const r = new Reader(frame);
  const header = readRequestHeaderStart(r);
  const pair = MESSAGES[header.apiKey as keyof typeof MESSAGES];
  readRequestHeaderRest(r, header, requestHeaderVersion(pair.request.isFlexible(header.apiVersion)));
  const bodyStart = r.offset;
  const body = pair.request.decode(r, header.apiVersion) as Record<string, any>;
  expect(r.remaining).toBe(0);
  // Re-encoding what we decoded gives kcat's bytes back.
  expect(pair.request.encode(body as never, header.apiVersion).equals(frame.subarray(bodyStart))).toBe(true);
  return { header, body };
}

test('the captured set covers what kcat sends for -L, -P, -C and -Q', () => {
  expect(Object.keys(fixture.requests).sort()).toEqual(['ApiVersions', 'Fetch', 'ListOffsets', 'Metadata', 'Produce']);
});

test('ApiVersions v3 names librdkafka and its version (flexible request header v2)', () => {
  const { header, body } = decode('ApiVersions', '3');
  expect(header).toMatchObject({ apiKey: 18, apiVersion: 3, clientId: 'rdkafka' });
  expect(body).toEqual({ clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2' });
});

test('Metadata v4', () => {
  const { header, body } = decode('Metadata', '4');
  expect(header.apiVersion).toBe(4);
  expect(Array.isArray(body.topics) || body.topics === null).toBe(true);
  expect(typeof body.allowAutoTopicCreation).toBe('boolean');
});

test('Produce v7 carries one v2 batch with kcat\'s keys, values and header', () => {
  const { body } = decode('Produce', '7');
  expect(body.transactionalId).toBeNull();
  expect(body.acks).toBe(-1);
  expect(body.topicData).toHaveLength(1);
  expect(body.topicData[0].name).toBe('kcat-golden');
  const records: Buffer = body.topicData[0].partitionData[0].records;
  expect(checkBatchAt(records, 0)).toEqual({ size: records.length, problem: { kind: 'ok' } });
  const h = readBatchHeader(records);
  expect(h.magic).toBe(2);
  expect(h.recordCount).toBe(2);
  const recs = decodeRecords(records.subarray(BATCH_HEADER_SIZE), h.recordCount);
  expect(recs.map((x) => [x.key!.toString(), x.value!.toString(), x.headers.map((hd) => `${hd.key}=${hd.value}`)])).toEqual([
    ['key-1', 'value-1', ['h1=v1']],
    ['key-2', 'value-2', ['h1=v1']],
  ]);
});

test('Fetch v11 asks for kcat-golden partition 0 with no session', () => {
  const { body } = decode('Fetch', '11');
  expect(body.sessionId).toBe(0);
  expect(body.topics[0].topic).toBe('kcat-golden');
  expect(body.topics[0].partitions[0].partition).toBe(0);
  expect(body.maxWaitMs).toBeGreaterThan(0);
});

test('ListOffsets v2 asks for a partition of kcat-golden', () => {
  const { body } = decode('ListOffsets', '2');
  expect(body.replicaId).toBe(-1);
  expect(body.topics[0].name).toBe('kcat-golden');
  expect(body.topics[0].partitions[0].partitionIndex).toBe(0);
  expect([-2n, -1n, 1700000000000n]).toContain(body.topics[0].partitions[0].timestamp);
});
