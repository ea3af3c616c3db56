/**
 * The codecs (src/protocol/compression.ts) and batches of any codec
 * (recordsOf, encodeBatch, patchBatchHeader in record-batch.ts):
 * round trips, golden batches compressed by kcat, kafka-python, kafkajs and
 * @platformatic/kafka (fixtures/compressed-batches.json, captured by
 * fixtures/capture-compressed.js) decoded by us, our batches decoded by
 * kafka-python's parser and codecs and by kafkajs, xerial vs raw snappy, and
 * corrupt, truncated and oversized input.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { compressFrameSync } from 'lz4-napi';
import { compressSync as snappyRaw } from 'snappy';
import {
  Compression,
  DecompressionError,
  compress,
  decompress,
  isXerial,
  loadCodecs,
} from '../../src/protocol/compression';
import { MalformedError } from '../../src/protocol/primitives';
import {
  ATTR_LOG_APPEND_TIME,
  BATCH_HEADER_SIZE,
  buildRecordBatch,
  checkBatchAt,
  checkRecordsOf,
  computeBatchCrc,
  encodeBatch,
  Off,
  patchBatchHeader,
  readBatchHeader,
  recompressBatch,
  recordsOf,
  recordsSection,
} from '../../src/protocol/record-batch';

const CODECS = [Compression.gzip, Compression.snappy, Compression.lz4, Compression.zstd];
const NAMES = CODECS.map((c) => [Compression[c], c] as [string, Compression]);

beforeAll(() => loadCodecs());

function pseudoRandom(n: number, seed = 1): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

const SAMPLES: [string, Buffer][] = [
  ['empty', Buffer.alloc(0)],
  ['one byte', Buffer.from('x')],
  ['text', Buffer.from('hello kafka '.repeat(1000))],
  ['incompressible 300 kB', pseudoRandom(300_000)],
  ['5 MB of mixed runs (several lz4 blocks, xerial blocks)', Buffer.concat(Array.from({ length: 50 }, (_, i) => Buffer.concat([pseudoRandom(50_000, i + 2), Buffer.alloc(50_000, i)])))],
];

describe('round trips', () => {
  test.each(NAMES)('%s: every sample decompresses to itself', (_n, codec) => {
    for (const [, data] of SAMPLES) {
      const z = compress(codec, data);
      expect(decompress(codec, z).equals(data)).toBe(true);
    }
  });

  test('snappy: xerial and raw framings both decode; xerial is detected by its magic', () => {
    const data = SAMPLES[4][1];
    const xerial = compress(Compression.snappy, data, { snappyFraming: 'xerial' });
    const raw = compress(Compression.snappy, data, { snappyFraming: 'raw' });
    expect(isXerial(xerial)).toBe(true);
    expect(isXerial(raw)).toBe(false);
    expect(compress(Compression.snappy, data).equals(raw)).toBe(true); // raw is the default
    // magic, version 1, compatible 1, then 32 KiB blocks each behind an int32 length
    expect(xerial.subarray(0, 16).toString('hex')).toBe('82534e41505059000000000100000001');
    let blocks = 0;
    for (let pos = 16; pos < xerial.length; pos += 4 + xerial.readInt32BE(pos)) blocks++;
    expect(blocks).toBe(Math.ceil(data.length / 32768));
    expect(decompress(Compression.snappy, xerial).equals(data)).toBe(true);
    expect(decompress(Compression.snappy, raw).equals(data)).toBe(true);
  });

  test('snappy: a xerial stream as the Java client writes it (version 1, compatible 1, blocks of raw snappy) decodes', () => {
    const parts = [Buffer.from('first block, '), Buffer.from('second block')];
    const header = Buffer.from('82534e41505059000000000100000001', 'hex');
    const body = parts.flatMap((p) => {
      const z = snappyRaw(p);
      const len = Buffer.alloc(4);
      len.writeInt32BE(z.length);
      return [len, z];
    });
    expect(decompress(Compression.snappy, Buffer.concat([header, ...body])).toString()).toBe('first block, second block');
  });

  test('lz4: frames with block and content checksums decode; a bad block checksum is refused', () => {
    const data = SAMPLES[2][1];
    const framed = compressFrameSync(data, { blockChecksums: true, contentChecksum: true });
    expect(framed[4] & 0x14).toBe(0x14);
    expect(decompress(Compression.lz4, framed).equals(data)).toBe(true);
    const bad = Buffer.from(framed);
    // the first block's checksum sits right after the block: header 7 bytes, size 4, data
    const size = bad.readUInt32LE(7) & 0x7fffffff;
    bad[7 + 4 + size] ^= 0xff;
    expect(() => decompress(Compression.lz4, bad)).toThrow(/block checksum/);
  });

  test('lz4: a stored (uncompressed) block, a declared content size and the header checksum are handled as Kafka does', () => {
    const data = Buffer.from('stored as is');
    // FLG: version 01, independent blocks, content size; BD: 64 KB blocks
    const desc = Buffer.concat([Buffer.from([0x68, 0x40]), Buffer.alloc(8)]);
    desc.writeBigUInt64LE(BigInt(data.length), 2);
    const hc = Buffer.from([xxh32ForTest(desc)]);
    const size = Buffer.alloc(4);
    size.writeUInt32LE((0x80000000 | data.length) >>> 0);
    const frame = Buffer.concat([Buffer.from([0x04, 0x22, 0x4d, 0x18]), desc, hc, size, data, Buffer.alloc(4)]);
    expect(decompress(Compression.lz4, frame).toString()).toBe('stored as is');
    const badHc = Buffer.from(frame);
    badHc[4 + desc.length] ^= 1;
    expect(() => decompress(Compression.lz4, badHc)).toThrow(/descriptor checksum/);
    const dependent = Buffer.from(frame);
    dependent[4] = 0x48; // block independence off
    expect(() => decompress(Compression.lz4, dependent)).toThrow(/dependent blocks/);
    const huge = Buffer.from(frame);
    huge.writeBigUInt64LE(10n ** 12n, 6);
    huge[4 + desc.length] = xxh32ForTest(huge.subarray(4, 4 + desc.length));
    expect(() => decompress(Compression.lz4, huge)).toThrow(DecompressionError);
  });
});

/**
 * The LZ4 frame header checksum: the second byte of xxHash32 (seed 0) of the
 * descriptor, written out from the spec for inputs under 16 bytes (the
 * frames lz4-napi and the clients write check the full implementation).
 */
