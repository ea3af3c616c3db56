/**
 * The one codec: reads a MessageSpec, compiles it once per version into a
 * flat plan of fields, and sizes, encodes and decodes values by that plan.
 *
 * Rules it applies everywhere (so no message file repeats them):
 * - flexible versions use compact strings/bytes/arrays (uvarint length + 1)
 *   and end every struct with a tagged-field section;
 * - a field outside its versions is not on the wire; decoding fills in its
 *   default, encoding ignores the value;
 * - tagged fields are written only when they differ from their default;
 *   unknown tags are skipped on read;
 * - `records` fields are nullable bytes whose contents are spliced into the
 *   output without copying and are decoded as a view of the input.
 */
import { MalformedError, Reader, Writer, ZERO_UUID, uvarintSize } from './primitives';
import {
  FieldSpec,
  InputOf,
  MessageSpec,
  PrimitiveType,
  RecordsValue,
  ValueOf,
  inRange,
  parseVersions,
} from './schema';

const PRIMITIVES = new Set<string>([
  'bool',
  'int8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'float64',
  'string',
  'bytes',
  'uuid',
  'records',
]);

type Value = unknown;
type Obj = Record<string, Value>;

interface ElementPlan {
  readonly prim?: PrimitiveType;
  readonly struct?: StructPlan;
}

interface FieldPlan extends ElementPlan {
  readonly name: string;
  readonly array: boolean;
  readonly nullable: boolean;
  readonly tag: number; // -1 when not tagged in this version
  readonly defaultValue: () => Value;
}

interface StructPlan {
  readonly flexible: boolean;
  readonly fields: readonly FieldPlan[];
  /** Tagged fields of this version, by ascending tag. */
  readonly tagged: readonly FieldPlan[];
  /** Fields not on the wire in this version: decoding sets their defaults. */
  readonly absent: readonly FieldPlan[];
}

/** Running totals for sizing: all bytes, and those spliced in from outside. */
export interface Size {
  total: number;
  external: number;
}

function defaultFor(f: FieldSpec, prim: PrimitiveType | undefined, array: boolean, struct: (() => Obj) | undefined): () => Value {
  const d = f.default;
  if (d === 'null') return () => null;
  if (array) return () => [];
  if (struct) return struct;
  switch (prim) {
    case 'bool':
      return d === true || d === 'true' ? () => true : () => false;
    case 'int64': {
      const v = BigInt(d ?? 0);
      return () => v;
    }
    case 'string': {
      const v = d === undefined ? '' : String(d);
      return () => v;
    }
    case 'bytes':
      return () => Buffer.alloc(0);
    case 'uuid':
      return () => ZERO_UUID;
    case 'records':
      return () => null;
    default: {
      const v = Number(d ?? 0);
      return () => v;
    }
  }
}

function compileStruct(fields: readonly FieldSpec[], version: number, flexible: boolean): StructPlan {
  const plans: FieldPlan[] = [];
  const tagged: FieldPlan[] = [];
  const absent: FieldPlan[] = [];
  for (const f of fields) {
    const array = f.type.startsWith('[]');
    const base = array ? f.type.slice(2) : f.type;
    const prim = PRIMITIVES.has(base) ? (base as PrimitiveType) : undefined;
    if (!prim && !f.fields) throw new Error(`field ${f.name}: struct type ${base} without fields`);
    const struct = prim ? undefined : compileStruct(f.fields!, version, flexible);
    const structDefault = struct ? () => defaultStruct(struct) : undefined;
    const present = inRange(f.versions, version);
    const isTagged = present && flexible && f.tag !== undefined && inRange(f.taggedVersions, version);
    const plan: FieldPlan = {
      name: f.name,
      array,
      prim,
      struct,
      nullable: inRange(f.nullableVersions, version),
      tag: isTagged ? f.tag! : -1,
      defaultValue: defaultFor(f, prim, array, structDefault),
    };
    if (isTagged) tagged.push(plan);
    // A tagged field is never a regular one: outside its tagged versions it is absent.
    else if (!present || f.taggedVersions !== undefined) absent.push(plan);
    else plans.push(plan);
  }
  tagged.sort((a, b) => a.tag - b.tag);
  return { flexible, fields: plans, tagged, absent };
}

