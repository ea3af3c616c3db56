/**
 * Every API, every version, request and response: a seeded random value with
 * a non-default value in every field present in that version is encoded,
 * sized, decoded and compared. Fields outside the version are given random
 * values too, which the encoder must ignore and the decoder must replace by
 * the field's default (computed here independently of the codec).
 */
import { MessageCodec } from '../../src/protocol/codec';
import { MESSAGES, MessagePair, messagesFor } from '../../src/protocol/messages';
import { Reader, ZERO_UUID } from '../../src/protocol/primitives';
import { FieldSpec, InputOf, MessageSpec, inRange } from '../../src/protocol/schema';

type Obj = Record<string, unknown>;

/** mulberry32: small, fast, seedable. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PRIMS = new Set(['bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'string', 'bytes', 'uuid', 'records']);
const ALPHABET = ['a', 'b', 'z', '0', '-', '_', '.', 'é', 'ß', '€', '中', '😀'];

/** Kafka's default for a field, written independently of the codec's. */
function defaultOf(f: FieldSpec): unknown {
  if (f.default === 'null') return null;
  if (f.type.startsWith('[]')) return [];
  if (!PRIMS.has(f.type)) return Object.fromEntries(f.fields!.map((s) => [s.name, defaultOf(s)]));
  const d = f.default;
  switch (f.type) {
    case 'bool':
      return d === true || d === 'true';
    case 'int64':
      return BigInt(d ?? 0);
    case 'string':
      return d === undefined ? '' : String(d);
    case 'bytes':
      return Buffer.alloc(0);
    case 'uuid':
      return ZERO_UUID;
    case 'records':
      return null;
    default:
      return Number(d ?? 0);
  }
}

class Gen {
  private readonly r: () => number;
  constructor(seed: number) {
    this.r = rng(seed);
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.r() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.r() < p;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(0, 255);
    return b;
  }
  string(): string {
    let s = '';
    const n = this.int(1, 12);
    for (let i = 0; i < n; i++) s += ALPHABET[this.int(0, ALPHABET.length - 1)];
    return s;
  }
  prim(type: string): unknown {
    switch (type) {
      case 'bool':
        return this.chance(0.5);
      case 'int8':
        return this.int(-128, 127);
      case 'int16':
        return this.int(-32768, 32767);
      case 'uint16':
        return this.int(0, 65535);
      case 'int32':
        return this.int(-(2 ** 31), 2 ** 31 - 1);
      case 'uint32':
        return this.int(0, 2 ** 32 - 1);
      case 'int64':
        return this.bytes(8).readBigInt64BE();
      case 'float64':
        return this.r() * 1e6 - 5e5;
      case 'string':
        return this.string();
      case 'bytes':
      case 'records':
        return this.bytes(this.int(1, 40));
      case 'uuid':
        return this.bytes(16).toString('base64url');
      default:
        throw new Error(`not a primitive: ${type}`);
    }
  }
  /** A value of `f`'s type that differs from its default. */
  nonDefault(f: FieldSpec, version: number, element = false): unknown {
    const array = !element && f.type.startsWith('[]');
    const base = f.type.startsWith('[]') ? f.type.slice(2) : f.type;
    if (array) {
      const n = this.int(1, 3);
      return Array.from({ length: n }, () => this.nonDefault(f, version, true));
    }
    if (!PRIMS.has(base)) return this.struct(f.fields!, version);
    const d = element ? undefined : defaultOf(f);
    for (;;) {
      const v = base === 'bool' && typeof d === 'boolean' ? !d : this.prim(base);
      if (v !== d) return v;
    }
  }
  /** Random values for every field: null sometimes where nullable (null is never a non-null default). */
  struct(fields: readonly FieldSpec[], version: number): Obj {
    const o: Obj = {};
    for (const f of fields) {
      const nullable = inRange(f.nullableVersions, version) && inRange(f.versions, version);
      if (nullable && f.default !== 'null' && this.chance(0.3)) o[f.name] = null;
      else o[f.name] = this.nonDefault(f, version);
    }
    return o;
  }
}