function xxh32ForTest(desc: Buffer): number {
  const P1 = 2654435761, P2 = 2246822519, P3 = 3266489917, P4 = 668265263, P5 = 374761393;
  const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));
  let h = (P5 + desc.length) | 0;
  let p = 0;
  for (; p + 4 <= desc.length; p += 4) h = Math.imul(rotl((h + Math.imul(desc.readUInt32LE(p), P3)) | 0, 17), P4);
  for (; p < desc.length; p++) h = Math.imul(rotl((h + Math.imul(desc[p], P5)) | 0, 11), P1);
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  return ((h >>> 0) >>> 8) & 0xff;
}

describe('bounds and bad input', () => {
  test.each(NAMES)('%s: output beyond maxBytes fails as too-large, before it is all produced', (_n, codec) => {
    const zeros = Buffer.alloc(20 * 1024 * 1024);
    const z = compress(codec, zeros);
    expect(z.length).toBeLessThan(zeros.length / 20);
    let err: unknown;
    try {
      decompress(codec, z, 1024 * 1024);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DecompressionError);
    expect((err as DecompressionError).kind).toBe('too-large');
    expect(decompress(codec, z, zeros.length).length).toBe(zeros.length); // exactly at the limit is fine
  });

  test('zstd: an output larger than the WASM decoder is given (64 MiB) but within the bound still decodes (streaming fallback)', () => {
    const big = Buffer.alloc(70 * 1024 * 1024, 1);
    big.write('start', 0);
    big.write('end', big.length - 3);
    const out = decompress(Compression.zstd, compress(Compression.zstd, big), 80 * 1024 * 1024);
    expect(out.length).toBe(big.length);
    expect(out.equals(big)).toBe(true);
  });

  test.each(NAMES)('%s: garbage and truncations fail as corrupt', (_n, codec) => {
    const z = compress(codec, SAMPLES[2][1]);
    for (const bad of [Buffer.from('not compressed at all, just some text'), z.subarray(0, z.length - 4), z.subarray(0, 3), Buffer.alloc(0)]) {
      if (codec === Compression.snappy && bad.length === 0) continue; // checked below
      let err: unknown;
      try {
        decompress(codec, bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DecompressionError);
      expect((err as DecompressionError).kind).toBe('corrupt');
    }
  });

  test('snappy: a block whose preamble claims more than the limit is refused without decoding', () => {
    const claim = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]); // varint 2^32-1
    expect(() => decompress(Compression.snappy, claim, 1 << 20)).toThrow(/exceeds/);
  });

  test.each(NAMES)('%s: random mutations of a valid stream decode or throw DecompressionError, nothing else', (_n, codec) => {
    const z = compress(codec, Buffer.from('some records, some records, some records '.repeat(50)));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(z.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(z.length), (flips, cut) => {
        const bad = Buffer.from(z.subarray(0, Math.max(cut, 1)));
        for (const [i, v] of flips) if (i < bad.length) bad[i] = v;
        try {
          decompress(codec, bad, 1 << 20);
        } catch (e) {
          if (!(e instanceof DecompressionError)) throw e;
        }
      }),
      { numRuns: 300 },
    );
  });
});

