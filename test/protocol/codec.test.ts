import { codec } from '../../src/protocol/codec';
import { MalformedError, Reader, Writer, ZERO_UUID, uuidToString } from '../../src/protocol/primitives';
import { MessageSpec, inRange, parseVersions } from '../../src/protocol/schema';

/**
 * A made-up message using every feature of the DSL: non-flexible versions
 * 0-2 and flexible 3-5, a field added later, a field removed later, fields
 * nullable only in some versions, nested struct arrays, a non-array struct,
 * primitive arrays, records, uuid, every primitive type, and tagged fields
 * (with and without defaults, struct and array typed, at top level and
 * nested).
 */
const Widget = {
  name: 'WidgetRequest',
  apiKey: 999,
  type: 'request',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    { name: 'flag', type: 'bool', versions: '0+', default: 'true' },
    { name: 'tiny', type: 'int8', versions: '0+', default: '-1' },
    { name: 'small', type: 'int16', versions: '0+' },
    { name: 'port', type: 'uint16', versions: '0+' },
    { name: 'count', type: 'int32', versions: '0+', default: '0x7fffffff' },
    { name: 'unsigned', type: 'uint32', versions: '0+' },
    { name: 'offset', type: 'int64', versions: '0+', default: '-1' },
    { name: 'ratio', type: 'float64', versions: '0+' },
    { name: 'oldName', type: 'string', versions: '0-2' },
    { name: 'label', type: 'string', versions: '0+', nullableVersions: '2+', default: 'hello' },
    { name: 'blob', type: 'bytes', versions: '1+', nullableVersions: '4+' },
    { name: 'id', type: 'uuid', versions: '4+' },
    { name: 'data', type: 'records', versions: '0+', nullableVersions: '0+' },
    { name: 'numbers', type: '[]int32', versions: '0+', nullableVersions: '3+' },
    { name: 'names', type: '[]string', versions: '2+' },
    {
      name: 'groups',
      type: '[]Group',
      versions: '0+',
      fields: [
        { name: 'groupName', type: 'string', versions: '0+' },
        { name: 'weight', type: 'int64', versions: '3+', default: '7' },
        {
          name: 'members',
          type: '[]Member',
          versions: '0+',
          nullableVersions: '1+',
          fields: [
            { name: 'memberId', type: 'int32', versions: '0+' },
            { name: 'host', type: 'string', versions: '0+', nullableVersions: '5+', default: 'null' },
            { name: 'note', type: 'string', versions: '3+', taggedVersions: '3+', tag: 0, nullableVersions: '3+', default: 'null' },
          ],
        },
        { name: 'epoch', type: 'int32', versions: '4+', taggedVersions: '4+', tag: 3, default: '-1' },
      ],
    },
    {
      name: 'leader',
      type: 'Leader',
      versions: '1+',
      fields: [
        { name: 'leaderId', type: 'int32', versions: '1+', default: '-1' },
        { name: 'leaderEpoch', type: 'int32', versions: '2+', default: '-1' },
      ],
    },
    { name: 'clusterId', type: 'string', versions: '3+', taggedVersions: '3+', tag: 0, nullableVersions: '3+', default: 'null' },
    {
      name: 'current',
      type: 'Current',
      versions: '3+',
      taggedVersions: '3+',
      tag: 2,
      fields: [
        { name: 'a', type: 'int32', versions: '3+', default: '-1' },
        { name: 'b', type: 'int64', versions: '3+', default: '-1' },
      ],
    },
    {
      name: 'endpoints',
      type: '[]Endpoint',
      versions: '5+',
      taggedVersions: '5+',
      tag: 1,
      fields: [
        { name: 'host', type: 'string', versions: '5+' },
        { name: 'port', type: 'int32', versions: '5+' },
      ],
    },
    { name: 'dirId', type: 'uuid', versions: '4+', taggedVersions: '4+', tag: 7 },
  ],
} as const satisfies MessageSpec;

const c = codec(Widget);
const VERSIONS = [0, 1, 2, 3, 4, 5];
const UUID = uuidToString(Buffer.from('00112233445566778899aabbccddeeff', 'hex'));

