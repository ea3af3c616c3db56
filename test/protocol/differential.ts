/**
 * What the differential tests (differential-kafkajs.test.ts,
 * differential-platformatic.test.ts) share.
 *
 * For every API key and version that a client library can encode or parse,
 * and that our registry has:
 * - requests: a random value of our request type is handed to the client's
 *   request encoder (its field names mapped from ours); what it writes must
 *   decode with our codec to the same values, every byte consumed;
 * - responses: a random value of our response type (test/protocol/
 *   value-generator.ts) is encoded with our codec and parsed with the
 *   client's response parser; what it reads (its names mapped back to ours)
 *   must equal our values field by field, and the fields of that version it
 *   does not expose at all must be exactly the ones the table lists.
 *
 * A client table covers some APIs that other branches are still adding; a
 * key that is not in our registry yet is reported by test.todo and listed in
 * PENDING, which a test asserts against the registry (so the list must
 * shrink as those branches merge).
 */
import { execFileSync } from 'child_process';
import { readdirSync } from 'fs';
import * as path from 'path';
import { MessageCodec } from '../../src/protocol/codec';
import { ErrorCode } from '../../src/protocol/error-codes';
import { MessagePair, messagesFor } from '../../src/protocol/messages';
import { Reader, uuidToBytes, uuidToString } from '../../src/protocol/primitives';
import { FieldSpec, MessageSpec, inRange } from '../../src/protocol/schema';
import { PltInput } from './golden-helpers';
import { Gen, Obj } from './value-generator';

export type { Obj };
export type Any = Record<string, any>;

/** Kafka's API names by key, for every API a client table covers. */
export const API_NAMES: Record<number, string> = {
  0: 'Produce',
  1: 'Fetch',
  2: 'ListOffsets',
  3: 'Metadata',
  8: 'OffsetCommit',
  9: 'OffsetFetch',
  10: 'FindCoordinator',
  11: 'JoinGroup',
  12: 'Heartbeat',
  13: 'LeaveGroup',
  14: 'SyncGroup',
  15: 'DescribeGroups',
  16: 'ListGroups',
  18: 'ApiVersions',
  19: 'CreateTopics',
  20: 'DeleteTopics',
  21: 'DeleteRecords',
  22: 'InitProducerId',
  23: 'OffsetForLeaderEpoch',
  32: 'DescribeConfigs',
  33: 'AlterConfigs',
  35: 'DescribeLogDirs',
  37: 'CreatePartitions',
  42: 'DeleteGroups',
  43: 'ElectLeaders',
  44: 'IncrementalAlterConfigs',
  47: 'OffsetDelete',
  60: 'DescribeCluster',
  61: 'DescribeProducers',
};

/**
 * API keys the client tables cover whose specs are being added in other
 * branches (issue 4) and are not in our registry yet. Remove a key when its
 * branch merges: the registry test fails until the list is right.
 */
export const PENDING: readonly number[] = [];

/** A seed per (api, version, case). */
export function seedOf(apiKey: number, version: number, i: number): number {
  return apiKey * 100_000 + version * 100 + i;
}

export const SEEDS_PER_VERSION = 3;

/** Our codecs for an API, or undefined while it is not registered. */
export function pairFor(apiKey: number): MessagePair | undefined {
  return messagesFor(apiKey);
}

/** Random values with `tweak` applied, as our codec decodes them back (fields outside the version at their defaults). */
export function canonical(c: MessageCodec<MessageSpec>, version: number, seed: number, tweak?: (value: Any, g: Gen, version: number) => void): Any {
  const g = new Gen(seed);
  const value = g.struct(c.spec.fields, version) as Any;
  if (tweak) tweak(value, g, version);
  const buf = c.encode(value, version);
  const r = new Reader(buf);
  const back = c.decode(r, version) as Any;
  expect(r.remaining).toBe(0);
  return back;
}

/** Kafka's error codes as both clients know them (-1 to 127; @platformatic/kafka fails on a code it does not know). */
const KNOWN_CODES = Object.values(ErrorCode).filter((c): c is number => typeof c === 'number' && c <= 127);

/** Sets every errorCode (any depth) to a real Kafka error code, NONE one time in three. */
export function realErrorCodes(fields: readonly FieldSpec[], value: Any | null, g: Gen, exclude: readonly number[] = []): void {
  if (!value) return;
  const codes = KNOWN_CODES.filter((c) => !exclude.includes(c));
  for (const f of fields) {
    const v = value[f.name];
    if (f.name === 'errorCode' && f.type === 'int16') value[f.name] = g.chance(0.33) ? 0 : codes[g.int(0, codes.length - 1)];
    else if (f.fields && v) for (const e of Array.isArray(v) ? v : [v]) realErrorCodes(f.fields, e, g, exclude);
  }
}

/** A deep copy that keeps Buffers and bigints (structuredClone turns Buffers into Uint8Arrays). */
export function clone<T>(v: T): T {
  if (Buffer.isBuffer(v)) return Buffer.from(v) as T;
  if (Array.isArray(v)) return v.map(clone) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)])) as T;
  return v;
}

/** Removes every tagged field (any depth), so it takes its default: @platformatic/kafka cannot read a non-empty tagged section. */
export function untag(fields: readonly FieldSpec[], value: Any | null): void {
  if (!value) return;
  for (const f of fields) {
    if (f.taggedVersions !== undefined) {
      delete value[f.name];
      continue;
    }
    const v = value[f.name];
    if (f.fields && v) for (const e of Array.isArray(v) ? v : [v]) untag(f.fields, e);
  }
}