// -------------------------------------------------------------- batches

const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures/compressed-batches.json'), 'utf8')) as {
  records: { key: string; value: string; headers: [string, string][]; timestamp: number }[];
  batches: Record<string, Record<string, string>>;
};
const CODEC_OF: Record<string, Compression> = { gzip: Compression.gzip, snappy: Compression.snappy, lz4: Compression.lz4, zstd: Compression.zstd };
const goldenCases = Object.entries(fixture.batches).flatMap(([client, byCodec]) => Object.entries(byCodec).map(([codec, hex]) => [client, codec, hex]));

describe('golden batches compressed by real clients', () => {
  test('the fixture covers every codec of kcat and kafka-python, kafkajs gzip, platformatic snappy and lz4', () => {
    expect(goldenCases.map(([c, z]) => `${c}/${z}`).sort()).toEqual(
      ['kafka-python/gzip', 'kafka-python/lz4', 'kafka-python/snappy', 'kafka-python/zstd', 'kafkajs/gzip', 'kcat/gzip', 'kcat/lz4', 'kcat/snappy', 'kcat/zstd', 'platformatic/lz4', 'platformatic/snappy'].sort(),
    );
  });

  test.each(goldenCases)('%s %s: CRC ok, codec bits as chosen, recordsOf gives the records sent', (client, codec, hex) => {
    const batch = Buffer.from(hex, 'hex');
    expect(checkBatchAt(batch, 0)).toEqual({ size: batch.length, problem: { kind: 'ok' } });
    const h = readBatchHeader(batch);
    expect(h.attributes & 7).toBe(CODEC_OF[codec]);
    if (codec === 'snappy') expect(isXerial(batch.subarray(BATCH_HEADER_SIZE))).toBe(client === 'kafka-python');
    const got = recordsOf(batch).map((r) => ({
      key: r.key?.toString() ?? null,
      value: r.value?.toString() ?? null,
      headers: r.headers.map((x) => [x.key, x.value?.toString() ?? null]),
      timestamp: Number(h.baseTimestamp + r.timestampDelta),
    }));
    const expected = fixture.records.map((r, i) =>
      client === 'kcat' ? { ...r, headers: [['origin', 'kcat']], timestamp: got[i].timestamp } : r,
    );
    expect(got).toEqual(expected);
  });

  test.each(goldenCases)('%s %s: re-encoded by us with the same codec, kafka-python reads the same records', (_client, codec, hex) => {
    const batch = Buffer.from(hex, 'hex');
    const ours = encodeBatch(readBatchHeader(batch), recordsOf(batch), CODEC_OF[codec]);
    const [theirs] = pythonParse([ours]);
    expect(theirs.error).toBeUndefined();
    const [original] = pythonParse([batch]);
    expect(theirs).toEqual(original);
  });
});

interface PyBatch {
  codec?: number;
  records?: { offset: number; key: string | null; value: string | null; headers: [string, string | null][]; timestamp: number }[];
  error?: string;
}

function pythonParse(batches: Buffer[]): PyBatch[] {
  const out = execFileSync('/usr/bin/python3', [join(__dirname, 'fixtures/python-parse-batches.py')], {
    input: JSON.stringify(batches.map((b) => b.toString('hex'))),
  });
  return JSON.parse(out.toString()) as PyBatch[];
}

