/**
 * Every API, every version, request and response: a seeded random value with
 * a non-default value in every field present in that version is encoded,
 * sized, decoded and compared. Fields outside the version are given random
 * values too, which the encoder must ignore and the decoder must replace by
 * the field's default (computed here independently of the codec).
 */
import { MessageCodec } from '../../src/protocol/codec';
import { MESSAGES, MessagePair, messagesFor } from '../../src/protocol/messages';
import { Reader } from '../../src/protocol/primitives';
import { FieldSpec, InputOf, MessageSpec, inRange } from '../../src/protocol/schema';
import { Gen, Obj, defaultOf } from './value-generator';

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
  0: ['Produce', 0, 13, 9],
  1: ['Fetch', 4, 18, 12],
  2: ['ListOffsets', 1, 11, 6],
  3: ['Metadata', 0, 13, 9],
  8: ['OffsetCommit', 2, 10, 8],
  9: ['OffsetFetch', 1, 10, 6],
  10: ['FindCoordinator', 0, 6, 3],
  11: ['JoinGroup', 0, 9, 6],
  12: ['Heartbeat', 0, 4, 4],
  13: ['LeaveGroup', 0, 5, 4],
  14: ['SyncGroup', 0, 5, 4],
  15: ['DescribeGroups', 0, 6, 5],
  16: ['ListGroups', 0, 5, 3],
  18: ['ApiVersions', 0, 4, 3],
  19: ['CreateTopics', 2, 7, 5],
  20: ['DeleteTopics', 1, 6, 4],
  22: ['InitProducerId', 0, 5, 2],
  32: ['DescribeConfigs', 1, 4, 4],
  33: ['AlterConfigs', 0, 2, 2],
  42: ['DeleteGroups', 0, 2, 2],
  44: ['IncrementalAlterConfigs', 0, 1, 1],
  47: ['OffsetDelete', 0, 0, -1], // never flexible
  21: ['DeleteRecords', 0, 2, 2],
  23: ['OffsetForLeaderEpoch', 0, 4, 4],
  35: ['DescribeLogDirs', 1, 4, 2],
  37: ['CreatePartitions', 0, 3, 2],
  43: ['ElectLeaders', 0, 2, 2],
  60: ['DescribeCluster', 0, 2, 0],
  61: ['DescribeProducers', 0, 0, 0],
};

test('the registry holds every API with the agreed version ranges', () => {
  expect(Object.keys(MESSAGES).map(Number).sort((a, b) => a - b)).toEqual(Object.keys(EXPECTED_RANGES).map(Number));
  for (const [key, [name, min, max, flex]] of Object.entries(EXPECTED_RANGES)) {
    const pair = messagesFor(Number(key))!;
    for (const c of [pair.request, pair.response]) {
      expect(c.spec.apiKey).toBe(Number(key));
      expect(c.spec.name.startsWith(name)).toBe(true);
      expect([c.minVersion, c.maxVersion]).toEqual([min, max]);
      if (flex < 0) for (let v = min; v <= max; v++) expect(c.isFlexible(v)).toBe(false);
      else {
        expect(c.isFlexible(flex - 1)).toBe(false);
        expect(c.isFlexible(flex)).toBe(true);
      }
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
