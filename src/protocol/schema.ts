/**
 * The shape of an API description. Each request and response is written once
 * as a `MessageSpec` that mirrors Kafka's JSON message specs
 * (clients/src/main/resources/common/message/*.json): the same field names
 * (camelCased), the same type strings ("int32", "[]string", "[]SomeStruct"),
 * the same version ranges ("0+", "3-5", "none"). One generic codec
 * (codec.ts) reads it, and the TypeScript type of a decoded message is
 * inferred from it (`ValueOf<typeof Spec>`).
 */

export type PrimitiveType =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'string'
  | 'bytes'
  | 'uuid'
  | 'records';

export interface FieldSpec {
  readonly name: string;
  /** A primitive, a struct name, or either prefixed with "[]" for an array. */
  readonly type: string;
  readonly versions: string;
  readonly nullableVersions?: string;
  readonly taggedVersions?: string;
  readonly tag?: number;
  /** Kafka's default, as written in its spec ("-1", "null", "true", 0). */
  readonly default?: string | number | boolean;
  /** Present when `type` names a struct (or an array of structs). */
  readonly fields?: readonly FieldSpec[];
}

export interface MessageSpec {
  readonly name: string;
  readonly apiKey?: number;
  readonly type: 'request' | 'response' | 'header' | 'data';
  readonly validVersions: string;
  readonly flexibleVersions: string;
  readonly fields: readonly FieldSpec[];
}

/** Record data: a batch (or batches) as received or as read from a log. */
export type RecordsValue = Buffer | readonly Buffer[];

interface PrimitiveValues {
  bool: boolean;
  int8: number;
  int16: number;
  uint16: number;
  int32: number;
  uint32: number;
  int64: bigint;
  float64: number;
  string: string;
  bytes: Buffer;
  uuid: string;
  records: RecordsValue;
}

type BaseValue<F extends FieldSpec> = F['type'] extends `[]${infer T}`
  ? T extends keyof PrimitiveValues
    ? PrimitiveValues[T][]
    : StructValue<F['fields']>[]
  : F['type'] extends keyof PrimitiveValues
    ? PrimitiveValues[F['type']]
    : StructValue<F['fields']>;

export type FieldValue<F extends FieldSpec> = F extends { nullableVersions: string }
  ? BaseValue<F> | null
  : BaseValue<F>;

export type StructValue<FS> = FS extends readonly FieldSpec[]
  ? { [F in FS[number] as F['name']]: FieldValue<F> }
  : never;

/** The decoded value of a message described by spec S. */
export type ValueOf<S extends MessageSpec> = StructValue<S['fields']>;

type BaseInput<F extends FieldSpec> = F['type'] extends `[]${infer T}`
  ? T extends keyof PrimitiveValues
    ? readonly PrimitiveValues[T][]
    : readonly StructInput<F['fields']>[]
  : F['type'] extends keyof PrimitiveValues
    ? PrimitiveValues[F['type']]
    : StructInput<F['fields']>;

type FieldInput<F extends FieldSpec> = F extends { nullableVersions: string } ? BaseInput<F> | null : BaseInput<F>;

/** What an encoder accepts: any field may be left out and takes Kafka's default. */
export type StructInput<FS> = FS extends readonly FieldSpec[]
  ? { [F in FS[number] as F['name']]?: FieldInput<F> }
  : never;

export type InputOf<S extends MessageSpec> = StructInput<S['fields']>;

/** A parsed version range: "0+", "3-5", "7", "none". */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

export function parseVersions(range: string): VersionRange {
  if (range === 'none') return { min: 1, max: 0 };
  const plus = /^(\d+)\+$/.exec(range);
  if (plus) return { min: Number(plus[1]), max: Number.MAX_SAFE_INTEGER };
  const span = /^(\d+)-(\d+)$/.exec(range);
  if (span) return { min: Number(span[1]), max: Number(span[2]) };
  if (/^\d+$/.test(range)) return { min: Number(range), max: Number(range) };
  throw new Error(`bad version range "${range}"`);
}

export function inRange(range: string | undefined, version: number): boolean {
  if (range === undefined) return false;
  const r = parseVersions(range);
  return version >= r.min && version <= r.max;
}