describe('our batches, read by other decoders', () => {
  const input = [0, 1, 2, 3].map((i) => ({
    key: i === 2 ? null : `k${i}`,
    value: i === 3 ? null : `v${i} `.repeat(40),
    headers: [{ key: 'h', value: `x${i}` }],
    timestamp: 1700000000000 + i * 7,
  }));
  const expected = input.map((r, i) => ({ offset: 100 + i, key: r.key, value: r.value, headers: [['h', `x${i}`]], timestamp: r.timestamp }));

  test('kafka-python\'s DefaultRecordBatch and codecs decode every codec we write (snappy in both framings)', () => {
    const variants: [Compression, 'raw' | 'xerial' | undefined][] = [
      [Compression.none, undefined],
      [Compression.gzip, undefined],
      [Compression.snappy, 'raw'],
      [Compression.snappy, 'xerial'],
      [Compression.lz4, undefined],
      [Compression.zstd, undefined],
    ];
    const batches = variants.map(([codec, snappyFraming]) => buildRecordBatch(input, { baseOffset: 100, compression: codec, compressOptions: { snappyFraming } }));
    const parsed = pythonParse(batches);
    parsed.forEach((p, i) => expect(p).toEqual({ codec: variants[i][0], records: expected }));
  });

  test('kafkajs decodes our gzip batch with its own zlib codec', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Decoder = require('kafkajs/src/protocol/decoder');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const RecordBatchDecoder = require('kafkajs/src/protocol/recordBatch/v0/decoder');
    const batch = buildRecordBatch(input, { baseOffset: 100, compression: Compression.gzip });
    const decoded = await RecordBatchDecoder(new Decoder(batch));
    expect(
      decoded.records.map((r: { offset: string; key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer>; timestamp: string }) => ({
        offset: Number(r.offset),
        key: r.key?.toString() ?? null,
        value: r.value?.toString() ?? null,
        headers: Object.entries(r.headers).map(([k, v]) => [k, v.toString()]),
        timestamp: Number(r.timestamp),
      })),
    ).toEqual(expected);
  });
});

