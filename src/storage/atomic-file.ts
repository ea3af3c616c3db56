/**
 * Whole-file replacement that survives a crash at any moment: write a
 * temporary file next to the target, fsync it, rename it over the target,
 * then fsync the directory so the rename itself is durable. Readers see the
 * old content or the new, never a mix. Leftover `*.tmp` files mean a crash
 * happened before the rename; they can be deleted.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

let counter = 0;

function tmpPathFor(target: string): string {
  counter = (counter + 1) % 1_000_000;
  return `${target}.${process.pid}.${counter}.tmp`;
}

export async function writeFileAtomic(target: string, data: string | Buffer): Promise<void> {
  const tmp = tmpPathFor(target);
  try {
    const fh = await fs.promises.open(tmp, 'w', 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.promises.rename(tmp, target);
  } catch (err) {
    await fs.promises.unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fsyncDir(path.dirname(target));
}

export function writeFileAtomicSync(target: string, data: string | Buffer): void {
  const tmp = tmpPathFor(target);
  try {
    const fd = fs.openSync(tmp, 'w', 0o644);
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, target);
  } catch (err) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw err;
  }
  fsyncDirSync(path.dirname(target));
}

/** fsync a directory so that file creations, renames and deletions in it are durable. */
export async function fsyncDir(dir: string): Promise<void> {
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(dir, 'r');
  } catch {
    return; // some platforms cannot open directories; nothing more to do there
  }
  try {
    await fh.sync();
  } catch {
    // EINVAL/EISDIR on file systems that do not support syncing directories
  } finally {
    await fh.close();
  }
}

export function fsyncDirSync(dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fs.fsyncSync(fd);
  } catch {
    // see fsyncDir
  } finally {
    fs.closeSync(fd);
  }
}