/** A comparable form: bigints as strings, Buffers as hex, Maps as entry arrays, undefined keys dropped. */
export function plain(v: unknown): any {
  if (typeof v === 'bigint') return v.toString();
  if (Buffer.isBuffer(v)) return { hex: v.toString('hex') };
  if (v instanceof Uint8Array) return { hex: Buffer.from(v).toString('hex') };
  if (v instanceof Map) return [...v.entries()].map(plain);
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') {
    if ('hex' in v && Object.keys(v).length === 1) return v;
    const o: Any = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) o[k] = plain(x);
    return o;
  }
  return v;
}

/**
 * `expected` cut down to what `actual` has: object keys that `actual` lacks
 * are dropped (at any depth), so that a client's partial view compares with
 * our full value. Arrays compare element by element.
 */
export function pickLike(expected: any, actual: any): any {
  if (Array.isArray(expected) && Array.isArray(actual)) return expected.map((e, i) => (i < actual.length ? pickLike(e, actual[i]) : e));
  if (expected && actual && typeof expected === 'object' && typeof actual === 'object' && !Array.isArray(actual)) {
    if ('hex' in actual && Object.keys(actual).length === 1) return expected;
    const o: Any = {};
    for (const k of Object.keys(actual)) o[k] = k in expected ? pickLike(expected[k], actual[k]) : undefined;
    return o;
  }
  return expected;
}

/**
 * The fields (paths such as "topics[].partitions[].errorCode") that exist
 * in `version` of the spec but that `actual` (a client's parse, mapped to
 * our names) does not have. Tagged fields are skipped when `tags` is false.
 */
export function unexposed(fields: readonly FieldSpec[], version: number, flexible: boolean, actual: any, tags = true, prefix = ''): string[] {
  const out = new Set<string>();
  for (const f of fields) {
    if (!inRange(f.versions, version)) continue;
    const tagged = f.taggedVersions !== undefined;
    if (tagged && (!flexible || !inRange(f.taggedVersions, version) || !tags)) continue;
    const p = prefix + f.name;
    if (!actual || typeof actual !== 'object' || !(f.name in actual)) {
      out.add(p);
      continue;
    }
    const v = actual[f.name];
    if (f.fields && v && typeof v === 'object') {
      const array = f.type.startsWith('[]');
      for (const e of array ? (v as unknown[]) : [v]) for (const q of unexposed(f.fields, version, flexible, e, tags, `${p}${array ? '[]' : ''}.`)) out.add(q);
    }
  }
  return [...out].sort();
}

/** Our uuid (base64url) as platformatic prints one (dashed hex), and back. */
export function dashedOf(uuid: string): string {
  return uuidToBytes(uuid)
    .toString('hex')
    .replace(/(.{8})(.{4})(.{4})(.{4})(.{12})/, '$1-$2-$3-$4-$5');
}
export function undash(s: string): string {
  return uuidToString(Buffer.from(s.replace(/-/g, ''), 'hex'));
}

/** Arguments for platformatic-parse.mjs's encode entries: bigints and Buffers survive JSON. */
export function encodeArgs(v: unknown): any {
  if (v === undefined) return { $undefined: true };
  if (typeof v === 'bigint') return { $bigint: v.toString() };
  if (Buffer.isBuffer(v)) return { $hex: v.toString('hex') };
  if (v instanceof Map) return { $map: [...v.entries()].map(encodeArgs) };
  if (Array.isArray(v)) return v.map(encodeArgs);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encodeArgs(x)]));
  return v;
}

export interface PltEncode {
  encode: true;
  module: string;
  args: unknown[];
}

/** Runs platformatic encoders and parsers in one child process (fixtures/platformatic-parse.mjs). */
export function platformaticRun(inputs: readonly (PltInput | PltEncode)[]): Any[] {
  const script = path.join(__dirname, 'fixtures', 'platformatic-parse.mjs');
  const out = execFileSync(process.execPath, [script], { input: JSON.stringify(inputs), cwd: path.join(__dirname, '..', '..'), maxBuffer: 256 << 20 });
  return JSON.parse(out.toString());
}

/** kafkajs's versions of an API (its directory name) that it has a request and response for. */
export function kafkajsVersions(dir: string): number[] {
  const root = path.join(path.join(__dirname, '..', '..', 'node_modules', 'kafkajs'), 'src/protocol/requests', dir);
  return readdirSync(root)
    .filter((d) => /^v\d+$/.test(d))
    .map((d) => Number(d.slice(1)))
    .sort((a, b) => a - b);
}

/** @platformatic/kafka's versions of an API (its file stem, "offset-commit"), from its dist/apis files. */
export function platformaticVersions(stem: string): number[] {
  const root = path.join(path.join(__dirname, '..', '..', 'node_modules', '@platformatic', 'kafka'), 'dist/apis');
  const out: number[] = [];
  for (const family of readdirSync(root, { withFileTypes: true })) {
    if (!family.isDirectory()) continue;
    for (const f of readdirSync(path.join(root, family.name))) {
      const m = new RegExp(`^${stem}-v(\\d+)\\.js$`).exec(f);
      if (m) out.push(Number(m[1]));
    }
  }
  return out.sort((a, b) => a - b);
}

/** The versions of `versions` inside our registered range for the API. */
export function inOurRange(apiKey: number, versions: readonly number[]): number[] {
  const pair = pairFor(apiKey);
  if (!pair) return [...versions];
  return versions.filter((v) => v >= pair.request.minVersion && v <= pair.request.maxVersion);
}

/** The value generator, for the tables' tweaks. */
export { Gen };
