"""Config admin through kafka-python's KafkaAdminClient and confluent-kafka's
AdminClient, for compat-tests/configs.test.ts.

Usage: /usr/bin/python3 python_configs.py BOOTSTRAP COMMAND [JSON-ARGS]

Commands starting kp_ use kafka-python 2.0.2, ck_ confluent-kafka 1.7.0
(librdkafka 2.0.2; it has no incremental_alter_configs). Prints one JSON
document; a client exception is printed as {"error": ..., "message": ...}
with exit code 2.
"""
import json
import sys

DEADLINE_S = 15


# ------------------------------------------------------------------ kafka-python

def kp_admin(bootstrap):
    from kafka import KafkaAdminClient
    return KafkaAdminClient(bootstrap_servers=bootstrap, client_id='compat-configs-kafka-python', request_timeout_ms=10000)


def kp_resource(r):
    from kafka.admin import ConfigResource, ConfigResourceType
    return ConfigResource(ConfigResourceType[r['type']], r['name'], configs=r.get('configs'))


def kp_create_topic(bootstrap, args):
    """{name, partitions, configs}: create with topic configs."""
    from kafka.admin import NewTopic
    client = kp_admin(bootstrap)
    try:
        response = client.create_topics([NewTopic(name=args['name'], num_partitions=args.get('partitions', 1), replication_factor=1,
                                                  topic_configs=args.get('configs', {}))], timeout_ms=10000)
        return {'topic_errors': [[e[0], e[1]] for e in response.topic_errors]}
    finally:
        client.close()


def kp_describe(bootstrap, args):
    """{resources: [{type: TOPIC|BROKER, name}], synonyms}: DescribeConfigs v1 (kafka-python's highest)."""
    client = kp_admin(bootstrap)
    try:
        responses = client.describe_configs([kp_resource(r) for r in args['resources']], include_synonyms=args.get('synonyms', False))
        out = []
        for response in responses:
            for (error_code, error_message, resource_type, resource_name, entries) in response.resources:
                configs = {}
                for e in entries:
                    # v1: (name, value, read_only, source, is_sensitive, synonyms)
                    configs[e[0]] = {'value': e[1], 'read_only': e[2], 'source': e[3], 'synonyms': [[s[0], s[1], s[2]] for s in e[5]]}
                out.append({'error_code': error_code, 'error_message': error_message, 'type': resource_type, 'name': resource_name, 'configs': configs})
        return {'resources': out}
    finally:
        client.close()


def kp_alter(bootstrap, args):
    """{resources: [{type, name, configs: {k: v}}]}: AlterConfigs (replaces the whole set)."""
    client = kp_admin(bootstrap)
    try:
        response = client.alter_configs([kp_resource(r) for r in args['resources']])
        return {'resources': [[r[0], r[1], r[2], r[3]] for r in response.resources]}
    finally:
        client.close()


# ------------------------------------------------------------------ confluent-kafka

def ck_admin(bootstrap):
    from confluent_kafka.admin import AdminClient
    return AdminClient({'bootstrap.servers': bootstrap, 'client.id': 'compat-configs-confluent', 'log_level': 3})


def ck_resource(r):
    from confluent_kafka.admin import ConfigResource
    return ConfigResource(r['type'], r['name'], set_config=r.get('configs'))


def ck_error(e):
    from confluent_kafka import KafkaError
    err = e.args[0] if e.args and isinstance(e.args[0], KafkaError) else None
    if err is None:
        return {'error': type(e).__name__, 'message': str(e)}
    return {'error': err.name(), 'message': err.str()}


def ck_describe(bootstrap, args):
    """{resources: [{type: topic|broker, name}]}: {name: {configs: {k: {value, source, read_only, is_default}}} or {error}}."""
    from confluent_kafka import KafkaException
    client = ck_admin(bootstrap)
    futures = client.describe_configs([ck_resource(r) for r in args['resources']], request_timeout=DEADLINE_S)
    out = {}
    for res, f in futures.items():
        try:
            entries = f.result(timeout=DEADLINE_S)
            out[res.name] = {'configs': {k: {'value': v.value, 'source': int(v.source), 'read_only': v.is_read_only,
                                              'is_default': v.is_default,
                                              'synonyms': [[s.name, s.value, int(s.source)] for s in v.synonyms.values()]}
                                          for k, v in entries.items()}}
        except KafkaException as e:
            out[res.name] = ck_error(e)
    return out


def ck_alter(bootstrap, args):
    """{resources: [{type, name, configs}], validate_only}: {name: null | {error, message}}."""
    from confluent_kafka import KafkaException
    client = ck_admin(bootstrap)
    futures = client.alter_configs([ck_resource(r) for r in args['resources']], request_timeout=DEADLINE_S,
                                   validate_only=args.get('validate_only', False))
    out = {}
    for res, f in futures.items():
        try:
            f.result(timeout=DEADLINE_S)
            out[res.name] = None
        except KafkaException as e:
            out[res.name] = ck_error(e)
    return out


def ck_consume_timestamps(bootstrap, args):
    """{topic, count}: the (timestamp type, timestamp) of the first `count` records of partition 0."""
    from confluent_kafka import Consumer, TopicPartition
    import time
    c = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'compat-configs-unused', 'enable.auto.commit': False, 'log_level': 3})
    try:
        c.assign([TopicPartition(args['topic'], 0, 0)])
        out = []
        deadline = time.time() + DEADLINE_S
        while len(out) < args['count'] and time.time() < deadline:
            m = c.poll(0.5)
            if m is None or m.error():
                continue
            ts_type, ts = m.timestamp()
            out.append({'type': ts_type, 'timestamp': ts, 'value': m.value().decode()})
        return {'records': out}
    finally:
        c.close()


def ck_produce(bootstrap, args):
    """{topic, values, timestamp?}: produces and reports each delivery (error name or offset)."""
    from confluent_kafka import Producer
    p = Producer({'bootstrap.servers': bootstrap, 'log_level': 3, 'enable.idempotence': False, 'compression.type': 'none',
                  'message.send.max.retries': 0, 'linger.ms': 0})
    results = []

    def cb(err, msg):
        results.append({'error': err.name() if err else None, 'offset': msg.offset(), 'timestamp': msg.timestamp()})

    for v in args['values']:
        kwargs = {'timestamp': args['timestamp']} if 'timestamp' in args else {}
        p.produce(args['topic'], v.encode(), partition=0, on_delivery=cb, **kwargs)
        p.flush(DEADLINE_S)
    return {'results': results}


COMMANDS = {
    'kp_create_topic': kp_create_topic,
    'kp_describe': kp_describe,
    'kp_alter': kp_alter,
    'ck_describe': ck_describe,
    'ck_alter': ck_alter,
    'ck_consume_timestamps': ck_consume_timestamps,
    'ck_produce': ck_produce,
}


def main():
    bootstrap, command = sys.argv[1], sys.argv[2]
    args = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    try:
        result = COMMANDS[command](bootstrap, args)
    except Exception as e:  # a client error, reported to the test as data
        if type(e).__name__ == 'KafkaException':
            print(json.dumps(ck_error(e)))
        else:
            print(json.dumps({'error': type(e).__name__, 'message': str(e)}))
        sys.exit(2)
    print(json.dumps(result))


if __name__ == '__main__':
    main()
