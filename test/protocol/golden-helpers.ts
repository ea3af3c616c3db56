/**
 * What the golden-bytes tests (golden.test.ts, golden-groups.test.ts) share:
 * loading captured request fixtures and checking them against our codecs,
 * kafkajs's in-process response decoders, and a child process that runs
 * @platformatic/kafka's response parsers (fixtures/platformatic-parse.mjs).
 */
import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import * as path from 'path';
import { MessageCodec } from '../../src/protocol/codec';
import { MESSAGES, MessagePair } from '../../src/protocol/messages';
import { Reader } from '../../src/protocol/primitives';
import { InputOf, MessageSpec } from '../../src/protocol/schema';

/** API name → version → request body in hex. */
export type Fixtures = Record<string, Record<string, string>>;
export type Obj = Record<string, any>;

export function loadFixtures(file: string): Fixtures {
  return JSON.parse(readFileSync(path.join(__dirname, 'fixtures', file), 'utf8')) as Fixtures;
}

/** The versions each API's fixtures hold. */
export function fixtureVersions(fixtures: Fixtures): Record<string, number[]> {
  return Object.fromEntries(Object.entries(fixtures).map(([api, byV]) => [api, Object.keys(byV).map(Number)]));
}

/** [api, version, hex] for every fixture, for test.each. */
function fixtureCases(fixtures: Fixtures): [string, number, string][] {
  const out: [string, number, string][] = [];
  for (const [api, byVersion] of Object.entries(fixtures)) {
    for (const [v, hex] of Object.entries(byVersion)) out.push([api, Number(v), hex]);
  }
  return out;
}

/** The codecs of an API by its Kafka name ("Metadata", "JoinGroup"). */
function pairNamed(api: string): MessagePair {
  const pair = (Object.values(MESSAGES) as MessagePair[]).find((p) => p.request.spec.name === `${api}Request`);
  if (!pair) throw new Error(`no API named ${api}`);
  return pair;
}

/** Decodes a fixture, checks that every byte was consumed and that re-encoding gives the same bytes. */
function decodeFixture(api: string, version: number, hex: string): Obj {
  const codec = pairNamed(api).request;
  const buf = Buffer.from(hex, 'hex');
  const r = new Reader(buf);
  const value = codec.decode(r, version) as Obj;
  expect(r.remaining).toBe(0);
  expect(codec.encode(value, version).toString('hex')).toBe(hex);
  return value;
}

/** Checks of decoded fixtures: API name → (version, decoded value) → expectations. */
export type FixtureChecks = Record<string, (v: number, value: Obj) => void>;

/** One test per fixture (but those `skip` names): it decodes, re-encodes to the same bytes, and passes its API's check. */
export function testEachFixture(fixtures: Fixtures, checks: FixtureChecks, skip: (api: string, v: number) => boolean = () => false): void {
  const cases = fixtureCases(fixtures).filter(([api, v]) => !skip(api, v));
  test.each(cases)('%s v%i', (api, version, hex) => {
    checks[api](version, decodeFixture(api, version, hex));
  });
}

/** Encodes a response, checking that size() agrees with the bytes written. */
export function encode<S extends MessageSpec>(c: MessageCodec<S>, value: InputOf<S>, version: number): Buffer {
  const buf = c.encode(value, version);
  expect(c.size(value, version)).toBe(buf.length);
  return buf;
}

/** kafkajs's response decoder for an API (its directory name, "joinGroup") and version. */
export function kafkajsDecode(api: string, version: number): (buf: Buffer) => Promise<Obj> {
  return require(`kafkajs/src/protocol/requests/${api}/v${version}/response`).decode;
}

/** kafkajs reports a throttle time as broker-side up to `from`-1, client-side from `from` on (KIP-219). */
export function throttle(v: number, from: number, ms: number) {
  return v >= from ? { throttleTime: 0, clientSideThrottleTime: ms } : { throttleTime: ms };
}

/** platformatic prints UUIDs as dashed hex. */
export function dashed(uuid: string): string {
  return Buffer.from(uuid, 'base64url')
    .toString('hex')
    .replace(/(.{8})(.{4})(.{4})(.{4})(.{12})/, '$1-$2-$3-$4-$5');
}

/** A response body for one of platformatic's parseResponse functions (module: its export, "joinGroupV9"). */
export interface PltInput {
  module: string;
  apiKey: number;
  version: number;
  hex: string;
}

export interface PltCase extends PltInput {
  name: string;
  expected: Obj;
}

/** Collects platformatic cases: our encoding of `value`, and what the client must read from it. */
export class PltCases {
  readonly cases: PltCase[] = [];

  readonly add = <S extends MessageSpec>(name: string, module: string, c: MessageCodec<S>, version: number, value: InputOf<S>, expected: Obj): void => {
    this.cases.push({ name: `${name} v${version}`, module, apiKey: c.spec.apiKey!, version, hex: encode(c, value, version).toString('hex'), expected });
  };
}

/**
 * Runs platformatic's parsers over the inputs in one child process: for each, { response, remaining }
 * or { error, response? } (bigints as strings, Buffers as { hex }).
 */
export function platformaticParse(inputs: readonly PltInput[]): Obj[] {
  const script = path.join(__dirname, 'fixtures', 'platformatic-parse.mjs');
  const input = JSON.stringify(inputs.map(({ module, apiKey, version, hex }) => ({ module, apiKey, version, hex })));
  return JSON.parse(execFileSync(process.execPath, [script], { input, cwd: path.join(__dirname, '..', '..') }).toString());
}
