/**
 * The Fetch read-buffer pool: buffers are reused once released, never while
 * a lease (or a pending socket write) still holds them, reads larger than the
 * pool work, and the free memory it keeps is bounded.
 */
import { AddressInfo, Server, Socket, createServer, connect } from 'node:net';
import { ReadBufferPool, sizeClass } from '../../src/storage/read-buffer-pool';

const MIB = 1024 * 1024;

describe('ReadBufferPool', () => {
  test('a released buffer is handed out again for a read of the same size class', () => {
    const pool = new ReadBufferPool();
    const a = pool.lease();
    const first = a.alloc(MIB + 100);
    expect(first.length).toBe(MIB + 100);
    a.release();
    const b = pool.lease();
    const second = b.alloc(MIB + 5000); // same class (2 MiB)
    expect(second.buffer).toBe(first.buffer);
    expect(second.length).toBe(MIB + 5000);
  });

  test('a buffer still leased is never handed to another lease', () => {
    const pool = new ReadBufferPool();
    const a = pool.lease();
    const held = a.alloc(300_000);
    held.fill(7);
    for (let i = 0; i < 20; i++) {
      const l = pool.lease();
      const b = l.alloc(300_000);
      expect(b.buffer).not.toBe(held.buffer);
      b.fill(1);
      l.release();
    }
    expect(held.every((x) => x === 7)).toBe(true);
  });

  test('releasing a lease twice gives its buffers back once', () => {
    const pool = new ReadBufferPool();
    const a = pool.lease();
    a.alloc(100_000);
    a.release();
    a.release();
    const x = pool.lease().alloc(100_000);
    const y = pool.lease().alloc(100_000);
    expect(x.buffer).not.toBe(y.buffer);
    expect(() => a.alloc(10)).toThrow(/released/);
  });

  test('a read larger than the pooled sizes gets a buffer of its own, not kept after release', () => {
    const pool = new ReadBufferPool(64 * MIB, 4 * MIB);
    const l = pool.lease();
    const big = l.alloc(5 * MIB + 1);
    expect(big.length).toBe(5 * MIB + 1);
    l.release();
    expect(pool.idleBytes).toBe(0);
  });

  test('the free buffers it keeps stay within maxFreeBytes', () => {
    const pool = new ReadBufferPool(3 * MIB, 2 * MIB);
    const leases = Array.from({ length: 6 }, () => pool.lease());
    for (const l of leases) l.alloc(MIB);
    for (const l of leases) l.release();
    expect(pool.idleBytes).toBe(3 * MIB);
  });

  test('size classes: powers of two to 1 MiB, then whole MiB', () => {
    expect(sizeClass(1)).toBe(64 * 1024);
    expect(sizeClass(64 * 1024 + 1)).toBe(128 * 1024);
    expect(sizeClass(MIB)).toBe(MIB);
    expect(sizeClass(MIB + 1)).toBe(2 * MIB);
    expect(sizeClass(8 * MIB + 8253)).toBe(9 * MIB);
  });

  test('releaseWhenWritten: nothing to release for chunks not from the pool', () => {
    const pool = new ReadBufferPool();
    expect(pool.releaseWhenWritten([Buffer.alloc(10), Buffer.allocUnsafe(200_000)])).toBeUndefined();
  });

  describe('with a real socket', () => {
    let server: Server;
    let serverSide: Socket;
    let client: Socket;

    beforeEach(async () => {
      server = createServer();
      const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      client = connect((server.address() as AddressInfo).port, '127.0.0.1');
      client.pause();
      serverSide = await accepted;
    });

    afterEach(async () => {
      client.destroy();
      serverSide.destroy();
      await new Promise((resolve) => server.close(resolve));
    });

    test('a buffer is not reused while a socket write of it is pending, and is once the write completes', async () => {
      const pool = new ReadBufferPool();
      const lease = pool.lease();
      const size = 24 * MIB; // far more than the socket buffers take while the peer does not read
      const data = lease.alloc(size);
      for (let i = 0; i < size; i += 4) data.writeUInt32LE(i, i);
      const header = Buffer.from('head');
      const slice = data.subarray(0, size);
      let written = false;
      const release = pool.releaseWhenWritten([header, slice])!;
      expect(release).toBeDefined();
      serverSide.write(header);
      serverSide.write(slice, (err) => {
        release(err);
        written = true;
      });
      await new Promise((r) => setTimeout(r, 50));
      expect(written).toBe(false);
      // While the write is pending, other reads get other buffers, and scribble on them.
      for (let i = 0; i < 4; i++) {
        const other = pool.lease();
        const b = other.alloc(size);
        expect(b.buffer).not.toBe(data.buffer);
        b.fill(0xee);
        other.release();
      }
      // The peer reads everything: the bytes are the ones read, untouched.
      const got: Buffer[] = [];
      let n = 0;
      const all = new Promise<void>((resolve) =>
        client.on('data', (d: Buffer) => {
          got.push(d);
          n += d.length;
          if (n >= size + header.length) resolve();
        }),
      );
      client.resume();
      await all;
      const received = Buffer.concat(got);
      expect(received.subarray(0, 4).toString()).toBe('head');
      let bad = -1;
      for (let i = 0; i < size && bad < 0; i += 4) if (received.readUInt32LE(4 + i) !== i) bad = i;
      expect(bad).toBe(-1);
      await new Promise((r) => setImmediate(r));
      expect(written).toBe(true);
      // Written: the buffer is back in the pool.
      expect(pool.lease().alloc(size).buffer).toBe(data.buffer);
    });
  });
});
