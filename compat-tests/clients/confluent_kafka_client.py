"""confluent-kafka for Python (Debian python3-confluent-kafka, on librdkafka)
driven from the compat tests.

Usage: /usr/bin/python3 confluent_kafka_client.py BOOTSTRAP COMMAND [JSON-ARGS]

Prints one JSON document on stdout. A Kafka error is printed as
{"error": "<KafkaError name>", "message": "..."} with exit code 2.

The broker has no InitProducerId and no compression codecs: producers run
with enable.idempotence false and compression none. The consumers of consume
and offsets have a group.id (librdkafka wants one) but only assign() and
never commit; group_consume and group_split subscribe() as members of a
consumer group.
"""
import json
import sys
import time

from confluent_kafka import (Consumer, KafkaError, KafkaException, Producer, TopicPartition,
                             OFFSET_BEGINNING, TIMESTAMP_CREATE_TIME, TIMESTAMP_LOG_APPEND_TIME)
from confluent_kafka.admin import AdminClient, NewTopic

DEADLINE_S = 20
TS_TYPES = {TIMESTAMP_CREATE_TIME: 'create', TIMESTAMP_LOG_APPEND_TIME: 'log_append'}


def base_conf(bootstrap):
    return {'bootstrap.servers': bootstrap, 'client.id': 'compat-confluent-kafka', 'log_level': 3}


def kafka_error(e):
    err = e.args[0] if e.args and isinstance(e.args[0], KafkaError) else None
    if err is None:
        return {'error': type(e).__name__, 'message': str(e)}
    return {'error': err.name(), 'message': err.str()}


def wait_all(futures):
    """{name: future} -> {name: None | error name}."""
    out = {}
    for name, f in futures.items():
        try:
            f.result(timeout=15)
            out[name] = None
        except KafkaException as e:
            out[name] = kafka_error(e)['error']
    return out


def cmd_create_topics(bootstrap, args):
    admin = AdminClient(base_conf(bootstrap))
    futures = admin.create_topics(
        [NewTopic(t['name'], num_partitions=t['partitions'], replication_factor=1) for t in args['topics']],
        operation_timeout=10, request_timeout=15)
    return {'results': wait_all(futures)}


def cmd_delete_topics(bootstrap, args):
    admin = AdminClient(base_conf(bootstrap))
    futures = admin.delete_topics(args['topics'], operation_timeout=10, request_timeout=15)
    return {'results': wait_all(futures)}


def cmd_list_topics(bootstrap, args):
    admin = AdminClient(base_conf(bootstrap))
    md = admin.list_topics(topic=args.get('topic'), timeout=10)
    topics = {}
    for name, t in md.topics.items():
        topics[name] = {
            'error': None if t.error is None else t.error.name(),
            'partitions': [
                {'id': p.id, 'leader': p.leader, 'replicas': list(p.replicas), 'isrs': list(p.isrs),
                 'error': None if p.error is None else p.error.name()}
                for p in sorted(t.partitions.values(), key=lambda p: p.id)
            ],
        }
    return {
        'brokers': sorted([{'id': b.id, 'host': b.host, 'port': b.port} for b in md.brokers.values()], key=lambda b: b['id']),
        'topics': topics,
    }


def enc(s):
    return None if s is None else s.encode('utf-8')


def dec(b):
    return None if b is None else b.decode('utf-8')


def cmd_produce(bootstrap, args):
    """args: {topic, acks, linger_ms?, conf?, messages: [{key, value, headers: [[k, v]], partition?, timestamp?}]}.
    Prints the delivery report of each message, in the order sent; conf adds
    librdkafka settings."""
    conf = base_conf(bootstrap)
    conf.update({
        'acks': str(args['acks']),
        'enable.idempotence': False,
        'compression.type': 'none',
        'linger.ms': args.get('linger_ms', 5),
        'message.send.max.retries': 0,
        'message.timeout.ms': 15000,
    })
    conf.update(args.get('conf') or {})
    producer = Producer(conf)
    reports = [None] * len(args['messages'])

    def on_delivery(i):
        def cb(err, msg):
            ts_type, ts = msg.timestamp()
            reports[i] = {
                'error': None if err is None else err.name(),
                'partition': msg.partition(),
                'offset': msg.offset(),
                'timestamp': ts,
                'timestamp_type': TS_TYPES.get(ts_type, ts_type),
            }
        return cb

    for i, m in enumerate(args['messages']):
        kwargs = {'value': enc(m['value']), 'key': enc(m.get('key')), 'on_delivery': on_delivery(i)}
        if m.get('headers'):
            kwargs['headers'] = [(k, enc(v)) for k, v in m['headers']]
        if m.get('partition') is not None:
            kwargs['partition'] = m['partition']
        if m.get('timestamp') is not None:
            kwargs['timestamp'] = m['timestamp']
        producer.produce(args['topic'], **kwargs)
        producer.poll(0)
    left = producer.flush(15)
    if left:
        raise RuntimeError('%d messages still undelivered' % left)
    return {'results': reports}


