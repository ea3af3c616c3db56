"""kafka-python (Debian python3-kafka) driven from the compat tests.

Usage: /usr/bin/python3 kafka_python_client.py BOOTSTRAP COMMAND [JSON-ARGS]

Prints one JSON document on stdout. A Kafka error from the client is printed
as {"error": "<exception class>", "message": "..."} with exit code 2.

The broker has no InitProducerId and no compression codecs: producers run
without idempotence (kafka-python 2.0 has none) and with compression none.
Consumers use assign() without a group, except group_consume, which
subscribes as a member of a consumer group and commits by hand.
"""
import json
import sys
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import KafkaError

DEADLINE_S = 20


def admin(bootstrap):
    return KafkaAdminClient(bootstrap_servers=bootstrap, client_id='compat-kafka-python', request_timeout_ms=10000)


def cmd_create_topics(bootstrap, args):
    client = admin(bootstrap)
    try:
        response = client.create_topics(
            [NewTopic(name=t['name'], num_partitions=t['partitions'], replication_factor=1) for t in args['topics']],
            timeout_ms=10000,
        )
        return {'topic_errors': [[e[0], e[1]] for e in response.topic_errors]}
    finally:
        client.close()


def cmd_list_topics(bootstrap, args):
    client = admin(bootstrap)
    try:
        return {'topics': sorted(client.list_topics())}
    finally:
        client.close()


def cmd_describe_topics(bootstrap, args):
    client = admin(bootstrap)
    try:
        out = []
        for t in client.describe_topics(args['topics']):
            out.append({
                'topic': t['topic'],
                'error_code': t['error_code'],
                'partitions': sorted(
                    [{'partition': p['partition'], 'leader': p['leader'], 'replicas': p['replicas'], 'isr': p['isr'],
                      'error_code': p['error_code']} for p in t['partitions']],
                    key=lambda p: p['partition']),
            })
        return {'topics': out}
    finally:
        client.close()


def cmd_delete_topics(bootstrap, args):
    client = admin(bootstrap)
    try:
        response = client.delete_topics(args['topics'], timeout_ms=10000)
        return {'topic_error_codes': [[e[0], e[1]] for e in response.topic_error_codes]}
    finally:
        client.close()


def enc(s):
    return None if s is None else s.encode('utf-8')


def dec(b):
    return None if b is None else b.decode('utf-8')


def cmd_produce(bootstrap, args):
    """args: {topic, acks, linger_ms?, messages: [{key, value, headers: [[k, v]], partition?, timestamp?}]}.
    Sends every message, flushes, and prints the RecordMetadata of each."""
    acks = args['acks']
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        client_id='compat-kafka-python',
        acks=acks,
        compression_type=None,
        linger_ms=args.get('linger_ms', 0),
        retries=0,
        request_timeout_ms=10000,
        max_block_ms=10000,
    )
    try:
        futures = []
        for m in args['messages']:
            futures.append(producer.send(
                args['topic'],
                value=enc(m['value']),
                key=enc(m.get('key')),
                headers=[(k, enc(v)) for k, v in m.get('headers', [])],
                partition=m.get('partition'),
                timestamp_ms=m.get('timestamp'),
            ))
        producer.flush(timeout=15)
        results = []
        for f in futures:
            md = f.get(timeout=15)
            results.append({'partition': md.partition, 'offset': md.offset, 'timestamp': md.timestamp})
        return {'results': results}
    finally:
        producer.close(timeout=5)


def consumer(bootstrap):
    # group_id None: no coordinator, no commits; partitions are assigned by hand.
    return KafkaConsumer(
        bootstrap_servers=bootstrap,
        client_id='compat-kafka-python',
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset='earliest',
        request_timeout_ms=11000,
        fetch_max_wait_ms=200,
    )


def partitions_of(c, topic):
    deadline = time.time() + DEADLINE_S
    while True:
        parts = c.partitions_for_topic(topic)
        if parts:
            return sorted(parts)
        if time.time() > deadline:
            raise RuntimeError('no partitions for %s' % topic)
        time.sleep(0.1)


def cmd_consume(bootstrap, args):
    """args: {topic, seek?: {partition: offset}, wait_end?}. Assigns every partition,
    seeks to the beginning (or to the given offsets), and polls until the
    position of every partition reaches its end offset."""
    c = consumer(bootstrap)
    try:
        topic = args['topic']
        tps = [TopicPartition(topic, p) for p in partitions_of(c, topic)]
        c.assign(tps)
        c.seek_to_beginning()
        for p, offset in (args.get('seek') or {}).items():
            c.seek(TopicPartition(topic, int(p)), offset)
        end = c.end_offsets(tps)
        # wait_end: {partition: offset} to wait for (records sent with acks 0).
        wait_end = {int(p): o for p, o in (args.get('wait_end') or {}).items()}
        until = time.time() + 10
        while any(end[tp] < wait_end.get(tp.partition, 0) for tp in tps) and time.time() < until:
            time.sleep(0.1)
            end = c.end_offsets(tps)
        records = []
        deadline = time.time() + DEADLINE_S
        while any(c.position(tp) < end[tp] for tp in tps):
            if time.time() > deadline:
                raise RuntimeError('positions %s never reached end offsets %s' % (
                    {tp.partition: c.position(tp) for tp in tps}, {tp.partition: o for tp, o in end.items()}))
            for tp, batch in c.poll(timeout_ms=500).items():
                for r in batch:
                    records.append({
                        'partition': r.partition,
                        'offset': r.offset,
                        'key': dec(r.key),
                        'value': dec(r.value),
                        'headers': [[k, dec(v)] for k, v in r.headers],
                        'timestamp': r.timestamp,
                        'timestamp_type': r.timestamp_type,
                    })
        return {'end_offsets': {str(tp.partition): o for tp, o in end.items()}, 'records': records}
    finally:
        c.close(autocommit=False)


