/**
 * Before loadCodecs() (the zstd WASM module): zstd decompression goes
 * through the pure-JS streaming decoder, with the same results and bounds,
 * and zstd compression says it needs loadCodecs(). A file of its own, so
 * the module is fresh.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Compression, DecompressionError, compress, decompress } from '../../src/protocol/compression';
import { recordsOf } from '../../src/protocol/record-batch';

const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures/compressed-batches.json'), 'utf8')) as {
  records: { key: string; value: string }[];
  batches: Record<string, Record<string, string>>;
};

test('zstd batches of kcat (no declared size) and kafka-python (declared size) decode without the WASM module', () => {
  for (const client of ['kcat', 'kafka-python']) {
    const recs = recordsOf(Buffer.from(fixture.batches[client].zstd, 'hex'));
    expect(recs.map((r) => r.key!.toString())).toEqual(fixture.records.map((r) => r.key));
    expect(recs.map((r) => r.value!.toString())).toEqual(fixture.records.map((r) => r.value));
  }
});

test('the pure-JS zstd path keeps the bound and rejects truncation', () => {
  const section = Buffer.from(fixture.batches.kcat.zstd, 'hex').subarray(61);
  expect(() => decompress(Compression.zstd, section, 100)).toThrow(DecompressionError);
  expect(() => decompress(Compression.zstd, section.subarray(0, section.length - 3))).toThrow(/zstd/);
});

test('zstd compression needs loadCodecs() first, and says so', () => {
  expect(() => compress(Compression.zstd, Buffer.from('x'))).toThrow(/loadCodecs/);
});
