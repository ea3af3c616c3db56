/**
 * The topic's timestamp rules on a produced batch: LogAppendTime patches the
 * attribute bit, maxTimestamp and the CRC (and nothing else), the CreateTime
 * window rejects records outside it with Kafka's messages.
 */
import { applyTimestampPolicy, stampLogAppendTime, TimestampRejection } from '../../src/cluster/batch-timestamps';
import { Compression, loadCodecs } from '../../src/protocol/compression';
import { ErrorCode } from '../../src/protocol/error-codes';
import { ATTR_LOG_APPEND_TIME, buildRecordBatch, checkBatchAt, computeBatchCrc, Off } from '../../src/protocol/record-batch';
import { DEFAULT_LOG_CONFIG, LogConfig } from '../../src/storage/log-config';

const NOW = 1_700_000_000_000;
const cfg = (over: Partial<LogConfig>): LogConfig => ({ ...DEFAULT_LOG_CONFIG, ...over });

beforeAll(() => loadCodecs());

describe('LogAppendTime', () => {
  test('stamps the batch: attribute bit, maxTimestamp, a CRC that checks; the rest untouched', () => {
    const batch = buildRecordBatch([{ value: 'a', timestamp: 1000 }, { value: 'b', timestamp: 1005 }]);
    const before = Buffer.from(batch);
    const out = applyTimestampPolicy(batch, cfg({ messageTimestampType: 'LogAppendTime' }), NOW);
    expect(out).toEqual({ logAppendTimeMs: BigInt(NOW) });
    expect(batch.readInt16BE(Off.attributes) & ATTR_LOG_APPEND_TIME).toBe(ATTR_LOG_APPEND_TIME);
    expect(batch.readBigInt64BE(Off.maxTimestamp)).toBe(BigInt(NOW));
    expect(batch.readBigInt64BE(Off.baseTimestamp)).toBe(1000n);
    expect(checkBatchAt(batch, 0).problem).toEqual({ kind: 'ok' });
    expect(batch.readUInt32BE(Off.crc)).toBe(computeBatchCrc(batch));
    expect(batch.readUInt32BE(Off.crc)).not.toBe(before.readUInt32BE(Off.crc));
    // Only attributes, maxTimestamp and the CRC changed.
    const changed: number[] = [];
    for (let i = 0; i < batch.length; i++) if (batch[i] !== before[i]) changed.push(i);
    for (const i of changed) {
      const inField = (at: number, len: number) => i >= at && i < at + len;
      expect(inField(Off.crc, 4) || inField(Off.attributes, 2) || inField(Off.maxTimestamp, 8)).toBe(true);
    }
  });

  test('a compressed batch is stamped from its header alone (codec bits kept, compressed bytes untouched)', () => {
    const batch = buildRecordBatch([{ value: 'x' }], { compression: Compression.zstd });
    const body = Buffer.from(batch.subarray(61));
    stampLogAppendTime(batch, NOW);
    expect(batch.readInt16BE(Off.attributes)).toBe(Compression.zstd | ATTR_LOG_APPEND_TIME);
    expect(checkBatchAt(batch, 0).problem.kind).toBe('ok');
    expect(batch.subarray(61)).toEqual(body);
  });

  test('a producer may not mark its own batch LogAppendTime for a LogAppendTime topic', () => {
    const batch = buildRecordBatch([{ value: 'a' }], { attributes: ATTR_LOG_APPEND_TIME });
    const out = applyTimestampPolicy(batch, cfg({ messageTimestampType: 'LogAppendTime' }), NOW) as TimestampRejection;
    expect(out).toBeInstanceOf(TimestampRejection);
    expect(out.code).toBe(ErrorCode.INVALID_TIMESTAMP);
    expect(out.recordErrors[0].batchIndexErrorMessage).toMatch(/Producer should not set timestamp type to LogAppendTime/);
  });
});