def consumer(bootstrap):
    conf = base_conf(bootstrap)
    conf.update({
        # librdkafka requires a group.id for a Consumer, but nothing here joins
        # the group: partitions are assigned by hand and nothing is committed.
        'group.id': 'compat-confluent-unused',
        'enable.auto.commit': False,
        'enable.auto.offset.store': False,
        'auto.offset.reset': 'earliest',
        'enable.partition.eof': True,
        'fetch.wait.max.ms': 200,
    })
    return Consumer(conf)


def partitions_of(c, topic):
    md = c.list_topics(topic, timeout=10)
    t = md.topics[topic]
    if t.error is not None:
        raise KafkaException(t.error)
    return sorted(t.partitions.keys())


def cmd_consume(bootstrap, args):
    """args: {topic, start?: {partition: offset}, wait_high?}. Assigns every partition at
    the beginning (or at the given offsets) and reads until each one reports
    end of partition at its high watermark."""
    c = consumer(bootstrap)
    try:
        topic = args['topic']
        start = args.get('start') or {}
        parts = partitions_of(c, topic)
        c.assign([TopicPartition(topic, p, start.get(str(p), OFFSET_BEGINNING)) for p in parts])
        # wait_high: {partition: offset} to wait for (records sent with acks 0).
        wait_high = {int(p): o for p, o in (args.get('wait_high') or {}).items()}
        until = time.time() + 10
        while True:
            high = {p: c.get_watermark_offsets(TopicPartition(topic, p), timeout=10, cached=False)[1] for p in parts}
            if all(high[p] >= wait_high.get(p, 0) for p in parts) or time.time() > until:
                break
            time.sleep(0.1)
        at_end = set()
        records = []
        deadline = time.time() + DEADLINE_S
        while len(at_end) < len(parts):
            if time.time() > deadline:
                raise RuntimeError('partitions %s never reached the end (high watermarks %s)' % (set(parts) - at_end, high))
            msg = c.poll(0.5)
            if msg is None:
                continue
            if msg.error() is not None:
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    if msg.offset() >= high[msg.partition()]:
                        at_end.add(msg.partition())
                    continue
                raise KafkaException(msg.error())
            ts_type, ts = msg.timestamp()
            records.append({
                'partition': msg.partition(),
                'offset': msg.offset(),
                'key': dec(msg.key()),
                'value': dec(msg.value()),
                'headers': [[k, dec(v)] for k, v in (msg.headers() or [])],
                'timestamp': ts,
                'timestamp_type': TS_TYPES.get(ts_type, ts_type),
            })
        return {'high': {str(p): o for p, o in high.items()}, 'records': records}
    finally:
        c.close()


def cmd_offsets(bootstrap, args):
    """args: {topic, times: [ms...]}: get_watermark_offsets of every partition
    (asked of the broker), and offsets_for_times for each target."""
    c = consumer(bootstrap)
    try:
        topic = args['topic']
        parts = partitions_of(c, topic)
        out = {'watermarks': {}, 'for_times': []}
        for p in parts:
            low, high = c.get_watermark_offsets(TopicPartition(topic, p), timeout=10, cached=False)
            out['watermarks'][str(p)] = [low, high]
        for t in args.get('times', []):
            found = c.offsets_for_times([TopicPartition(topic, p, t) for p in parts], timeout=10)
            for tp in found:
                if tp.error is not None:
                    raise KafkaException(tp.error)
            out['for_times'].append({str(tp.partition): tp.offset for tp in found})
        return out
    finally:
        c.close()


def group_consumer(bootstrap, group_id, extra=None):
    conf = base_conf(bootstrap)
    conf.update({
        'group.id': group_id,
        'auto.offset.reset': 'earliest',
        'enable.auto.commit': False,
        'session.timeout.ms': 6000,
        'heartbeat.interval.ms': 500,
        'fetch.wait.max.ms': 200,
    })
    conf.update(extra or {})
    return Consumer(conf)


def record_json(msg):
    return {'partition': msg.partition(), 'offset': msg.offset(), 'key': dec(msg.key()), 'value': dec(msg.value())}


def poll_record(c, timeout):
    """One record from poll(), None if there was none; raises a Kafka error."""
    msg = c.poll(timeout)
    if msg is None:
        return None
    if msg.error() is not None:
        if msg.error().code() == KafkaError._PARTITION_EOF:
            return None
        raise KafkaException(msg.error())
    return msg


