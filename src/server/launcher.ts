#!/usr/bin/env node
/**
 * dist/kafkats.js: starts the broker bundle (dist/kafkats-main.js, the
 * command line of cli.ts with everything it needs) through a V8 code cache,
 * so a start does not compile the ~1 MB bundle again.
 *
 * Compiling the bundle and the functions that run before the first answer
 * was about a fifth of the broker's start-up here. V8 can serialize what it
 * compiled ("code cache") and take it back on the next run. The cache is
 * written next to the bundle after the broker is ready, or at exit if it
 * stops sooner (atomically: a temp file, then a rename; errors such as a
 * read-only directory are ignored), and is named by the bundle's length and
 * CRC-32: V8 itself checks only the source's length, its own version and
 * flags, so a rebuilt bundle of the same length must never meet an old
 * cache. Nor does V8 check the cached data's integrity in release builds (a
 * damaged file crashes it), so the file carries a CRC-32 of the data,
 * checked before V8 sees it. (CRC-32 from node:zlib, not a SHA-256:
 * node:crypto's first hash costs several milliseconds of start-up.) A cache
 * that is damaged or that V8 rejects (another Node version) is rewritten; a
 * missing or unreadable one just means compiling, as a plain
 * `node dist/kafkats-main.js` does.
 *
 * The broker logs what happened (`codeCache`: used, none, rejected or off)
 * in its "ready" line. `--code-cache off` (KAFKATS_CODE_CACHE=off)
 * skips the cache.
 *
 * Only node built-ins here: this file is bundled on its own.
 */
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import * as path from 'node:path';
import { Script } from 'node:vm';
import * as zlib from 'node:zlib';

import type { main } from './cli';

export type CodeCacheOutcome = 'used' | 'rejected' | 'none' | 'off';

const MAIN = path.join(__dirname, 'kafkats-main.js');

function run(): void {
  const source = readFileSync(MAIN, 'utf8').replace(/^#!.*/, '');
  const off = codeCacheOff(process.argv.slice(2)) || crc32 === undefined;
  const cacheFile = path.join(__dirname, `.kafkats-main.${source.length.toString(16)}-${off ? 0 : (crc32!(source) >>> 0).toString(16)}.v8cache`);
  let cachedData: Buffer | undefined;
  let damaged = false;
  if (!off) {
    try {
      cachedData = readCache(cacheFile);
      damaged = cachedData === undefined;
    } catch {
      cachedData = undefined;
    }
  }
  const script = new Script(Module.wrap(source), { filename: MAIN, cachedData });
  const outcome: CodeCacheOutcome = off ? 'off' : damaged ? 'rejected' : cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'used';
  // the bundle's CommonJS wrapper, called as node would: its require resolves from the bundle's place
  const mod = { exports: {} as { main: typeof main } };
  const wrapper = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;
  wrapper.call(mod.exports, mod.exports, createRequire(MAIN), mod, MAIN, __dirname);
  let written = false;
  const writeCache = (): void => {
    if (written || outcome === 'used' || outcome === 'off') return;
    written = true;
    try {
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      const data = script.createCachedData();
      writeFileSync(tmp, cacheFileContents(data));
      renameSync(tmp, cacheFile);
      // the caches of earlier builds are of no use any more
      for (const f of readdirSync(__dirname)) {
        if (f.startsWith('.kafkats-main.') && f.endsWith('.v8cache') && f !== path.basename(cacheFile)) rmSync(path.join(__dirname, f), { force: true });
      }
    } catch {
      // a read-only install, a full disk: the next start compiles, as without a cache
    }
  };
  // what ran up to the first answers is compiled by then: kept for the next start, shortly after the broker is
  // ready, or at exit if it stops sooner (a start-up benchmark, a test)
  const onReady = (): void => void setTimeout(writeCache, 200).unref();
  process.once('exit', writeCache);
  void mod.exports.main(process.argv.slice(2), { onReady, codeCache: outcome });
}

/** --code-cache off (or =off), or KAFKATS_CODE_CACHE=off: the cli's own option, read here before it runs. */
function codeCacheOff(argv: string[]): boolean {
  const i = argv.findIndex((a) => a === '--code-cache' || a.startsWith('--code-cache='));
  if (i >= 0) return (argv[i].includes('=') ? argv[i].split('=')[1] : argv[i + 1]) === 'off';
  return process.env.KAFKATS_CODE_CACHE === 'off';
}

/**
 * zlib's CRC-32 (Node 20.15 and later; without it, no cache). Cheap next to
 * a cryptographic hash, whose first use costs milliseconds of OpenSSL start.
 */
const crc32 = (zlib as { crc32?: (data: string | Buffer) => number }).crc32;

/** The cache file: the CRC-32 of the V8 data (uint32), then the data. */
function cacheFileContents(data: Buffer): Buffer {
  const sum = Buffer.alloc(4);
  sum.writeUInt32BE(crc32!(data) >>> 0);
  return Buffer.concat([sum, data]);
}

/**
 * V8 does not check a code cache's integrity in release builds (a damaged
 * cache crashes the process while deserializing), so it is checked here:
 * undefined when the sum does not match.
 */
function readCache(file: string): Buffer | undefined {
  const raw = readFileSync(file);
  const data = raw.subarray(4);
  return raw.length > 4 && raw.readUInt32BE(0) === crc32!(data) >>> 0 ? data : undefined;
}

run();
