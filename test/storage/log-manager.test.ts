import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { LogManager } from '../../src/storage/log-manager';
import { batch, captureLogger, cfg, cleanupTmpDirs, tmpDir } from './helpers';

afterAll(cleanupTmpDirs);

describe('LogManager', () => {
  test('locks the data directory against a second manager until closed', async () => {
    const dir = path.join(await tmpDir(), 'data', 'nested');
    const a = new LogManager(dir);
    await a.init();
    expect(fs.readFileSync(path.join(dir, '.lock'), 'utf8').trim()).toBe(String(process.pid));
    const b = new LogManager(dir);
    await expect(b.init()).rejects.toThrow(/locked/);
    await a.close();
    expect(fs.existsSync(path.join(dir, '.lock'))).toBe(false);
    await b.init();
    await b.close();
  });

  test('a lock left by a dead process is taken over', async () => {
    const dir = await tmpDir();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    fs.writeFileSync(path.join(dir, '.lock'), `${dead}\n`);
    const logger = captureLogger();
    const m = new LogManager(dir, logger);
    await m.init();
    expect(fs.readFileSync(path.join(dir, '.lock'), 'utf8').trim()).toBe(String(process.pid));
    expect(logger.warnings().some((w) => /stale/.test(w.msg ?? ''))).toBe(true);
    await m.close();
  });

  test('a lock held by another live process is refused', async () => {
    const dir = await tmpDir();
    fs.writeFileSync(path.join(dir, '.lock'), `${process.ppid}\n`);
    const m = new LogManager(dir);
    await expect(m.init()).rejects.toThrow(new RegExp(`locked by process ${process.ppid}`));
  });

  test('openLog caches, getLog/allLogs list, deleteLog removes the directory', async () => {
    const dir = await tmpDir();
    const m = new LogManager(dir);
    await m.init();
    expect(m.partitionDir('orders', 3)).toBe(path.join(dir, 'orders-3'));
    const [l1, l2] = await Promise.all([m.openLog('orders', 0, cfg()), m.openLog('orders', 0, cfg())]);
    expect(l1).toBe(l2);
    expect(await m.openLog('orders', 0, cfg())).toBe(l1);
    expect(m.getLog('orders', 0)).toBe(l1);
    expect(m.getLog('orders', 1)).toBeUndefined();
    const other = await m.openLog('orders', 1, cfg());
    expect([...m.allLogs()].map(([k]) => k).sort()).toEqual(['orders-0', 'orders-1']);
    await l1.append(batch(2));
    await other.append(batch(1));
    expect(fs.existsSync(path.join(dir, 'orders-0', '00000000000000000000.log'))).toBe(true);
    await m.deleteLog('orders', 0);
    expect(fs.existsSync(path.join(dir, 'orders-0'))).toBe(false);
    expect(m.getLog('orders', 0)).toBeUndefined();
    const fresh = await m.openLog('orders', 0, cfg());
    expect(fresh).not.toBe(l1);
    expect(fresh.logEndOffset).toBe(0);
    await m.close();
    // reopen: data of orders-1 is back
    const m2 = new LogManager(dir);
    await m2.init();
    expect((await m2.openLog('orders', 1, cfg())).logEndOffset).toBe(1);
    await m2.close();
  });

  test('applyRetention rolls and applies retention to every open log', async () => {
    const dir = await tmpDir();
    const m = new LogManager(dir);
    await m.init();
    const now = Date.now();
    const log = await m.openLog('t', 0, cfg({ retentionMs: 1000, segmentMs: 500 }));
    await log.append(batch(2, { ts: now - 10_000 }));
    await m.applyRetention(now);
    expect(log.logStartOffset).toBe(2);
    expect(await fsp.readdir(path.join(dir, 't-0'))).toEqual(
      expect.arrayContaining(['00000000000000000002.log']),
    );
    expect((await fsp.readdir(path.join(dir, 't-0'))).filter((f) => f.endsWith('.log'))).toHaveLength(1);
    await m.close();
  });
});
