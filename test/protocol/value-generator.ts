/**
 * Seeded random values for any message spec and version: every field present
 * gets a value that differs from its default (nullable ones are sometimes
 * null). Shared by the round-trip and the fuzz tests.
 */
import { ZERO_UUID } from '../../src/protocol/primitives';
import { FieldSpec, inRange } from '../../src/protocol/schema';

export type Obj = Record<string, unknown>;

/** mulberry32: small, fast, seedable. */
export function rng(seed: number): () => number {
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
export function defaultOf(f: FieldSpec): unknown {
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

export class Gen {
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
