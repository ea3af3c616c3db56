"""confluent-kafka for Python (Debian python3-confluent-kafka, on librdkafka)
driven from the compat tests.

Usage: /usr/bin/python3 confluent_kafka_client.py BOOTSTRAP COMMAND [JSON-ARGS]

Prints one JSON document on stdout. A Kafka error is printed as
{"error": "<KafkaError name>", "message": "..."} with exit code 2.

The broker has no InitProducerId, no compression codecs and no consumer
groups: producers run with enable.idempotence false and compression none;
consumers have a group.id (librdkafka wants one) but only assign(), never
subscribe(), and never commit.
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


COMMANDS = {
    'create_topics': cmd_create_topics,
    'delete_topics': cmd_delete_topics,
    'list_topics': cmd_list_topics,
    'produce': cmd_produce,
    'consume': cmd_consume,
    'offsets': cmd_offsets,
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