function defaultStruct(plan: StructPlan): Obj {
  const o: Obj = {};
  for (const f of plan.fields) o[f.name] = f.defaultValue();
  for (const f of plan.tagged) o[f.name] = f.defaultValue();
  for (const f of plan.absent) o[f.name] = f.defaultValue();
  return o;
}

// ---------------------------------------------------------------- decoding

function readPrim(r: Reader, prim: PrimitiveType, nullable: boolean, compact: boolean): Value {
  switch (prim) {
    case 'bool':
      return r.bool();
    case 'int8':
      return r.int8();
    case 'int16':
      return r.int16();
    case 'uint16':
      return r.uint16();
    case 'int32':
      return r.int32();
    case 'uint32':
      return r.uint32();
    case 'int64':
      return r.int64();
    case 'float64':
      return r.float64();
    case 'string':
      return nullable ? r.nullableString(compact) : r.string(compact);
    case 'bytes':
    case 'records':
      return nullable ? r.nullableBytes(compact) : r.bytes(compact);
    case 'uuid':
      return r.uuid();
  }
}

function readElement(r: Reader, e: ElementPlan, nullable: boolean, compact: boolean): Value {
  return e.prim ? readPrim(r, e.prim, nullable, compact) : readStruct(r, e.struct!);
}

function readField(r: Reader, f: FieldPlan, compact: boolean): Value {
  if (!f.array) return readElement(r, f, f.nullable, compact);
  const n = r.arrayLength(compact);
  if (n < 0) {
    if (!f.nullable) throw new MalformedError(`null array ${f.name} where an array is required`);
    return null;
  }
  const out = new Array<Value>(n);
  for (let i = 0; i < n; i++) out[i] = readElement(r, f, false, compact);
  return out;
}

function readStruct(r: Reader, plan: StructPlan): Obj {
  const o: Obj = {};
  for (const f of plan.fields) o[f.name] = readField(r, f, plan.flexible);
  if (plan.flexible) {
    const seen = plan.tagged.length > 0 ? new Set<number>() : undefined;
    const count = r.uvarint();
    let lastTag = -1;
    for (let i = 0; i < count; i++) {
      const tag = r.uvarint();
      if (tag <= lastTag) throw new MalformedError(`tagged fields out of order (${tag} after ${lastTag})`);
      lastTag = tag;
      const size = r.uvarint();
      const f = plan.tagged.find((t) => t.tag === tag);
      if (!f) {
        r.raw(size); // unknown tag: skip
        continue;
      }
      const sub = new Reader(r.buf, r.offset, r.offset + size);
      if (sub.end > r.end) throw new MalformedError(`tagged field ${tag} runs past its struct`);
      o[f.name] = readField(sub, f, true);
      r.raw(size);
      seen!.add(tag);
    }
    for (const f of plan.tagged) if (!seen!.has(f.tag)) o[f.name] = f.defaultValue();
  }
  for (const f of plan.absent) o[f.name] = f.defaultValue();
  return o;
}

// ----------------------------------------------------------------- sizing

function lengthSize(n: number, compact: boolean, classic: 2 | 4): number {
  return compact ? uvarintSize(n + 1) : classic;
}

function recordsLength(v: RecordsValue): number {
  if (Buffer.isBuffer(v)) return v.length;
  let n = 0;
  for (const b of v as readonly Buffer[]) n += b.length;
  return n;
}