def cmd_group_consume(bootstrap, args):
    """args: {topic, group_id, count, idle_ms?}. subscribe()s as a member of group_id
    (auto.offset.reset earliest, enable.auto.commit false), polls until it has count
    records, polls idle_ms longer to show that nothing else comes, then
    commit(asynchronous=False) and close(). Prints the records, the partitions
    on_assign gave it, what commit() returned and committed() afterwards."""
    c = group_consumer(bootstrap, args['group_id'])
    assigned = []
    try:
        topic = args['topic']
        c.subscribe([topic], on_assign=lambda consumer, parts: assigned.append(sorted(p.partition for p in parts)))
        records = []
        deadline = time.time() + DEADLINE_S
        while len(records) < args['count']:
            if time.time() > deadline:
                raise RuntimeError('got %d of %d records: %s' % (len(records), args['count'], records))
            msg = poll_record(c, 0.2)
            if msg is not None:
                records.append(record_json(msg))
        extra = []
        idle_until = time.time() + args.get('idle_ms', 0) / 1000.0
        while time.time() < idle_until:
            msg = poll_record(c, 0.1)
            if msg is not None:
                extra.append(record_json(msg))
        result = c.commit(asynchronous=False)
        parts = c.assignment()
        committed = c.committed(parts, timeout=10)
        return {
            'records': records,
            'extra': extra,
            'assignments': assigned,
            'commit_result': {str(tp.partition): tp.offset for tp in result if tp.error is None},
            'commit_errors': [tp.error.name() for tp in result if tp.error is not None],
            'committed': {str(tp.partition): tp.offset for tp in committed},
        }
    finally:
        c.close()


def group_member(bootstrap, group_id, topic, name):
    """A consumer subscribed to topic as a member of group_id that keeps its
    on_assign/on_revoke history ('events'), its current share ('current') and the
    records it polled ('records')."""
    m = {'name': name, 'events': [], 'current': [], 'records': []}

    def on_assign(consumer, parts):
        added = sorted(p.partition for p in parts)
        m['current'] = sorted(set(m['current']) | set(added))
        m['events'].append(['assign', added])

    def on_revoke(consumer, parts):
        taken = sorted(p.partition for p in parts)
        m['current'] = sorted(set(m['current']) - set(taken))
        m['events'].append(['revoke', taken])

    m['consumer'] = group_consumer(bootstrap, group_id, {'client.id': 'compat-confluent-' + name})
    m['consumer'].subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
    return m


def poll_until(members, done, what):
    """Polls every member in turn (keeping what records come) until done()."""
    deadline = time.time() + DEADLINE_S
    while not done():
        if time.time() > deadline:
            raise RuntimeError('no %s: %s' % (what, {m['name']: m['events'] for m in members}))
        for m in members:
            msg = poll_record(m['consumer'], 0.05)
            if msg is not None:
                m['records'].append(record_json(msg))


def split(members, n):
    """True when every member has a non-empty share and the shares split partitions 0..n-1."""
    shares = [m['current'] for m in members]
    return all(shares) and sorted(p for s in shares for p in s) == list(range(n))


def produce_each(bootstrap, topic, n, per_partition, tag):
    producer = Producer(dict(base_conf(bootstrap), **{'enable.idempotence': False, 'linger.ms': 5}))
    for p in range(n):
        for i in range(per_partition):
            producer.produce(topic, value=('%s-p%d-%d' % (tag, p, i)).encode(), partition=p)
    if producer.flush(15):
        raise RuntimeError('records still undelivered')


def member_json(m):
    # Copies: close() revokes everything and would add to the events.
    return {'events': list(m['events']), 'assignment': list(m['current']), 'records': list(m['records'])}


def cmd_group_split(bootstrap, args):
    """args: {topic, group_id, partitions, per_partition}. Two consumers of
    one group subscribe to topic, the second once the first has formed the group
    alone; both are polled until each has a non-empty share and the shares split
    the topic's partitions. Then per_partition records are produced to each
    partition and both are polled until every record came. Prints each consumer's
    on_assign/on_revoke history, its final share and the records it got."""
    topic, n = args['topic'], args['partitions']
    members = []
    try:
        members.append(group_member(bootstrap, args['group_id'], topic, 'c1'))
        poll_until(members, lambda: members[0]['current'], 'assignment for c1')
        members.append(group_member(bootstrap, args['group_id'], topic, 'c2'))
        poll_until(members, lambda: split(members, n), 'split')
        produce_each(bootstrap, topic, n, args['per_partition'], 'split')
        want = n * args['per_partition']
        poll_until(members, lambda: sum(len(m['records']) for m in members) >= want, '%d records' % want)
        return {m['name']: member_json(m) for m in members}
    finally:
        for m in members:
            m['consumer'].close()


COMMANDS = {
    'create_topics': cmd_create_topics,
    'delete_topics': cmd_delete_topics,
    'list_topics': cmd_list_topics,
    'produce': cmd_produce,
    'consume': cmd_consume,
    'offsets': cmd_offsets,
    'group_consume': cmd_group_consume,
    'group_split': cmd_group_split,
}


def main():
    bootstrap, command = sys.argv[1], sys.argv[2]
    args = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    try:
        result = COMMANDS[command](bootstrap, args)
    except KafkaException as e:
        print(json.dumps(kafka_error(e)))
        sys.exit(2)
    print(json.dumps(result))


if __name__ == '__main__':
    main()