describe('CreateTime window', () => {
  const window = cfg({ messageTimestampBeforeMaxMs: 60_000, messageTimestampAfterMaxMs: 1_000 });

  test('records inside pass; the batch is not changed', () => {
    const batch = buildRecordBatch([{ value: 'a', timestamp: NOW - 59_000 }, { value: 'b', timestamp: NOW + 1_000 }]);
    const copy = Buffer.from(batch);
    expect(applyTimestampPolicy(batch, window, NOW)).toEqual({ logAppendTimeMs: -1n });
    expect(batch).toEqual(copy);
  });

  test('each record outside is named with Kafka\'s message', () => {
    const batch = buildRecordBatch([
      { value: 'old', timestamp: NOW - 60_001 },
      { value: 'ok', timestamp: NOW },
      { value: 'future', timestamp: NOW + 1_001 },
    ]);
    const out = applyTimestampPolicy(batch, window, NOW) as TimestampRejection;
    expect(out).toBeInstanceOf(TimestampRejection);
    expect(out.code).toBe(ErrorCode.INVALID_TIMESTAMP);
    expect(out.message).toBe('One or more records have been rejected due to invalid timestamp');
    expect(out.recordErrors).toEqual([
      { batchIndex: 0, batchIndexErrorMessage: `Timestamp ${NOW - 60_001} of message with offset 0 is out of range. The timestamp should be within [${NOW - 60_000}, ${NOW + 1_000}]` },
      { batchIndex: 2, batchIndexErrorMessage: `Timestamp ${NOW + 1_001} of message with offset 2 is out of range. The timestamp should be within [${NOW - 60_000}, ${NOW + 1_000}]` },
    ]);
  });

  test('compressed batches are decompressed and judged record by record', () => {
    const batch = buildRecordBatch(
      [{ value: 'a', timestamp: NOW }, { value: 'b', timestamp: NOW - 90_000 }, { value: 'c', timestamp: NOW + 5_000 }],
      { compression: Compression.gzip },
    );
    const out = applyTimestampPolicy(batch, window, NOW) as TimestampRejection;
    expect(out.recordErrors.map((e) => e.batchIndex)).toEqual([1, 2]);
    expect(out.recordErrors[0].batchIndexErrorMessage).toContain(`Timestamp ${NOW - 90_000} of message with offset 1`);
    expect(out.recordErrors[1].batchIndexErrorMessage).toContain(`Timestamp ${NOW + 5_000} of message with offset 2`);
  });

  test('an unlimited side is printed as Kafka prints it: now + Long.MAX_VALUE wrapped as a Java long', () => {
    const batch = buildRecordBatch([{ value: 'old', timestamp: NOW - 70_000 }]);
    const out = applyTimestampPolicy(batch, cfg({ messageTimestampBeforeMaxMs: 60_000 }), NOW) as TimestampRejection;
    const wrapped = BigInt.asIntN(64, BigInt(NOW) + 2n ** 63n - 1n);
    expect(wrapped < 0n).toBe(true);
    expect(out.recordErrors[0].batchIndexErrorMessage).toBe(
      `Timestamp ${NOW - 70_000} of message with offset 0 is out of range. The timestamp should be within [${NOW - 60_000}, ${wrapped}]`,
    );
  });

  test('no window configured: nothing is read', () => {
    const batch = buildRecordBatch([{ value: 'a', timestamp: 5 }]);
    expect(applyTimestampPolicy(batch, DEFAULT_LOG_CONFIG, NOW)).toEqual({ logAppendTimeMs: -1n });
  });

  test('records that cannot be read give CORRUPT_MESSAGE, not a crash', () => {
    const batch = buildRecordBatch([{ value: 'a', timestamp: NOW }]);
    batch.writeInt32BE(5, Off.recordCount); // claims more records than it holds
    const out = applyTimestampPolicy(batch, window, NOW) as TimestampRejection;
    expect(out.code).toBe(ErrorCode.CORRUPT_MESSAGE);
  });
});
