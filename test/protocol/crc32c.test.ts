import { crc32c } from '../../src/protocol/crc32c';
import { buildRecordBatch } from '../../src/protocol/record-batch';

test('CRC-32C check values (RFC 3720 B.4 and the standard "123456789")', () => {
  expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  expect(crc32c(Buffer.alloc(0))).toBe(0);
  expect(crc32c(Buffer.alloc(32, 0))).toBe(0x8a9136aa);
  expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
  expect(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i)))).toBe(0x46dd794e);
});

test("a record batch's stored CRC is the CRC-32C of its bytes from the attributes on", () => {
  const batch = buildRecordBatch([{ key: Buffer.from('k'), value: Buffer.from('v') }]);
  expect(batch.readUInt32BE(17)).toBe(crc32c(batch.subarray(21)));
});
