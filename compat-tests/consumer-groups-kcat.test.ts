/**
 * kcat's balanced consumer (`kcat -G group topic`, librdkafka 2.0.2) against
 * the broker as a real process: it joins the group, is assigned every
 * partition, auto-commits what it consumed (on librdkafka's 5 s timer, and
 * once more as it closes), and the next run of the same group resumes there.
 * The commits are checked through kafkajs's admin client as well.
 *
 * kcat cannot shorten the auto-commit timer: `-X auto.commit.interval.ms=N`
 * lands in the legacy topic-level property of that name (`-X dump` shows the
 * global one still at 5000), so the commits checked here are the one kcat
 * makes as it closes (-e, -c, SIGTERM) and, for a running member, the timer's
 * first one after 5 s.
 */
import { spawn } from 'node:child_process';
import { AssignerProtocol } from 'kafkajs';
import { useBroker, useKafkajsClients } from './helpers/broker-process';
import { kcat } from './helpers/kcat';

const TEST_TIMEOUT = 40000;
const broker = useBroker({}, TEST_TIMEOUT);

const clients = useKafkajsClients(broker, 'compat-kcat-groups', TEST_TIMEOUT);

/** Options for a group consumer that starts new groups at the beginning and auto-commits. */
const GROUP_OPTS = ['-X', 'auto.offset.reset=earliest', '-X', 'enable.auto.commit=true', '-X', 'client.id=compat-kcat'];

interface Line {
  partition: number;
  offset: number;
  value: string;
}

function parse(stdout: string): Line[] {
  return stdout
    .split('\n')
    .filter((l) => l)
    .map((l) => {
      const [p, o, ...rest] = l.split(' ');
      return { partition: Number(p), offset: Number(o), value: rest.join(' ') };
    });
}

/** `kcat -G group topic` until the end of every partition (-e), optionally at most `count` records (-c). */
async function groupConsume(group: string, topic: string, count?: number): Promise<Line[]> {
  const args = ['-b', broker.current.bootstrap, '-G', group, topic, ...GROUP_OPTS, '-e', '-q', '-f', '%p %o %s\n'];
  if (count !== undefined) args.push('-c', String(count));
  const out = await kcat(args, undefined, 20000);
  expect([out.code, problems(out.stderr)]).toEqual([0, []]);
  return parse(out.stdout);
}

/**
 * What kcat wrote on stderr, but for the CONFWARN librdkafka prints because
 * kcat -G itself sets the legacy topic property auto.commit.enable.
 */
function problems(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l && !/\|CONFWARN\|.*auto\.commit\.enable is deprecated/.test(l));
}

async function produce(topic: string, partitions: number[], perPartition: number, tag: string): Promise<Line[]> {
  const out: Line[] = [];
  for (const partition of partitions) {
    const values = Array.from({ length: perPartition }, (_, i) => `${tag}-p${partition}-${i}`);
    const [meta] = await clients.producer.send({ topic, acks: -1, messages: values.map((value) => ({ partition, value })) });
    values.forEach((value, i) => out.push({ partition, offset: Number(meta.baseOffset) + i, value }));
  }
  return out;
}

async function committed(group: string, topic: string): Promise<Record<number, string>> {
  const [t] = await clients.admin.fetchOffsets({ groupId: group, topics: [topic] });
  return Object.fromEntries(t.partitions.map((p) => [p.partition, p.offset]));
}

const byPosition = (a: Line, b: Line) => a.partition - b.partition || a.offset - b.offset;

