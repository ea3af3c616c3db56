/**
 * Whatever bytes arrive, decoding either gives a value or throws
 * MalformedError (which closes only that connection): never another kind of
 * exception, never a hang. Random bodies, and valid bodies cut short or with
 * bytes flipped, for every API and version the broker speaks.
 */
import fc from 'fast-check';
import { readRequestHeaderRest, readRequestHeaderStart } from '../../src/protocol/header';
import { MESSAGES } from '../../src/protocol/messages';
import { MalformedError, Reader } from '../../src/protocol/primitives';
import { buildRecordBatch, decodeRecords, BATCH_HEADER_SIZE } from '../../src/protocol/record-batch';
import { Gen } from './value-generator';

const CODECS = Object.entries(MESSAGES).flatMap(([key, pair]) => [
  { name: `${key} request`, codec: pair.request },
  { name: `${key} response`, codec: pair.response },
]);

function decodesOrMalformed(decode: () => unknown): void {
  try {
    decode();
  } catch (err) {
    if (!(err instanceof MalformedError)) throw err;
  }
}

describe.each(CODECS)('$name', ({ codec }) => {
  const versions = Array.from({ length: codec.maxVersion - codec.minVersion + 1 }, (_, i) => codec.minVersion + i);

  test('random bytes decode or throw MalformedError, at every version', () => {
    fc.assert(
      fc.property(fc.constantFrom(...versions), fc.uint8Array({ maxLength: 300 }), (v, bytes) => {
        decodesOrMalformed(() => codec.decode(new Reader(Buffer.from(bytes)), v));
      }),
      { numRuns: 300 },
    );
  });

  test('a valid encoding cut at every byte, or with a byte flipped, decodes or throws MalformedError', () => {
    for (const v of versions) {
      const valid = codec.encode(new Gen(v + 7).struct(codec.spec.fields, v) as never, v);
      for (let cut = 0; cut < valid.length; cut++) decodesOrMalformed(() => codec.decode(new Reader(valid.subarray(0, cut)), v));
      for (let i = 0; i < valid.length; i++) {
        const bad = Buffer.from(valid);
        bad[i] ^= 0xff;
        decodesOrMalformed(() => codec.decode(new Reader(bad), v));
      }
    }
  });
});

test('request headers of random bytes decode or throw MalformedError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.constantFrom(1, 2), (bytes, hv) => {
      decodesOrMalformed(() => {
        const r = new Reader(Buffer.from(bytes));
        readRequestHeaderRest(r, readRequestHeaderStart(r), hv);
      });
    }),
    { numRuns: 500 },
  );
});

test('record bodies with bytes flipped decode or throw MalformedError', () => {
  const batch = buildRecordBatch([
    { key: 'k1', value: 'v1', headers: [{ key: 'h', value: 'x' }] },
    { key: null, value: 'v2' },
  ]);
  const body = batch.subarray(BATCH_HEADER_SIZE);
  for (let i = 0; i < body.length; i++) {
    for (const mask of [0x01, 0x80, 0xff]) {
      const bad = Buffer.from(body);
      bad[i] ^= mask;
      decodesOrMalformed(() => decodeRecords(bad, 2));
    }
  }
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(5), (bytes, n) => decodesOrMalformed(() => decodeRecords(Buffer.from(bytes), n))));
});
