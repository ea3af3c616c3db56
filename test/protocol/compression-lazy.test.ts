/**
 * The codec libraries load on first use (src/protocol/compression.ts): a
 * process that never sees a codec never loads it, and each codec still
 * round-trips when it is first needed. Every test takes a fresh module
 * registry, so it starts from a process that has loaded nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type CompressionModule = typeof import('../../src/protocol/compression');

function fresh(): CompressionModule {
  let mod: CompressionModule | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require('../../src/protocol/compression');
  });
  return mod!;
}

const text = Buffer.from('the same words, again and again: the same words, again and again. '.repeat(40));

test('nothing is loaded until a codec is used; gzip needs no library', () => {
  const c = fresh();
  expect(c.loadedCodecLibraries()).toEqual([]);
  expect(c.decompress(c.Compression.gzip, c.compress(c.Compression.gzip, text))).toEqual(text);
  expect(c.decompress(c.Compression.none, text)).toEqual(text);
  expect(c.loadedCodecLibraries()).toEqual([]);
  expect(c.zstdLoaded()).toBe(false);
});

test('snappy and lz4 load synchronously at their first use, each on its own', () => {
  const c = fresh();
  const s = c.compress(c.Compression.snappy, text);
  expect(c.loadedCodecLibraries()).toEqual(['snappy']);
  expect(c.decompress(c.Compression.snappy, s)).toEqual(text);
  const x = c.compress(c.Compression.snappy, text, { snappyFraming: 'xerial' });
  expect(c.isXerial(x)).toBe(true);
  expect(c.decompress(c.Compression.snappy, x)).toEqual(text);
  expect(c.decompress(c.Compression.lz4, c.compress(c.Compression.lz4, text))).toEqual(text);
  expect(c.loadedCodecLibraries()).toEqual(['snappy', 'lz4-napi']);
});

/** A zstd frame (written by libzstd) of ZSTD_TEXT. */
const ZSTD_FRAME = Buffer.from('KLUv/WAAAE0BAAQCenN0ZCBhcnJpdmVzIGJlZm9yZSBpdHMgbW9kdWxlOiABAOgOSj0B', 'base64');
const ZSTD_TEXT = Buffer.from('zstd arrives before its module: '.repeat(8));

// One registry only loads the zstd WASM module in this file's codec tests: the
// module's start-up state is shared between registries of one process.
test('zstd: decoded in pure JS before the module is there, which that first frame starts loading; compressing waits for it (loadCodecFor), and only zstd loads it', async () => {
  const c = fresh();
  expect(() => c.compress(c.Compression.zstd, text)).toThrow(/loadCodecs/);
  await c.loadCodecFor('gzip');
  await c.loadCodecFor(c.Compression.lz4);
  expect(c.zstdLoaded()).toBe(false);
  expect(c.decompress(c.Compression.zstd, ZSTD_FRAME)).toEqual(ZSTD_TEXT);
  expect(c.loadedCodecLibraries()).toEqual(['fzstd']);
  await c.loadCodecFor('zstd'); // the load the first frame started
  expect(c.zstdLoaded()).toBe(true);
  expect(c.decompress(c.Compression.zstd, ZSTD_FRAME)).toEqual(ZSTD_TEXT);
  expect(c.decompress(c.Compression.zstd, c.compress(c.Compression.zstd, text))).toEqual(text);
});

describe('a topic whose compression.type is zstd has the module loaded before it can take a produce', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kafkats-lazy-codecs-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A topic manager on `dir` in a fresh module registry (nothing loaded yet), with that registry's compression module. */
  async function freshTopics() {
    let m: {
      c: CompressionModule;
      TopicManager: typeof import('../../src/cluster/topic-manager').TopicManager;
      MetadataStore: typeof import('../../src/cluster/metadata-store').MetadataStore;
      LogManager: typeof import('../../src/storage/log-manager').LogManager;
    };
    jest.isolateModules(() => {
      /* eslint-disable @typescript-eslint/no-require-imports */
      m = {
        c: require('../../src/protocol/compression'),
        TopicManager: require('../../src/cluster/topic-manager').TopicManager,
        MetadataStore: require('../../src/cluster/metadata-store').MetadataStore,
        LogManager: require('../../src/storage/log-manager').LogManager,
      };
      /* eslint-enable @typescript-eslint/no-require-imports */
    });
    const logs = new m!.LogManager(dir);
    await logs.init();
    const topics = new m!.TopicManager(logs, new m!.MetadataStore(dir), {});
    await topics.load();
    return { c: m!.c, logs, topics };
  }

  test('created with it, and reopened with it', async () => {
    let { c, logs, topics } = await freshTopics();
    await topics.create('plain', { numPartitions: 1 });
    expect(c.zstdLoaded()).toBe(false);
    await topics.create('squeezed', { numPartitions: 1, configs: { 'compression.type': 'zstd' } });
    expect(c.zstdLoaded()).toBe(true);
    await logs.close();

    ({ c, logs } = await freshTopics()); // 'squeezed' reopens with zstd
    expect(c.zstdLoaded()).toBe(true);
    await logs.close();
  });

  test('altered to it', async () => {
    const { c, logs, topics } = await freshTopics();
    await topics.create('plain', { numPartitions: 1 });
    expect(c.zstdLoaded()).toBe(false);
    await topics.alterConfigs('plain', { 'compression.type': 'zstd' });
    expect(c.zstdLoaded()).toBe(true);
    expect(topics.get('plain')!.partitions[0].log.config.compressionType).toBe('zstd');
    await logs.close();
  });
});
