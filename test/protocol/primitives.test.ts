import fc from 'fast-check';
import { skipTaggedFields } from '../../src/protocol/header';
import {
  MalformedError,
  Reader,
  Writer,
  ZERO_UUID,
  uuidToBytes,
  uuidToString,
  uvarintSize,
  uvarlongSize,
  varintSize,
  varlongSize,
} from '../../src/protocol/primitives';

const RUNS = { numRuns: 200 };

/** Writes with `write` into an exactly-sized buffer, then reads it back with `read`. */
function roundTrip<T>(size: number, write: (w: Writer) => void, read: (r: Reader) => T): T {
  const w = new Writer(size);
  write(w);
  const [buf] = w.finish(); // throws if fewer bytes were written than sized
  const r = new Reader(buf ?? Buffer.alloc(0));
  const v = read(r);
  if (r.remaining !== 0) throw new Error(`${r.remaining} bytes left unread`);
  return v;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.string());
const bytes = fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a));

describe('fixed-width integers', () => {
  const cases: [string, fc.Arbitrary<number>, number, (w: Writer, v: number) => void, (r: Reader) => number][] = [
    ['int8', fc.integer({ min: -128, max: 127 }), 1, (w, v) => w.int8(v), (r) => r.int8()],
    ['int16', fc.integer({ min: -32768, max: 32767 }), 2, (w, v) => w.int16(v), (r) => r.int16()],
    ['uint16', fc.integer({ min: 0, max: 65535 }), 2, (w, v) => w.uint16(v), (r) => r.uint16()],
    ['int32', fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), 4, (w, v) => w.int32(v), (r) => r.int32()],
    ['uint32', fc.integer({ min: 0, max: 2 ** 32 - 1 }), 4, (w, v) => w.uint32(v), (r) => r.uint32()],
  ];
  test.each(cases)('%s round-trips', (_name, arb, size, write, read) => {
    fc.assert(
      fc.property(arb, (v) => roundTrip(size, (w) => write(w, v), read) === v),
      RUNS,
    );
  });

  test('int64 round-trips', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: INT64_MIN, max: INT64_MAX }), (v) => roundTrip(8, (w) => w.int64(v), (r) => r.int64()) === v),
      RUNS,
    );
    for (const v of [INT64_MIN, INT64_MAX, -1n, 0n]) expect(roundTrip(8, (w) => w.int64(v), (r) => r.int64())).toBe(v);
  });

  test('float64 and bool round-trip', () => {
    fc.assert(
      fc.property(fc.double(), fc.boolean(), (d, b) => {
        const [d2, b2] = roundTrip(9, (w) => (w.float64(d), w.bool(b)), (r) => [r.float64(), r.bool()] as const);
        return Object.is(d2, d) && b2 === b;
      }),
      RUNS,
    );
  });

  test('big-endian layout', () => {
    const w = new Writer(14);
    w.int16(0x0102);
    w.int32(0x03040506);
    w.int64(0x0708090a0b0c0d0en);
    expect(Buffer.concat(w.finish()).toString('hex')).toBe('0102030405060708090a0b0c0d0e');
  });
});

describe('varints', () => {
  test('uvarint round-trips and uvarintSize equals the bytes written', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (v) => {
        const n = uvarintSize(v);
        return roundTrip(n, (w) => w.uvarint(v), (r) => r.uvarint()) === v;
      }),
      RUNS,
    );
  });

  test('varint (zigzag) round-trips and varintSize equals the bytes written', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (v) => {
        const n = varintSize(v);
        return roundTrip(n, (w) => w.varint(v), (r) => r.varint()) === v;
      }),
      RUNS,
    );
  });

  test('varlong (zigzag) round-trips and varlongSize equals the bytes written', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: INT64_MIN, max: INT64_MAX }), (v) => {
        const n = varlongSize(v);
        return roundTrip(n, (w) => w.varlong(v), (r) => r.varlong()) === v;
      }),
      RUNS,
    );
  });

  test('uvarlong round-trips', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (v) => roundTrip(uvarlongSize(v), (w) => w.uvarlong(v), (r) => r.uvarlong()) === v),
      RUNS,
    );
  });

  test('known encodings and sizes', () => {
    const enc = (f: (w: Writer) => void, n: number) => {
      const w = new Writer(n);
      f(w);
      return Buffer.concat(w.finish()).toString('hex');
    };
    expect(enc((w) => w.uvarint(0), 1)).toBe('00');
    expect(enc((w) => w.uvarint(127), 1)).toBe('7f');
    expect(enc((w) => w.uvarint(128), 2)).toBe('8001');
    expect(enc((w) => w.uvarint(300), 2)).toBe('ac02');
    expect(enc((w) => w.uvarint(0xffffffff), 5)).toBe('ffffffff0f');
    expect(enc((w) => w.varint(-1), 1)).toBe('01');
    expect(enc((w) => w.varint(1), 1)).toBe('02');
    expect(enc((w) => w.varint(-64), 1)).toBe('7f');
    expect(enc((w) => w.varint(64), 2)).toBe('8001');
    expect(enc((w) => w.varlong(-1n), 1)).toBe('01');
    expect(varintSize(-(2 ** 31))).toBe(5);
    expect(varlongSize(INT64_MIN)).toBe(10);
    expect(varlongSize(INT64_MAX)).toBe(10);
    expect(uvarintSize(2 ** 28)).toBe(5);
  });

  test('over-long varints are malformed', () => {
    expect(() => new Reader(Buffer.from('ffffffff1f', 'hex')).uvarint()).toThrow(MalformedError);
    expect(() => new Reader(Buffer.from('ffffffffffffffffff03', 'hex')).uvarlong()).toThrow(MalformedError);
  });
});

