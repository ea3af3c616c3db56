import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic, writeFileAtomicSync } from '../../src/storage/atomic-file';
import { cleanupTmpDirs, tmpDir } from './helpers';

afterAll(cleanupTmpDirs);

test('writeFileAtomic replaces the content and leaves no temporary file', async () => {
  const dir = await tmpDir();
  const p = path.join(dir, 'meta.json');
  await writeFileAtomic(p, '{"a":1}');
  expect(fs.readFileSync(p, 'utf8')).toBe('{"a":1}');
  await writeFileAtomic(p, Buffer.from('second'));
  expect(fs.readFileSync(p, 'utf8')).toBe('second');
  await Promise.all([writeFileAtomic(p, 'x'), writeFileAtomic(p, 'y')]);
  expect(['x', 'y']).toContain(fs.readFileSync(p, 'utf8'));
  expect(fs.readdirSync(dir)).toEqual(['meta.json']);
});

test('writeFileAtomicSync replaces the content and leaves no temporary file', async () => {
  const dir = await tmpDir();
  const p = path.join(dir, 'state');
  writeFileAtomicSync(p, 'one');
  writeFileAtomicSync(p, Buffer.from('two'));
  expect(fs.readFileSync(p, 'utf8')).toBe('two');
  expect(fs.readdirSync(dir)).toEqual(['state']);
});

test('a failed write leaves the old file and no temporary file', async () => {
  const dir = await tmpDir();
  const p = path.join(dir, 'f');
  await writeFileAtomic(p, 'old');
  await expect(writeFileAtomic(path.join(dir, 'missing', 'f'), 'new')).rejects.toThrow();
  expect(() => writeFileAtomicSync(path.join(dir, 'missing', 'f'), 'new')).toThrow();
  expect(fs.readFileSync(p, 'utf8')).toBe('old');
  expect(fs.readdirSync(dir)).toEqual(['f']);
});
