"""Two librdkafka consumers (confluent-kafka) in one group.

split: with a chosen partition.assignment.strategy they split the topic's
  partitions, then one closes (LeaveGroup) and the other takes everything over.
  '{"topic":..,"group":..,"strategy":..,"partitions":N}' ->
  {"split": [[...],[...]], "after_close": [...], "seconds": {...}}
static: both are static members (group.instance.id); one closes (a static
  member sends no LeaveGroup) and restarts under the same instance id: it gets
  its partitions back and the other member sees no rebalance.
  '{"topic":..,"group":..,"partitions":N}' ->
  {"before": [[...],[...]], "after": [[...],[...]], "rebalances_seen_by_a": N}
"""
import json
import sys
import time

from confluent_kafka import Consumer


def consumer(bootstrap, group, strategy, instance=None):
    extra = {'group.instance.id': instance} if instance else {}
    return Consumer({
        **extra,
        'bootstrap.servers': bootstrap,
        'group.id': group,
        'partition.assignment.strategy': strategy,
        'session.timeout.ms': 6000,
        'heartbeat.interval.ms': 300,
        'auto.offset.reset': 'earliest',
        'enable.auto.commit': False,
    })


def owned(c):
    return sorted(tp.partition for tp in c.assignment())


def poll_until(consumers, done, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for c in consumers:
            c.poll(0.05)
        if done():
            return True
    return False


def split(bootstrap, args):
    n = args['partitions']
    everything = list(range(n))
    a = consumer(bootstrap, args['group'], args['strategy'])
    b = consumer(bootstrap, args['group'], args['strategy'])
    started = time.time()
    a.subscribe([args['topic']])
    b.subscribe([args['topic']])

    def shared():
        pa, pb = owned(a), owned(b)
        return pa and pb and not set(pa) & set(pb) and sorted(pa + pb) == everything

    ok = poll_until([a, b], shared, 40)
    split_seconds = time.time() - started
    result = {'split': [owned(a), owned(b)], 'split_ok': ok}
    b.close()
    closed = time.time()
    ok = poll_until([a], lambda: owned(a) == everything, 40)
    result['after_close'] = owned(a)
    result['takeover_ok'] = ok
    result['seconds'] = {'split': round(split_seconds, 2), 'takeover': round(time.time() - closed, 2)}
    a.close()
    print(json.dumps(result))


def static(bootstrap, args):
    n = args['partitions']
    everything = list(range(n))
    events = []
    a = consumer(bootstrap, args['group'], 'range', 'instance-a')
    b = consumer(bootstrap, args['group'], 'range', 'instance-b')
    a.subscribe([args['topic']], on_assign=lambda c, ps: events.append('assign'), on_revoke=lambda c, ps: events.append('revoke'))
    b.subscribe([args['topic']])

    def shared(x, y):
        return lambda: owned(x) and owned(y) and sorted(owned(x) + owned(y)) == everything

    poll_until([a, b], shared(a, b), 40)
    before = [owned(a), owned(b)]
    seen = len(events)
    b.close()
    b2 = consumer(bootstrap, args['group'], 'range', 'instance-b')
    b2.subscribe([args['topic']])
    poll_until([a, b2], shared(a, b2), 20)
    # Keep both polling a while longer: a rebalance, if any, would show up now.
    poll_until([a, b2], lambda: False, 2)
    after = [owned(a), owned(b2)]
    print(json.dumps({'before': before, 'after': after, 'rebalances_seen_by_a': len(events) - seen}))
    a.close()
    b2.close()


if __name__ == '__main__':
    bootstrap, command, raw = sys.argv[1], sys.argv[2], sys.argv[3]
    {'split': split, 'static': static}[command](bootstrap, json.loads(raw))