describe('recordsOf, encodeBatch, patchBatchHeader', () => {
  const input = Array.from({ length: 6 }, (_, i) => ({ key: `k${i}`, value: `value ${i}`.repeat(10) }));

  test.each([['none', Compression.none] as [string, Compression], ...NAMES])('%s: recordsOf reads what buildRecordBatch wrote; encodeBatch of the same fields and records gives the same bytes', (_n, codec) => {
    const batch = buildRecordBatch(input, { compression: codec, baseTimestamp: 1700000000000 });
    const recs = recordsOf(batch);
    expect(recs.map((r) => r.key!.toString())).toEqual(input.map((r) => r.key));
    expect(recs.map((r) => r.offsetDelta)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(encodeBatch(readBatchHeader(batch), recs, codec).equals(batch)).toBe(true);
    // The cleaner's path: keep some records, re-encode in another codec, read back.
    const kept = recs.filter((r) => r.offsetDelta % 2 === 0);
    const rebuilt = encodeBatch(readBatchHeader(batch), kept, Compression.zstd);
    expect(checkBatchAt(rebuilt, 0).problem.kind).toBe('ok');
    expect(recordsOf(rebuilt).map((r) => [r.offsetDelta, r.key!.toString()])).toEqual(kept.map((r) => [r.offsetDelta, r.key!.toString()]));
  });

  test('recordsOf insists on exactly recordCount records filling the section', () => {
    const batch = buildRecordBatch(input, { compression: Compression.gzip });
    const fewer = Buffer.from(batch);
    fewer.writeInt32BE(5, Off.recordCount);
    expect(() => recordsOf(fewer)).toThrow(/records still remaining/);
    const more = Buffer.from(batch);
    more.writeInt32BE(7, Off.recordCount);
    expect(() => recordsOf(more)).toThrow(MalformedError);
    const negative = Buffer.from(batch);
    negative.writeInt32BE(-1, Off.recordCount);
    expect(() => recordsOf(negative)).toThrow(MalformedError);
    const absurd = Buffer.from(batch);
    absurd.writeInt32BE(2_000_000_000, Off.recordCount);
    expect(() => recordsOf(absurd)).toThrow(/Incorrect declared batch size/);
  });

  test('checkRecordsOf (the produce path\'s validation, no records built) agrees with recordsOf on mutated batches', () => {
    const batch = buildRecordBatch(
      input.map((r, i) => ({ ...r, key: i === 1 ? null : r.key, headers: [{ key: 'h', value: i === 2 ? null : 'v' }] })),
      { compression: Compression.none },
    );
    const verdict = (f: () => unknown): string => {
      try {
        f();
        return 'ok';
      } catch (e) {
        if (e instanceof MalformedError || e instanceof DecompressionError) return 'refused';
        throw e;
      }
    };
    expect(verdict(() => checkRecordsOf(batch))).toBe('ok');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: BATCH_HEADER_SIZE, max: batch.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 8 }), (flips, count) => {
        const bad = Buffer.from(batch);
        for (const [i, v] of flips) bad[i] = v;
        bad.writeInt32BE(count, Off.recordCount);
        expect(verdict(() => checkRecordsOf(bad))).toBe(verdict(() => recordsOf(bad)));
      }),
      { numRuns: 1000 },
    );
  });

  test('recordsOf passes the decompression limit through', () => {
    const batch = buildRecordBatch([{ value: Buffer.alloc(5 << 20) }], { compression: Compression.lz4 });
    expect(() => recordsOf(batch, 1 << 20)).toThrow(DecompressionError);
    expect(recordsSection(batch, 6 << 20).length).toBeGreaterThan(5 << 20);
  });

  test('recompressBatch (compression.type) renumbers records, rebases timestamps on the first record and keeps the producer fields', () => {
    const src = buildRecordBatch(input, { compression: Compression.lz4, baseTimestamp: 1700000000000, producerId: 7n, producerEpoch: 2, baseSequence: 40 });
    const h = readBatchHeader(src);
    // Records with gaps in offset deltas and timestamps before the base, as a client could write them.
    const recs = recordsOf(src).map((r, i) => ({ ...r, offsetDelta: i * 2, timestampDelta: BigInt(100 - i * 10) }));
    const odd = encodeBatch({ ...h, lastOffsetDelta: 10 }, recs, Compression.lz4);
    const out = recompressBatch(odd, Compression.gzip);
    const oh = readBatchHeader(out);
    expect(oh.attributes & 7).toBe(Compression.gzip);
    expect([oh.producerId, oh.producerEpoch, oh.baseSequence, oh.lastOffsetDelta, oh.recordCount]).toEqual([7n, 2, 40, 5, 6]);
    expect(oh.baseTimestamp).toBe(1700000000100n);
    expect(oh.maxTimestamp).toBe(1700000000100n);
    const back = recordsOf(out);
    expect(back.map((r) => r.offsetDelta)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(back.map((r) => oh.baseTimestamp + r.timestampDelta)).toEqual(recs.map((r) => h.baseTimestamp + r.timestampDelta));
    expect(back.map((r) => r.value!.toString())).toEqual(input.map((r) => r.value));
    expect(checkBatchAt(out, 0).problem.kind).toBe('ok');
  });

  test('patchBatchHeader stamps LogAppendTime on a compressed batch without touching its compressed bytes', () => {
    const batch = buildRecordBatch(input, { compression: Compression.snappy, baseTimestamp: 1700000000000 });
    const section = Buffer.from(batch.subarray(BATCH_HEADER_SIZE));
    const patched = Buffer.from(batch);
    patchBatchHeader(patched, { attributes: readBatchHeader(batch).attributes | ATTR_LOG_APPEND_TIME, maxTimestamp: 1800000000000n });
    expect(checkBatchAt(patched, 0).problem.kind).toBe('ok');
    expect(patched.readUInt32BE(Off.crc)).toBe(computeBatchCrc(patched));
    expect(patched.subarray(BATCH_HEADER_SIZE).equals(section)).toBe(true);
    expect(readBatchHeader(patched).maxTimestamp).toBe(1800000000000n);
    expect(readBatchHeader(patched).attributes).toBe(Compression.snappy | ATTR_LOG_APPEND_TIME);
    expect(recordsOf(patched)).toHaveLength(6);
    expect(() => patchBatchHeader(patched, { attributes: Compression.gzip })).toThrow(/codec/);
  });
});
