import { FrameSplitter, FrameTooLargeError } from '../../src/server/frame-splitter';

function frame(body: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

const bodies = [Buffer.from('first frame'), Buffer.alloc(0), Buffer.from([1, 2, 3, 4, 5, 6, 7]), Buffer.alloc(300, 7)];
const stream = Buffer.concat(bodies.map(frame));

test('a stream split at every byte boundary yields the same frames', () => {
  for (let cut = 0; cut <= stream.length; cut++) {
    const s = new FrameSplitter(1024);
    const out = [...s.push(stream.subarray(0, cut)), ...s.push(stream.subarray(cut))];
    expect(out).toEqual(bodies);
  }
});

test('a stream split at every pair of boundaries yields the same frames', () => {
  const small = stream.subarray(0, 40);
  const expected = new FrameSplitter(1024).push(small);
  for (let a = 0; a <= small.length; a++) {
    for (let b = a; b <= small.length; b++) {
      const s = new FrameSplitter(1024);
      const out = [...s.push(small.subarray(0, a)), ...s.push(small.subarray(a, b)), ...s.push(small.subarray(b))];
      expect(out).toEqual(expected);
    }
  }
});

test('a stream fed one byte at a time yields the same frames', () => {
  const s = new FrameSplitter(1024);
  const out: Buffer[] = [];
  for (let i = 0; i < stream.length; i++) out.push(...s.push(stream.subarray(i, i + 1)));
  expect(out).toEqual(bodies);
});

test('a frame over the maximum is refused before its body arrives', () => {
  const s = new FrameSplitter(100);
  const header = Buffer.alloc(4);
  header.writeInt32BE(101);
  expect(() => s.push(header)).toThrow(FrameTooLargeError);
});

test('a negative size is refused, also when the prefix arrives in pieces', () => {
  const s = new FrameSplitter(100);
  expect(s.push(Buffer.from([0xff, 0xff]))).toEqual([]);
  expect(() => s.push(Buffer.from([0xff, 0xfe]))).toThrow(FrameTooLargeError);
});
