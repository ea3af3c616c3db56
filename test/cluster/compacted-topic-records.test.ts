import * as zlib from 'node:zlib';
import { crc32c } from '@node-rs/crc32';
import { keylessRecordErrors, recordErrorsMessage } from '../../src/cluster/compacted-topic-records';
import { isCompacted } from '../../src/cluster/topic-config';
import { buildRecordBatch, Compression, CRC_START, Off } from '../../src/protocol/record-batch';

const MSG = 'Compacted topic cannot accept message without key in topic partition t-3';

describe('keyless records on compacted topics (Kafka LogValidator.validateKey)', () => {
  test('one record error per record without a key, by index', () => {
    const batch = buildRecordBatch([{ key: 'a', value: '1' }, { key: null, value: '2' }, { key: '', value: '3' }, { value: null }]);
    expect(keylessRecordErrors(batch, 't', 3)).toEqual([
      { batchIndex: 1, batchIndexErrorMessage: MSG },
      { batchIndex: 3, batchIndexErrorMessage: MSG },
    ]);
    expect(keylessRecordErrors(buildRecordBatch([{ key: 'k', value: null }]), 't', 3)).toEqual([]);
  });

  test("Kafka's summary message shows at most the first three errors", () => {
    const errors = [0, 1, 2, 3].map((i) => ({ batchIndex: i, batchIndexErrorMessage: MSG }));
    expect(recordErrorsMessage(errors)).toBe(
      'One or more records have been rejected due to 4 record errors in total, and only showing the first three errors at most: ' +
        `[RecordError(batchIndex=0, message='${MSG}'), RecordError(batchIndex=1, message='${MSG}'), RecordError(batchIndex=2, message='${MSG}')]`,
    );
    expect(recordErrorsMessage([{ batchIndex: 5, batchIndexErrorMessage: null }])).toContain('[RecordError(batchIndex=5, message=null)]');
  });

  test('compressed batches are decompressed for the check', () => {
    const b = buildRecordBatch([{ key: null, value: 'x' }]);
    const out = Buffer.concat([b.subarray(0, 61), zlib.gzipSync(b.subarray(61))]);
    out.writeInt32BE(out.length - 12, Off.batchLength);
    out.writeInt16BE(Compression.gzip, Off.attributes);
    out.writeUInt32BE(crc32c(out.subarray(CRC_START)), Off.crc);
    expect(keylessRecordErrors(out, 't', 0)).toEqual([
      { batchIndex: 0, batchIndexErrorMessage: 'Compacted topic cannot accept message without key in topic partition t-0' },
    ]);
  });

  test('a topic is compacted when its policy (or the broker default) includes compact', () => {
    expect(isCompacted({ 'cleanup.policy': 'compact' }, {})).toBe(true);
    expect(isCompacted({ 'cleanup.policy': 'delete, compact' }, {})).toBe(true);
    expect(isCompacted({ 'cleanup.policy': 'delete' }, {})).toBe(false);
    expect(isCompacted({}, {})).toBe(false);
    expect(isCompacted({}, { 'cleanup.policy': 'compact' })).toBe(true);
  });
});
