import fc from 'fast-check';
import {
  API_VERSIONS_KEY,
  RequestHeader,
  readRequestHeaderRest,
  readRequestHeaderStart,
  readResponseHeader,
  requestHeaderSize,
  requestHeaderVersion,
  responseHeaderSize,
  responseHeaderVersion,
  writeRequestHeader,
  writeResponseHeader,
} from '../../src/protocol/header';
import { MESSAGES, MessagePair } from '../../src/protocol/messages';
import { MalformedError, Reader, Writer } from '../../src/protocol/primitives';

function encodeRequestHeader(h: RequestHeader, version: number): Buffer {
  const w = new Writer(requestHeaderSize(h, version));
  writeRequestHeader(w, h, version);
  return Buffer.concat(w.finish());
}

function decodeRequestHeader(buf: Buffer, version: number): { header: RequestHeader; rest: number } {
  const r = new Reader(buf);
  const header = readRequestHeaderStart(r);
  readRequestHeaderRest(r, header, version);
  return { header, rest: r.remaining };
}

const header = fc.record({
  apiKey: fc.integer({ min: 0, max: 32767 }),
  apiVersion: fc.integer({ min: 0, max: 32767 }),
  correlationId: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  clientId: fc.option(fc.string({ unit: 'binary', maxLength: 30 }), { nil: null }),
});

describe('request header', () => {
  test.each([1, 2])('v%i round-trips, and its size is the bytes written', (version) => {
    fc.assert(
      fc.property(header, (h) => {
        const buf = encodeRequestHeader(h, version);
        expect(buf.length).toBe(requestHeaderSize(h, version));
        expect(decodeRequestHeader(buf, version)).toEqual({ header: h, rest: 0 });
      }),
      { numRuns: 200 },
    );
  });

  test('known bytes: v1 is int16 key, int16 version, int32 correlation id, int16-length client id', () => {
    const h = { apiKey: 3, apiVersion: 12, correlationId: 7, clientId: 'ab' };
    expect(encodeRequestHeader(h, 1).toString('hex')).toBe('0003000c0000000700026162');
    // v2 keeps the classic (non-compact) client id and adds an empty tagged-field section.
    expect(encodeRequestHeader(h, 2).toString('hex')).toBe('0003000c000000070002616200');
    expect(encodeRequestHeader({ ...h, clientId: null }, 1).toString('hex')).toBe('0003000c00000007ffff');
  });

  test('v2 skips tagged fields a client sends in the header', () => {
    const buf = Buffer.from('0001000d0000002a0003636c69' + '02' + '0003aabbcc' + '0501ff' + 'beef', 'hex');
    const r = new Reader(buf);
    const h = readRequestHeaderStart(r);
    readRequestHeaderRest(r, h, 2);
    expect(h).toEqual({ apiKey: 1, apiVersion: 13, correlationId: 42, clientId: 'cli' });
    expect(r.raw(2).toString('hex')).toBe('beef');
  });

  test('a truncated header is malformed', () => {
    const buf = encodeRequestHeader({ apiKey: 0, apiVersion: 9, correlationId: 1, clientId: 'client' }, 2);
    for (let cut = 0; cut < buf.length; cut++) {
      expect(() => decodeRequestHeader(buf.subarray(0, cut), 2)).toThrow(MalformedError);
    }
  });

  test('the header version follows the request flexibility', () => {
    expect(requestHeaderVersion(false)).toBe(1);
    expect(requestHeaderVersion(true)).toBe(2);
  });
});

describe('response header', () => {
  test.each([0, 1])('v%i round-trips, and its size is the bytes written', (version) => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (id) => {
        const w = new Writer(responseHeaderSize(version));
        writeResponseHeader(w, id, version);
        const buf = Buffer.concat(w.finish());
        expect(buf.length).toBe(version === 0 ? 4 : 5);
        const r = new Reader(buf);
        expect(readResponseHeader(r, version)).toBe(id);
        expect(r.remaining).toBe(0);
      }),
      { numRuns: 100 },
    );
  });

  test('v1 skips tagged fields', () => {
    const r = new Reader(Buffer.from('0000000501000101ee', 'hex'));
    expect(readResponseHeader(r, 1)).toBe(5);
    expect(r.remaining).toBe(1);
  });

  test('ApiVersions answers with header v0 even in its flexible versions; the others with v1 when flexible', () => {
    for (const [key, pair] of Object.entries(MESSAGES) as [string, MessagePair][]) {
      const apiKey = Number(key);
      for (let v = pair.response.minVersion; v <= pair.response.maxVersion; v++) {
        const flexible = pair.response.isFlexible(v);
        const expected = apiKey === API_VERSIONS_KEY ? 0 : flexible ? 1 : 0;
        expect([apiKey, v, responseHeaderVersion(apiKey, flexible)]).toEqual([apiKey, v, expected]);
      }
    }
    expect(responseHeaderVersion(API_VERSIONS_KEY, true)).toBe(0);
    expect(MESSAGES[18].response.isFlexible(3)).toBe(true);
  });
});
