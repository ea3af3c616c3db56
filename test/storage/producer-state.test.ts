import {
  InvalidProducerEpochError,
  lastSequence,
  NUM_BATCHES_TO_RETAIN,
  OutOfOrderSequenceError,
  ProducerBatch,
  ProducerStateManager,
} from '../../src/storage/producer-state';

const INT32_MAX = 2147483647;

/** A batch of `count` records of producer `pid` at `epoch` from sequence `seq`, placed at `offset`. */
function b(pid: bigint, epoch: number, seq: number, count: number, offset: number, ts = 1000): ProducerBatch {
  return { producerId: pid, epoch, firstSeq: seq, lastSeq: lastSequence(seq, count - 1), firstOffset: offset, lastOffset: offset + count - 1, maxTimestamp: ts };
}

/** check + stage + commit, as a successful append does. */
function append(m: ProducerStateManager, batch: ProducerBatch) {
  const r = m.check([batch]);
  if (r.kind === 'ok') {
    m.stage([batch]);
    m.commitStaged(batch);
  }
  return r;
}

describe('sequence rules', () => {
  test('a new producer may start at any sequence; then each batch must follow the last', () => {
    const m = new ProducerStateManager('t-0');
    expect(append(m, b(1n, 0, 42, 3, 0)).kind).toBe('ok');
    expect(append(m, b(1n, 0, 45, 2, 3)).kind).toBe('ok');
    expect(() => m.check([b(1n, 0, 48, 1, 5)])).toThrow(OutOfOrderSequenceError); // gap (47 expected)
    expect(() => m.check([b(1n, 0, 46, 1, 5)])).toThrow(OutOfOrderSequenceError); // overlap, not an exact duplicate
    expect(() => m.check([b(1n, 0, 10, 1, 5)])).toThrow(/Out of order sequence number for producer 1 at offset 5 in t-0: 10 \(incoming seq. number\), 46/);
    expect(append(m, b(1n, 0, 47, 1, 5)).kind).toBe('ok');
    // another producer id is independent
    expect(append(m, b(2n, 0, 7, 1, 6)).kind).toBe('ok');
  });

  test('an exact duplicate of any of the last five batches is answered with its offsets; older ones are out of order', () => {
    const m = new ProducerStateManager();
    for (let i = 0; i < 7; i++) expect(append(m, b(5n, 0, i * 2, 2, 100 + i * 2, 5000 + i)).kind).toBe('ok');
    for (let i = 2; i < 7; i++) {
      expect(m.check([b(5n, 0, i * 2, 2, 999)])).toEqual({
        kind: 'duplicate',
        batch: { firstSeq: i * 2, lastSeq: i * 2 + 1, firstOffset: 100 + i * 2, lastOffset: 101 + i * 2, maxTimestamp: 5000 + i },
      });
    }
    expect(NUM_BATCHES_TO_RETAIN).toBe(5);
    expect(() => m.check([b(5n, 0, 2, 2, 999)])).toThrow(OutOfOrderSequenceError); // batch 1 left the window
    // same first sequence, different length: not a duplicate
    expect(() => m.check([b(5n, 0, 12, 1, 999)])).toThrow(OutOfOrderSequenceError);
  });

  test('epochs: an older epoch is fenced, a new epoch starts at 0 and clears the window', () => {
    const m = new ProducerStateManager('t-3');
    expect(append(m, b(9n, 2, 0, 3, 0)).kind).toBe('ok');
    expect(() => m.check([b(9n, 1, 3, 1, 3)])).toThrow(InvalidProducerEpochError);
    expect(() => m.check([b(9n, 1, 0, 3, 3)])).toThrow(/Epoch of producer 9 at offset 3 in t-3 is 1, which is smaller than the last seen epoch 2/);
    expect(() => m.check([b(9n, 3, 3, 1, 3)])).toThrow(/Invalid sequence number for new epoch/);
    expect(append(m, b(9n, 3, 0, 1, 3)).kind).toBe('ok');
    // a duplicate of the old epoch's batch is not one any more: it is fenced
    expect(() => m.check([b(9n, 2, 0, 3, 4)])).toThrow(InvalidProducerEpochError);
    expect(m.activeProducers()).toEqual([{ producerId: 9n, epoch: 3, batches: [expect.objectContaining({ firstSeq: 0, lastSeq: 0 })], lastTimestamp: 1000 }]);
  });

  test('sequences wrap from Int32.MAX to 0', () => {
    expect(lastSequence(INT32_MAX - 1, 3)).toBe(1);
    expect(lastSequence(INT32_MAX, 0)).toBe(INT32_MAX);
    const m = new ProducerStateManager();
    expect(append(m, b(3n, 0, INT32_MAX - 2, 3, 0)).kind).toBe('ok'); // ends at MAX
    expect(() => m.check([b(3n, 0, INT32_MAX, 1, 3)])).toThrow(OutOfOrderSequenceError);
    expect(append(m, b(3n, 0, 0, 2, 3)).kind).toBe('ok');
    // a batch spanning the wrap
    expect(append(m, b(4n, 0, INT32_MAX - 1, 4, 5)).kind).toBe('ok');
    expect(m.check([b(4n, 0, INT32_MAX - 1, 4, 99)])).toEqual({ kind: 'duplicate', batch: expect.objectContaining({ firstSeq: INT32_MAX - 1, lastSeq: 1, firstOffset: 5 }) });
    expect(append(m, b(4n, 0, 2, 1, 9)).kind).toBe('ok');
  });

  test('the batches of one append are checked in order, and a failure changes nothing', () => {
    const m = new ProducerStateManager();
    expect(m.check([b(1n, 0, 0, 2, 0), b(1n, 0, 2, 2, 2)]).kind).toBe('ok');
    expect(() => m.check([b(1n, 0, 0, 2, 0), b(1n, 0, 3, 2, 2)])).toThrow(OutOfOrderSequenceError);
    expect(m.lastEntry(1n)).toBeUndefined();
  });
});