/** A value with a non-default value in every field, whatever the version. */
function fullValue() {
  return {
    flag: false,
    tiny: 5,
    small: -300,
    port: 65000,
    count: -5,
    unsigned: 4000000000,
    offset: 1n << 40n,
    ratio: 0.5,
    oldName: 'old',
    label: 'héllo wörld €',
    blob: Buffer.from([1, 2, 3]),
    id: UUID,
    data: Buffer.from('record bytes'),
    numbers: [1, -2, 3],
    names: ['x', 'ÿ', ''],
    groups: [
      {
        groupName: 'g1',
        weight: -9n,
        members: [
          { memberId: 1, host: 'h1', note: 'n1' },
          { memberId: 2, host: 'h2', note: 'n2' },
        ],
        epoch: 12,
      },
      { groupName: 'g2', weight: 3n, members: [], epoch: 13 },
    ],
    leader: { leaderId: 4, leaderEpoch: 9 },
    clusterId: 'cluster',
    current: { a: 1, b: 2n },
    endpoints: [{ host: 'localhost', port: 9092 }],
    dirId: UUID,
  };
}

/** What decoding gives at `v` for a value with every field set: out-of-version fields take defaults. */
function expectedAt(v: number) {
  const f = fullValue();
  return {
    ...f,
    oldName: v <= 2 ? f.oldName : '',
    blob: v >= 1 ? f.blob : Buffer.alloc(0),
    id: v >= 4 ? f.id : ZERO_UUID,
    names: v >= 2 ? f.names : [],
    groups: f.groups.map((g) => ({
      ...g,
      weight: v >= 3 ? g.weight : 7n,
      members: g.members.map((m) => ({ ...m, note: v >= 3 ? m.note : null })),
      epoch: v >= 4 ? g.epoch : -1,
    })),
    leader: v >= 1 ? { leaderId: 4, leaderEpoch: v >= 2 ? 9 : -1 } : { leaderId: -1, leaderEpoch: -1 },
    clusterId: v >= 3 ? f.clusterId : null,
    current: v >= 3 ? f.current : { a: -1, b: -1n },
    endpoints: v >= 5 ? f.endpoints : [],
    dirId: v >= 4 ? f.dirId : ZERO_UUID,
  };
}

function encodeAt(value: Parameters<typeof c.encode>[0], v: number): Buffer {
  const buf = c.encode(value, v);
  expect(c.size(value, v)).toBe(buf.length);
  return buf;
}

function decodeAll(buf: Buffer, v: number) {
  const r = new Reader(buf);
  const out = c.decode(r, v);
  expect(r.remaining).toBe(0);
  return out;
}