def cmd_offsets(bootstrap, args):
    """args: {topic, times: [ms...]}: beginning_offsets, end_offsets, and
    offsets_for_times for each target timestamp on every partition."""
    c = consumer(bootstrap)
    try:
        topic = args['topic']
        tps = [TopicPartition(topic, p) for p in partitions_of(c, topic)]
        out = {
            'beginning': {str(tp.partition): o for tp, o in c.beginning_offsets(tps).items()},
            'end': {str(tp.partition): o for tp, o in c.end_offsets(tps).items()},
            'for_times': [],
        }
        for t in args.get('times', []):
            found = c.offsets_for_times({tp: t for tp in tps})
            out['for_times'].append({
                str(tp.partition): (None if ot is None else {'offset': ot.offset, 'timestamp': ot.timestamp})
                for tp, ot in found.items()
            })
        return out
    finally:
        c.close(autocommit=False)


def record_json(r):
    return {'partition': r.partition, 'offset': r.offset, 'key': dec(r.key), 'value': dec(r.value)}


def cmd_group_consume(bootstrap, args):
    """args: {topic, group_id, count, commit?, idle_ms?}. Subscribes to topic as a member of
    group_id (enable_auto_commit False, auto_offset_reset earliest), polls until it
    has count records (never more: max_records), polls idle_ms longer to show that
    nothing else comes, commit()s if asked, and prints the records, its assignment
    and committed() of each assigned partition; closes without committing again."""
    c = KafkaConsumer(
        bootstrap_servers=bootstrap,
        client_id='compat-kafka-python-group',
        group_id=args['group_id'],
        enable_auto_commit=False,
        auto_offset_reset='earliest',
        session_timeout_ms=6000,
        heartbeat_interval_ms=500,
        request_timeout_ms=11000,
        fetch_max_wait_ms=200,
    )
    try:
        topic = args['topic']
        c.subscribe([topic])
        records = []
        deadline = time.time() + DEADLINE_S
        while len(records) < args['count']:
            if time.time() > deadline:
                raise RuntimeError('got %d of %d records: %s' % (len(records), args['count'], records))
            for tp, batch in c.poll(timeout_ms=200, max_records=args['count'] - len(records)).items():
                records.extend(record_json(r) for r in batch)
        idle_until = time.time() + args.get('idle_ms', 0) / 1000.0
        extra = []
        while time.time() < idle_until:
            for tp, batch in c.poll(timeout_ms=100).items():
                extra.extend(record_json(r) for r in batch)
        assigned = sorted(c.assignment(), key=lambda tp: tp.partition)
        positions = {str(tp.partition): c.position(tp) for tp in assigned}
        if args.get('commit'):
            c.commit()
        return {
            'records': records,
            'extra': extra,
            'assignment': [tp.partition for tp in assigned],
            'positions': positions,
            'committed': {str(tp.partition): c.committed(tp) for tp in assigned},
        }
    finally:
        c.close(autocommit=False)


def cmd_group_admin(bootstrap, args):
    """args: {group_id, delete?}. KafkaAdminClient's view of a group:
    list_consumer_groups, describe_consumer_groups, list_consumer_group_offsets
    (every partition the group has offsets for: OffsetFetch with topics null),
    and delete_consumer_groups if delete."""
    client = admin(bootstrap)
    try:
        group_id = args['group_id']
        [desc] = client.describe_consumer_groups([group_id])
        offsets = client.list_consumer_group_offsets(group_id)
        out = {
            'groups': sorted([list(g) for g in client.list_consumer_groups()]),
            'describe': {'error_code': desc.error_code, 'state': desc.state, 'protocol_type': desc.protocol_type,
                         'protocol': desc.protocol, 'members': len(desc.members)},
            'offsets': sorted([[tp.topic, tp.partition, om.offset, om.metadata] for tp, om in offsets.items()]),
        }
        if args.get('delete'):
            out['deleted'] = [[g, e.__name__] for g, e in client.delete_consumer_groups([group_id])]
        return out
    finally:
        client.close()


COMMANDS = {
    'create_topics': cmd_create_topics,
    'list_topics': cmd_list_topics,
    'describe_topics': cmd_describe_topics,
    'delete_topics': cmd_delete_topics,
    'produce': cmd_produce,
    'consume': cmd_consume,
    'offsets': cmd_offsets,
    'group_consume': cmd_group_consume,
    'group_admin': cmd_group_admin,
}


def main():
    bootstrap, command = sys.argv[1], sys.argv[2]
    args = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    try:
        result = COMMANDS[command](bootstrap, args)
    except KafkaError as e:
        print(json.dumps({'error': type(e).__name__, 'message': str(e)}))
        sys.exit(2)
    print(json.dumps(result))


if __name__ == '__main__':
    main()