describe('staged (queued) and committed state', () => {
  test('queued batches are checked against; they count as written only once committed', () => {
    const m = new ProducerStateManager();
    const first = b(1n, 0, 0, 2, 0);
    const second = b(1n, 0, 2, 1, 2);
    m.stage([first]);
    expect(m.check([first])).toEqual({ kind: 'duplicate', batch: expect.objectContaining({ firstOffset: 0 }) });
    expect(m.check([second]).kind).toBe('ok');
    m.stage([second]);
    expect(m.activeProducers()).toEqual([]);
    m.commitStaged(first);
    expect(m.activeProducers()[0].batches.map((x) => x.firstSeq)).toEqual([0]);
    m.commitStaged(second);
    expect(m.activeProducers()[0].batches.map((x) => x.firstSeq)).toEqual([0, 2]);
    expect(m.lastEntry(1n)!.batches).toHaveLength(2);
  });

  test('a failed write discards what was queued: the retry is not mistaken for a duplicate', () => {
    const m = new ProducerStateManager();
    append(m, b(1n, 0, 0, 1, 0));
    const lost = b(1n, 0, 1, 1, 1);
    m.stage([lost]);
    m.discardStaged();
    expect(m.check([lost]).kind).toBe('ok');
    expect(m.lastEntry(1n)!.batches.map((x) => x.firstSeq)).toEqual([0]);
  });
});

describe('expiry', () => {
  test('producers idle for producer.id.expiration.ms (by their last batch timestamp) are forgotten; a forgotten producer may resume at any sequence', () => {
    const m = new ProducerStateManager();
    append(m, b(1n, 0, 0, 1, 0, 1_000));
    append(m, b(2n, 0, 0, 1, 1, 50_000));
    expect(m.removeExpired(60_000, 20_000)).toBe(1);
    expect(m.activeProducers().map((e) => e.producerId)).toEqual([2n]);
    expect(append(m, b(1n, 0, 77, 1, 2)).kind).toBe('ok');
    // queued producers are kept
    m.stage([b(2n, 0, 1, 1, 3, 50_001)]);
    expect(m.removeExpired(10_000_000, 20_000)).toBe(1);
    expect(m.activeProducers().map((e) => e.producerId)).toEqual([2n]);
  });
});