describe('strings and bytes', () => {
  const strSize = (s: string | null, compact: boolean) => {
    if (s === null) return compact ? 1 : 2;
    const n = Buffer.byteLength(s, 'utf8');
    return (compact ? uvarintSize(n + 1) : 2) + n;
  };
  const writeStr = (w: Writer, s: string | null, compact: boolean) => {
    if (s === null) return w.length(-1, compact, 'int16');
    const b = Buffer.from(s, 'utf8');
    w.length(b.length, compact, 'int16');
    w.raw(b);
  };

  test.each([false, true])('nullable and non-null strings round-trip (compact=%s), multi-byte UTF-8 included', (compact) => {
    fc.assert(
      fc.property(fc.option(text, { nil: null }), (s) => {
        const back = roundTrip(strSize(s, compact), (w) => writeStr(w, s, compact), (r) => r.nullableString(compact));
        if (back !== s) return false;
        return s === null || roundTrip(strSize(s, compact), (w) => writeStr(w, s, compact), (r) => r.string(compact)) === s;
      }),
      RUNS,
    );
  });

  test('multi-byte UTF-8 is sized in bytes, not characters', () => {
    const s = 'é€😀'; // 2 + 3 + 4 bytes
    expect(roundTrip(2 + 9, (w) => writeStr(w, s, false), (r) => r.string(false))).toBe(s);
    expect(roundTrip(1 + 9, (w) => writeStr(w, s, true), (r) => r.string(true))).toBe(s);
  });

  test.each([false, true])('nullable and non-null bytes round-trip (compact=%s)', (compact) => {
    fc.assert(
      fc.property(fc.option(bytes, { nil: null }), (b) => {
        const size = b === null ? (compact ? 1 : 4) : (compact ? uvarintSize(b.length + 1) : 4) + b.length;
        const write = (w: Writer) => {
          if (b === null) return w.length(-1, compact, 'int32');
          w.length(b.length, compact, 'int32');
          w.raw(b);
        };
        const back = roundTrip(size, write, (r) => r.nullableBytes(compact));
        if (b === null) return back === null;
        return back !== null && back.equals(b) && roundTrip(size, write, (r) => r.bytes(compact)).equals(b);
      }),
      RUNS,
    );
  });

  test('null where a value is required is malformed', () => {
    expect(() => new Reader(Buffer.from('ffff', 'hex')).string(false)).toThrow(MalformedError);
    expect(() => new Reader(Buffer.from('00', 'hex')).string(true)).toThrow(MalformedError);
    expect(() => new Reader(Buffer.from('ffffffff', 'hex')).bytes(false)).toThrow(MalformedError);
    expect(() => new Reader(Buffer.from('00', 'hex')).bytes(true)).toThrow(MalformedError);
    expect(new Reader(Buffer.from('ffff', 'hex')).nullableString(false)).toBeNull();
    expect(new Reader(Buffer.from('00', 'hex')).nullableBytes(true)).toBeNull();
  });

  test('array lengths: null, empty, and more elements than bytes', () => {
    expect(new Reader(Buffer.from('ffffffff', 'hex')).arrayLength(false)).toBe(-1);
    expect(new Reader(Buffer.from('00', 'hex')).arrayLength(true)).toBe(-1);
    expect(new Reader(Buffer.from('01', 'hex')).arrayLength(true)).toBe(0);
    expect(() => new Reader(Buffer.from('00000005aabb', 'hex')).arrayLength(false)).toThrow(MalformedError);
  });
});

describe('UUIDs', () => {
  test('round-trip as 22-character base64url', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (a) => {
        const s = uuidToString(Buffer.from(a));
        return /^[A-Za-z0-9_-]{22}$/.test(s) && uuidToBytes(s).equals(Buffer.from(a)) && roundTrip(16, (w) => w.uuid(s), (r) => r.uuid()) === s;
      }),
      RUNS,
    );
    expect(uuidToBytes(ZERO_UUID)).toEqual(Buffer.alloc(16));
    expect(() => uuidToBytes('short')).toThrow();
  });
});