/** What decoding at `version` must give for `value`: out-of-version fields become defaults. */
function expected(fields: readonly FieldSpec[], value: Obj, version: number, flexible: boolean): Obj {
  const o: Obj = {};
  for (const f of fields) {
    const tagged = f.taggedVersions !== undefined;
    const present = inRange(f.versions, version) && (!tagged || (flexible && inRange(f.taggedVersions, version)));
    const v = value[f.name];
    if (!present) o[f.name] = defaultOf(f);
    else if (f.fields && v !== null) {
      o[f.name] = f.type.startsWith('[]')
        ? (v as Obj[]).map((e) => expected(f.fields!, e, version, flexible))
        : expected(f.fields, v as Obj, version, flexible);
    } else o[f.name] = v;
  }
  return o;
}

/** Counts the fields (at any depth) that exist in this version. */
function countPresent(fields: readonly FieldSpec[], version: number): number {
  let n = 0;
  for (const f of fields) {
    if (!inRange(f.versions, version)) continue;
    n++;
    if (f.fields) n += countPresent(f.fields, version);
  }
  return n;
}

function roundTrip(c: MessageCodec<MessageSpec>, version: number, seed: number): void {
  const spec = c.spec;
  const flexible = c.isFlexible(version);
  const generated = new Gen(seed).struct(spec.fields, version);
  const value = generated as InputOf<MessageSpec>;
  const size = { total: 0, external: 0 };
  const n = c.size(value, version, size);
  const buf = c.encode(value, version);
  expect(buf.length).toBe(n);
  expect(size.total).toBe(n);
  const r = new Reader(buf);
  const back = c.decode(r, version);
  expect(r.remaining).toBe(0);
  expect(back).toEqual(expected(spec.fields, generated, version, flexible));
  // Re-encoding the decoded value gives the same bytes.
  expect(c.encode(back, version)).toEqual(buf);
}

const SEEDS = [1, 2, 3, 4];

const EXPECTED_RANGES: Record<number, [string, number, number, number]> = {
  0: ['Produce', 0, 11, 9],
  1: ['Fetch', 4, 17, 12],
  2: ['ListOffsets', 1, 9, 6],
  3: ['Metadata', 0, 12, 9],
  18: ['ApiVersions', 0, 4, 3],
  19: ['CreateTopics', 2, 7, 5],
  20: ['DeleteTopics', 1, 6, 4],
};

test('the registry holds every API with the agreed version ranges', () => {
  expect(Object.keys(MESSAGES).map(Number).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 18, 19, 20]);
  for (const [key, [name, min, max, flex]] of Object.entries(EXPECTED_RANGES)) {
    const pair = messagesFor(Number(key))!;
    for (const c of [pair.request, pair.response]) {
      expect(c.spec.apiKey).toBe(Number(key));
      expect(c.spec.name.startsWith(name)).toBe(true);
      expect([c.minVersion, c.maxVersion]).toEqual([min, max]);
      expect(c.isFlexible(flex - 1)).toBe(false);
      expect(c.isFlexible(flex)).toBe(true);
    }
    expect(pair.request.spec.type).toBe('request');
    expect(pair.response.spec.type).toBe('response');
  }
  expect(messagesFor(99)).toBeUndefined();
  expect(messagesFor(Number('toString'))).toBeUndefined();
});

const cases: [string, number, MessageCodec<MessageSpec>][] = [];
for (const pair of Object.values(MESSAGES) as MessagePair[]) {
  for (const c of [pair.request, pair.response]) {
    for (let v = c.minVersion; v <= c.maxVersion; v++) cases.push([c.spec.name, v, c]);
  }
}

test.each(cases)('%s v%i round-trips random values', (_name, version, c) => {
  // A message with no field in this version (ApiVersions request v0-2) is empty on the wire.
  if (countPresent(c.spec.fields, version) === 0 && !c.isFlexible(version)) expect(c.encode({}, version).length).toBe(0);
  for (const seed of SEEDS) roundTrip(c, version, seed * 1000 + version);
});

test.each(cases)('%s v%i: defaults() round-trips', (_name, version, c) => {
  const d = c.defaults(version);
  const buf = c.encode(d, version);
  expect(c.decode(new Reader(buf), version)).toEqual(d);
  // The codec's defaults are Kafka's, as computed here from the spec.
  expect(d).toEqual(Object.fromEntries(c.spec.fields.map((f) => [f.name, defaultOf(f)])));
});