function primSize(prim: PrimitiveType, v: Value, compact: boolean, size: Size): number {
  switch (prim) {
    case 'bool':
    case 'int8':
      return 1;
    case 'int16':
    case 'uint16':
      return 2;
    case 'int32':
    case 'uint32':
      return 4;
    case 'int64':
    case 'float64':
      return 8;
    case 'uuid':
      return 16;
    case 'string': {
      if (v === null || v === undefined) return lengthSize(-1, compact, 2);
      const n = Buffer.byteLength(v as string, 'utf8');
      return lengthSize(n, compact, 2) + n;
    }
    case 'bytes': {
      if (v === null || v === undefined) return lengthSize(-1, compact, 4);
      const n = (v as Buffer).length;
      return lengthSize(n, compact, 4) + n;
    }
    case 'records': {
      if (v === null || v === undefined) return lengthSize(-1, compact, 4);
      const n = recordsLength(v as RecordsValue);
      size.external += n;
      return lengthSize(n, compact, 4) + n;
    }
  }
}

function elementSize(e: ElementPlan, v: Value, compact: boolean, size: Size): number {
  return e.prim ? primSize(e.prim, v, compact, size) : structSize(e.struct!, (v ?? {}) as Obj, size);
}

function fieldSize(f: FieldPlan, v: Value, compact: boolean, size: Size): number {
  if (v === undefined) v = f.defaultValue();
  if (!f.array) return elementSize(f, v, compact, size);
  if (v === null) return lengthSize(-1, compact, 4);
  const arr = v as readonly Value[];
  let n = lengthSize(arr.length, compact, 4);
  for (const e of arr) n += elementSize(f, e, compact, size);
  return n;
}

function isDefault(f: FieldPlan, v: Value): boolean {
  if (v === undefined) return true;
  const d = f.defaultValue();
  if (v === d) return true;
  if (f.array && Array.isArray(v)) return v.length === 0 && Array.isArray(d);
  // A struct is at its default when each of its fields is (as Kafka compares it with a new instance).
  if (f.struct && !f.array && v !== null && d !== null && typeof v === 'object') return structIsDefault(f.struct, v as Obj);
  if (Buffer.isBuffer(v) && Buffer.isBuffer(d)) return v.equals(d);
  return false;
}

function structIsDefault(plan: StructPlan, o: Obj): boolean {
  for (const f of plan.fields) if (!isDefault(f, o[f.name])) return false;
  for (const f of plan.tagged) if (!isDefault(f, o[f.name])) return false;
  return true;
}

function structSize(plan: StructPlan, o: Obj, size: Size): number {
  let n = 0;
  for (const f of plan.fields) n += fieldSize(f, o[f.name], plan.flexible, size);
  if (plan.flexible) {
    let count = 0;
    for (const f of plan.tagged) {
      const v = o[f.name];
      if (isDefault(f, v)) continue;
      count++;
      const s = fieldSize(f, v, true, size);
      n += uvarintSize(f.tag) + uvarintSize(s) + s;
    }
    n += uvarintSize(count);
  }
  return n;
}

// ---------------------------------------------------------------- encoding

function writePrim(w: Writer, prim: PrimitiveType, v: Value, compact: boolean): void {
  switch (prim) {
    case 'bool':
      return w.bool(v as boolean);
    case 'int8':
      return w.int8(v as number);
    case 'int16':
      return w.int16(v as number);
    case 'uint16':
      return w.uint16(v as number);
    case 'int32':
      return w.int32(v as number);
    case 'uint32':
      return w.uint32(v as number);
    case 'int64':
      return w.int64(v as bigint);
    case 'float64':
      return w.float64(v as number);
    case 'uuid':
      return w.uuid(v as string);
    case 'string': {
      if (v === null || v === undefined) return w.length(-1, compact, 'int16');
      const s = v as string;
      const n = Buffer.byteLength(s, 'utf8');
      w.length(n, compact, 'int16');
      w.offset += w.buf.write(s, w.offset, n, 'utf8');
      return;
    }
    case 'bytes': {
      if (v === null || v === undefined) return w.length(-1, compact, 'int32');
      w.length((v as Buffer).length, compact, 'int32');
      return w.raw(v as Buffer);
    }
    case 'records': {
      if (v === null || v === undefined) return w.length(-1, compact, 'int32');
      const rv = v as RecordsValue;
      w.length(recordsLength(rv), compact, 'int32');
      if (Buffer.isBuffer(rv)) w.external(rv);
      else for (const b of rv as readonly Buffer[]) w.external(b);
      return;
    }
  }
}