describe('codec on a spec using every DSL feature', () => {
  test('version bounds and flexibility', () => {
    expect(c.minVersion).toBe(0);
    expect(c.maxVersion).toBe(5);
    expect(VERSIONS.map((v) => c.isFlexible(v))).toEqual([false, false, false, true, true, true]);
    expect(() => c.encode({}, 6)).toThrow(RangeError);
    expect(parseVersions('none')).toEqual({ min: 1, max: 0 });
    expect(inRange('none', 0)).toBe(false);
    expect(inRange('3', 3)).toBe(true);
    expect(inRange(undefined, 3)).toBe(false);
    expect(() => parseVersions('3-')).toThrow();
  });

  test.each(VERSIONS)('v%i: every field round-trips; out-of-version fields decode to defaults; size() = bytes', (v) => {
    const buf = encodeAt(fullValue(), v);
    expect(decodeAll(buf, v)).toEqual(expectedAt(v));
  });

  test.each(VERSIONS)('v%i: defaults() round-trips, and an empty input encodes as the defaults', (v) => {
    const d = c.defaults(v);
    const buf = encodeAt(d, v);
    expect(decodeAll(buf, v)).toEqual(d);
    expect(encodeAt({}, v)).toEqual(buf);
  });

  test('defaults follow the spec', () => {
    const d = c.defaults(5);
    expect(d.flag).toBe(true);
    expect(d.tiny).toBe(-1);
    expect(d.count).toBe(0x7fffffff);
    expect(d.offset).toBe(-1n);
    expect(d.label).toBe('hello');
    expect(d.blob).toEqual(Buffer.alloc(0));
    expect(d.id).toBe(ZERO_UUID);
    expect(d.data).toBeNull();
    expect(d.numbers).toEqual([]);
    expect(d.groups).toEqual([]);
    expect(d.leader).toEqual({ leaderId: -1, leaderEpoch: -1 });
    expect(d.clusterId).toBeNull();
    expect(d.current).toEqual({ a: -1, b: -1n });
    expect(d.endpoints).toEqual([]);
  });

  test('nullable only in the versions that say so', () => {
    // label: nullable from v2
    for (const v of [2, 3, 4, 5]) expect(decodeAll(encodeAt({ label: null }, v), v).label).toBeNull();
    // Writing null for a string in a non-nullable version yields a null on the wire that the reader rejects.
    expect(() => decodeAll(c.encode({ label: null }, 1), 1)).toThrow(MalformedError);
    // numbers: nullable array from v3; a null array in v2 is rejected both ways.
    expect(decodeAll(encodeAt({ numbers: null }, 3), 3).numbers).toBeNull();
    expect(() => c.encode({ numbers: null }, 2)).toThrow(/non-nullable array/);
    // blob: nullable from v4
    expect(decodeAll(encodeAt({ blob: null }, 4), 4).blob).toBeNull();
    // nested: members nullable from v1, host nullable from v5
    const g = { groupName: 'g', members: null };
    expect(decodeAll(encodeAt({ groups: [g] }, 1), 1).groups[0].members).toBeNull();
    const h = { groupName: 'g', members: [{ memberId: 1, host: null }] };
    expect(decodeAll(encodeAt({ groups: [h] }, 5), 5).groups[0].members![0].host).toBeNull();
    // records: nullable everywhere
    for (const v of VERSIONS) expect(decodeAll(encodeAt({ data: null }, v), v).data).toBeNull();
  });

  test('classic vs compact encodings of the same value', () => {
    const value = { label: 'ab', numbers: [7] };
    const v2 = encodeAt(value, 2);
    const v3 = encodeAt(value, 3);
    // v2: label int16 length; v3: uvarint length+1
    const labelAt = 1 + 1 + 2 + 2 + 4 + 4 + 8 + 8 + 2; // after oldName (empty, int16 length 0)
    expect(v2.subarray(labelAt, labelAt + 4).toString('hex')).toBe('00026162');
    const labelAt3 = 1 + 1 + 2 + 2 + 4 + 4 + 8 + 8; // no oldName in v3
    expect(v3.subarray(labelAt3, labelAt3 + 3).toString('hex')).toBe('036162');
  });

  test('tagged fields at their default are not written', () => {
    for (const v of [3, 4, 5]) {
      const plain = encodeAt({}, v);
      // The top-level struct ends with an empty tagged-field section (a single 0 byte).
      expect(plain[plain.length - 1]).toBe(0);
      // Explicit defaults, including default-valued structs and empty arrays, are not written either.
      const explicit = encodeAt({ clusterId: null, current: { a: -1, b: -1n }, endpoints: [], dirId: ZERO_UUID }, v);
      expect(explicit).toEqual(plain);
      // Nested tagged fields at default: each element's section is one 0 byte.
      const withGroup = encodeAt({ groups: [{ groupName: 'g', epoch: -1, members: [{ memberId: 1, note: null }] }] }, v);
      const withGroupNoTags = encodeAt({ groups: [{ groupName: 'g', members: [{ memberId: 1 }] }] }, v);
      expect(withGroup).toEqual(withGroupNoTags);
    }
  });

  test('tagged fields are written in ascending tag order with their sizes', () => {
    const buf = encodeAt({ clusterId: 'ab', current: { a: 1, b: -1n }, dirId: UUID }, 4);
    // Tail: count=3, tag 0 (size 3: compact string 'ab'), tag 2 (size 13: a struct, which in a
    // flexible version ends with its own empty tagged-field section), tag 7 (size 16).
    const tail = buf.subarray(buf.length - (1 + 2 + 3 + 2 + 13 + 2 + 16));
    expect(tail[0]).toBe(3);
    expect(tail.subarray(1, 6).toString('hex')).toBe('0003036162');
    expect(tail.subarray(6, 8).toString('hex')).toBe('020d');
    expect(tail.subarray(8, 21).toString('hex')).toBe('00000001ffffffffffffffff00');
    expect(tail.subarray(21, 23).toString('hex')).toBe('0710');
    expect(tail.subarray(23).toString('hex')).toBe('00112233445566778899aabbccddeeff');
    expect(decodeAll(buf, 4)).toMatchObject({ clusterId: 'ab', current: { a: 1, b: -1n }, dirId: UUID, endpoints: [] });
  });

  test('a partially default tagged struct is written', () => {
    const buf = encodeAt({ current: { a: -1, b: 5n } }, 3);
    expect(buf.length).toBe(encodeAt({}, 3).length + 2 + 13);
    expect(decodeAll(buf, 3).current).toEqual({ a: -1, b: 5n });
  });

  test('unknown tags are skipped, known ones are read around them', () => {
    const v = 5;
    const known = encodeAt({ clusterId: 'xy' }, v);
    // Replace the (empty) trailing section by one with unknown tags 4, 5 and 100 after the known tag 0.
    const plain = encodeAt({}, v);
    const head = plain.subarray(0, plain.length - 1);
    const section = Buffer.from(
      [
        '04', // four tagged fields
        '00', '03', '037879', // tag 0: clusterId 'xy'
        '04', '02', 'abcd', // tag 4: unknown
        '05', '00', // tag 5: unknown, empty
        '64', '03', '010203', // tag 100: unknown
      ].join(''),
      'hex',
    );
    const decoded = decodeAll(Buffer.concat([head, section]), v);
    expect(decoded).toEqual(decodeAll(known, v));
    expect(decoded.clusterId).toBe('xy');
  });

  test('tagged fields out of order or running past the struct are malformed', () => {
    const plain = encodeAt({}, 5);
    const head = plain.subarray(0, plain.length - 1);
    const dup = Buffer.from('0204000400', 'hex');
    expect(() => decodeAll(Buffer.concat([head, dup]), 5)).toThrow(MalformedError);
    const long = Buffer.from('010005aa', 'hex');
    expect(() => decodeAll(Buffer.concat([head, long]), 5)).toThrow(MalformedError);
  });

  test('records are spliced in without copying and decoded as a view', () => {
    const data = Buffer.from('0123456789', 'hex');
    const size = { total: 0, external: 0 };
    const n = c.size({ data }, 3, size);
    expect(size).toEqual({ total: n, external: data.length });
    const w = new Writer(size.total - size.external);
    c.write(w, { data }, 3);
    const chunks = w.finish();
    expect(chunks).toContain(data);
    const buf = Buffer.concat(chunks);
    const back = decodeAll(buf, 3).data as Buffer;
    expect(back).toEqual(data);
    expect(back.buffer).toBe(buf.buffer); // a view of the input, not a copy
    // An array of buffers is written as their concatenation.
    const parts = [Buffer.from('01', 'hex'), Buffer.from('0203', 'hex')];
    expect(decodeAll(encodeAt({ data: parts }, 3), 3).data).toEqual(Buffer.from('010203', 'hex'));
    // An empty records value is distinct from null.
    expect(decodeAll(encodeAt({ data: Buffer.alloc(0) }, 0), 0).data).toEqual(Buffer.alloc(0));
  });

  test('truncated input is malformed at every cut point', () => {
    const wrong: string[] = [];
    for (const v of VERSIONS) {
      const buf = encodeAt(fullValue(), v);
      for (let cut = 0; cut < buf.length; cut++) {
        try {
          c.decode(new Reader(buf.subarray(0, cut)), v);
          wrong.push(`v${v} cut ${cut}: decoded`);
        } catch (err) {
          if (!(err instanceof MalformedError)) wrong.push(`v${v} cut ${cut}: ${String(err)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  test('decoded types are inferred from the spec', () => {
    const d = decodeAll(encodeAt(fullValue(), 5), 5);
    const offset: bigint = d.offset;
    const label: string | null = d.label;
    const host: string | null = d.groups[0].members![0].host;
    const port: number = d.endpoints[0].port;
    expect([offset, label, host, port]).toEqual([1n << 40n, 'héllo wörld €', 'h1', 9092]);
  });
});