describe('reads past the end', () => {
  const reads: [string, string, (r: Reader) => unknown][] = [
    ['bool', '', (r) => r.bool()],
    ['int8', '', (r) => r.int8()],
    ['int16', '00', (r) => r.int16()],
    ['uint16', '00', (r) => r.uint16()],
    ['int32', '000000', (r) => r.int32()],
    ['uint32', '000000', (r) => r.uint32()],
    ['int64', '00000000000000', (r) => r.int64()],
    ['float64', '00000000000000', (r) => r.float64()],
    ['uvarint', '8080', (r) => r.uvarint()],
    ['varint', '80', (r) => r.varint()],
    ['varlong', '8080', (r) => r.varlong()],
    ['uuid', '00'.repeat(15), (r) => r.uuid()],
    ['string', '0005616263', (r) => r.string(false)],
    ['compact string', '06616263', (r) => r.string(true)],
    ['nullable string', '0005', (r) => r.nullableString(false)],
    ['bytes', '00000003aabb', (r) => r.bytes(false)],
    ['compact bytes', '04aabb', (r) => r.bytes(true)],
    ['raw', 'aa', (r) => r.raw(2)],
    ['negative raw', 'aa', (r) => r.raw(-1)],
    ['array length', '0000', (r) => r.arrayLength(false)],
  ];
  test.each(reads)('%s throws MalformedError', (_name, hex, read) => {
    expect(() => read(new Reader(Buffer.from(hex, 'hex')))).toThrow(MalformedError);
  });

  test('a Reader bounded by `end` does not read beyond it', () => {
    const buf = Buffer.from('0001000200', 'hex');
    const r = new Reader(buf, 0, 3);
    expect(r.int16()).toBe(1);
    expect(() => r.int16()).toThrow(MalformedError);
  });

  test('any truncation of a valid encoding throws MalformedError, never another error', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.bigInt({ min: INT64_MIN, max: INT64_MAX }), (s, i, l) => {
        const n = Buffer.byteLength(s, 'utf8');
        const w = new Writer(uvarintSize(n + 1) + n + varintSize(i) + varlongSize(l) + 8);
        w.length(n, true, 'int16');
        w.raw(Buffer.from(s, 'utf8'));
        w.varint(i);
        w.varlong(l);
        w.int64(l);
        const [buf] = w.finish();
        const read = (r: Reader) => [r.string(true), r.varint(), r.varlong(), r.int64()];
        expect(read(new Reader(buf))).toEqual([s, i, l, l]);
        for (let cut = 0; cut < buf.length; cut++) {
          let thrown: unknown;
          try {
            read(new Reader(buf, 0, cut));
          } catch (err) {
            thrown = err;
          }
          if (!(thrown instanceof MalformedError)) throw new Error(`cut at ${cut}: ${String(thrown ?? 'no error')}`);
        }
      }),
      { numRuns: 50 },
    );
  });
});

describe('Writer', () => {
  test('external buffers are spliced in as their own chunks without copying', () => {
    const ext = Buffer.from('deadbeef', 'hex');
    const w = new Writer(4);
    w.int16(1);
    w.external(ext);
    w.int16(2);
    const chunks = w.finish();
    expect(chunks).toHaveLength(3);
    expect(chunks[1]).toBe(ext);
    expect(Buffer.concat(chunks).toString('hex')).toBe('0001deadbeef0002');
  });

  test('finish() rejects a size mismatch', () => {
    const w = new Writer(4);
    w.int16(1);
    expect(() => w.finish()).toThrow(/size mismatch/);
  });
});

describe('tagged-field section', () => {
  test('skipTaggedFields skips unknown tags of any size', () => {
    fc.assert(
      fc.property(fc.array(bytes, { maxLength: 5 }), fc.integer({ min: 0, max: 65535 }), (fields, after) => {
        let size = uvarintSize(fields.length) + 2;
        fields.forEach((b, i) => (size += uvarintSize(i * 1000) + uvarintSize(b.length) + b.length));
        const w = new Writer(size);
        w.uvarint(fields.length);
        fields.forEach((b, i) => {
          w.uvarint(i * 1000);
          w.uvarint(b.length);
          w.raw(b);
        });
        w.uint16(after);
        const r = new Reader(Buffer.concat(w.finish()));
        skipTaggedFields(r);
        expect(r.uint16()).toBe(after);
      }),
      RUNS,
    );
  });

  test('a tagged field longer than what is left is malformed', () => {
    expect(() => skipTaggedFields(new Reader(Buffer.from('010005aabb', 'hex')))).toThrow(MalformedError);
  });
});
