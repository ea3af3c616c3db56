import fc from 'fast-check';
import { readInt64Number, writeInt64Number } from '../../src/protocol/record-batch';

test('int64 fields as numbers: the same bytes as writeBigInt64BE, and read back, over the exact range', () => {
  const edge = [0, 1, -1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, -(2 ** 32), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 1_795_353_075_526];
  const check = (n: number) => {
    const a = Buffer.alloc(8);
    const b = Buffer.alloc(8);
    writeInt64Number(a, 0, n);
    b.writeBigInt64BE(BigInt(n));
    expect(a).toEqual(b);
    expect(readInt64Number(b, 0)).toBe(n);
  };
  edge.forEach(check);
  fc.assert(fc.property(fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), (n) => check(n)), { numRuns: 2000 });
});
