"""Two librdkafka consumers (confluent-kafka) in one group with a chosen
partition.assignment.strategy: they split the topic's partitions, then one
closes (LeaveGroup) and the other takes everything over.

usage: confluent_group_assignor.py BOOTSTRAP split '{"topic":..,"group":..,"strategy":..,"partitions":N}'
prints one JSON line: {"split": [[...],[...]], "after_close": [...], "seconds": {...}}
"""
import json
import sys
import time

from confluent_kafka import Consumer


def consumer(bootstrap, group, strategy):
    return Consumer({
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


if __name__ == '__main__':
    bootstrap, command, raw = sys.argv[1], sys.argv[2], sys.argv[3]
    {'split': split}[command](bootstrap, json.loads(raw))