function writeElement(w: Writer, e: ElementPlan, v: Value, compact: boolean): void {
  if (e.prim) writePrim(w, e.prim, v, compact);
  else writeStruct(w, e.struct!, (v ?? {}) as Obj);
}

function writeField(w: Writer, f: FieldPlan, v: Value, compact: boolean): void {
  if (v === undefined) v = f.defaultValue();
  if (!f.array) return writeElement(w, f, v, compact);
  if (v === null) {
    if (!f.nullable) throw new Error(`null given for non-nullable array ${f.name}`);
    return w.length(-1, compact, 'int32');
  }
  const arr = v as readonly Value[];
  w.length(arr.length, compact, 'int32');
  for (const e of arr) writeElement(w, f, e, compact);
}

function writeStruct(w: Writer, plan: StructPlan, o: Obj): void {
  for (const f of plan.fields) writeField(w, f, o[f.name], plan.flexible);
  if (!plan.flexible) return;
  let count = 0;
  for (const f of plan.tagged) if (!isDefault(f, o[f.name])) count++;
  w.uvarint(count);
  if (count === 0) return;
  for (const f of plan.tagged) {
    const v = o[f.name];
    if (isDefault(f, v)) continue;
    w.uvarint(f.tag);
    w.uvarint(fieldSize(f, v, true, { total: 0, external: 0 }));
    writeField(w, f, v, true);
  }
}

// ------------------------------------------------------------------ public

/** A compiled message: typed size/encode/decode for every valid version. */
export class MessageCodec<S extends MessageSpec> {
  readonly minVersion: number;
  readonly maxVersion: number;
  private readonly plans: StructPlan[] = [];
  private readonly flexibleRange: string;

  constructor(readonly spec: S) {
    const r = parseVersions(spec.validVersions);
    this.minVersion = r.min;
    this.maxVersion = r.max;
    this.flexibleRange = spec.flexibleVersions;
  }

  isFlexible(version: number): boolean {
    return inRange(this.flexibleRange, version);
  }

  /** The compiled plan for a version, compiled on first use (keeps start-up short). */
  private plan(version: number): StructPlan {
    const p = this.plans[version];
    if (p) return p;
    if (!Number.isInteger(version) || version < this.minVersion || version > this.maxVersion) {
      throw new RangeError(`${this.spec.name} has no version ${version}`);
    }
    return (this.plans[version] = compileStruct(this.spec.fields, version, this.isFlexible(version)));
  }

  decode(r: Reader, version: number): ValueOf<S> {
    return readStruct(r, this.plan(version)) as ValueOf<S>;
  }

  /** Adds this value's size to `size` and returns its byte count. */
  size(value: InputOf<S>, version: number, size: Size = { total: 0, external: 0 }): number {
    const n = structSize(this.plan(version), value as Obj, size);
    size.total += n;
    return n;
  }

  write(w: Writer, value: InputOf<S>, version: number): void {
    writeStruct(w, this.plan(version), value as Obj);
  }

  /** Encodes to one buffer (copies records; for tests and small messages). */
  encode(value: InputOf<S>, version: number): Buffer {
    const size: Size = { total: 0, external: 0 };
    this.size(value, version, size);
    const w = new Writer(size.total - size.external);
    this.write(w, value, version);
    return Buffer.concat(w.finish());
  }

  /** Every field filled with its default, for building values in tests. */
  defaults(version: number): ValueOf<S> {
    return defaultStruct(this.plan(version)) as ValueOf<S>;
  }
}

export function codec<S extends MessageSpec>(spec: S): MessageCodec<S> {
  return new MessageCodec(spec);
}