test('kcat -G consumes every partition, commits, and its next run resumes with only the new records', async () => {
  const topic = 'kcat-group';
  const group = 'g-kcat';
  await clients.admin.createTopics({ topics: [{ topic, numPartitions: 3 }] });
  const first = await produce(topic, [0, 1, 2], 5, 'first');

  const run1 = await groupConsume(group, topic);
  expect(run1.sort(byPosition)).toEqual(first.sort(byPosition));
  // The final commit happens as kcat closes: the group is committed at the end offsets.
  expect(await committed(group, topic)).toEqual({ 0: '5', 1: '5', 2: '5' });
  const [g] = (await clients.admin.describeGroups([group])).groups;
  expect(g).toMatchObject({ groupId: group, state: 'Empty', protocolType: 'consumer', members: [] });
  expect((await clients.admin.listGroups()).groups).toContainEqual({ groupId: group, protocolType: 'consumer' });

  const second = await produce(topic, [0, 1, 2], 2, 'second');
  const run2 = await groupConsume(group, topic);
  expect(run2.sort(byPosition)).toEqual(second.sort(byPosition));
  expect(await committed(group, topic)).toEqual({ 0: '7', 1: '7', 2: '7' });

  // Nothing new: a third run reads nothing and leaves the offsets alone.
  expect(await groupConsume(group, topic)).toEqual([]);
  expect(await committed(group, topic)).toEqual({ 0: '7', 1: '7', 2: '7' });
}, TEST_TIMEOUT);

test('kcat -G -c N commits exactly the N records it consumed; the next run gets the rest, no record twice', async () => {
  const topic = 'kcat-group-count';
  const group = 'g-kcat-count';
  await clients.admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
  const sent = await produce(topic, [0, 1], 6, 'c');

  const part1 = await groupConsume(group, topic, 4);
  expect(part1).toHaveLength(4);
  // Committed: one past the last record consumed in each partition (-1: none consumed there).
  const expected: Record<number, string> = { 0: '-1', 1: '-1' };
  for (const l of part1) expected[l.partition] = String(Math.max(Number(expected[l.partition]), l.offset + 1));
  expect(await committed(group, topic)).toEqual(expected);

  const part2 = await groupConsume(group, topic);
  const all = [...part1, ...part2].sort(byPosition);
  expect(all).toEqual(sent.sort(byPosition));
  expect(await committed(group, topic)).toEqual({ 0: '6', 1: '6' });
}, TEST_TIMEOUT);

test('a running kcat -G member is seen by describeGroups with its assignment and leaves the group on SIGTERM', async () => {
  const topic = 'kcat-group-live';
  const group = 'g-kcat-live';
  await clients.admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
  const sent = await produce(topic, [0, 1], 3, 'live');
  const proc = spawn('kcat', ['-b', broker.current.bootstrap, '-G', group, topic, ...GROUP_OPTS, '-q', '-u', '-f', '%p %o %s\n'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d) => (stdout += d));
  proc.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  try {
    const deadline = Date.now() + 15000;
    while (parse(stdout).length < sent.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(parse(stdout).sort(byPosition)).toEqual(sent.sort(byPosition));

    const [g] = (await clients.admin.describeGroups([group])).groups;
    expect(g).toMatchObject({ groupId: group, state: 'Stable', protocolType: 'consumer' });
    // librdkafka offers range first, then roundrobin.
    expect(g.protocol).toBe('range');
    expect(g.members).toHaveLength(1);
    expect(g.members[0].clientId).toBe('compat-kcat');
    expect(g.members[0].memberId).toMatch(/^compat-kcat-/);
    expect(AssignerProtocol.MemberAssignment.decode(g.members[0].memberAssignment)?.assignment).toEqual({ [topic]: [0, 1] });
    // The auto-commit timer (5 s) commits while it runs.
    const deadline2 = Date.now() + 8000;
    let offs = await committed(group, topic);
    while (JSON.stringify(offs) !== JSON.stringify({ 0: '3', 1: '3' }) && Date.now() < deadline2) {
      await new Promise((r) => setTimeout(r, 100));
      offs = await committed(group, topic);
    }
    expect(offs).toEqual({ 0: '3', 1: '3' });

    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(problems(stderr)).toEqual([]);
    const [after] = (await clients.admin.describeGroups([group])).groups;
    expect(after).toMatchObject({ groupId: group, state: 'Empty', members: [] });
  } finally {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  }
}, TEST_TIMEOUT);
