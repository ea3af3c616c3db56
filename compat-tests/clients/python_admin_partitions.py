"""kafka-python and confluent-kafka: adding partitions, seeing them, and
where keyed records land (each client's partitioner), for the compat tests.

Usage: /usr/bin/python3 python_admin_partitions.py BOOTSTRAP COMMAND [JSON-ARGS]

Prints one JSON document on stdout. A Kafka error from either client is
printed as {"error": "<name>", "message": "..."} with exit code 2.
kafka-python 2.0.2 has no describe_log_dirs and no delete_records;
confluent-kafka 1.7.0 has neither either (they came in 2.x).
"""
import json
import sys

from confluent_kafka import KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewPartitions
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError


class Failed(Exception):
    def __init__(self, name, message):
        super().__init__(message)
        self.name = name


def kp_create_partitions(bootstrap, args):
    from kafka.admin import NewPartitions as KpNewPartitions
    client = KafkaAdminClient(bootstrap_servers=bootstrap, client_id='compat-kp-admin', request_timeout_ms=10000)
    try:
        response = client.create_partitions(
            {args['topic']: KpNewPartitions(total_count=args['count'], new_assignments=args.get('assignments'))},
            timeout_ms=10000,
            validate_only=args.get('validate_only', False),
        )
        # kafka-python returns the raw response on success, [(topic, error_code, error_message)],
        # and raises the error's class (its text quoting the whole response) otherwise
        return {'results': [list(r) for r in response.topic_errors]}
    finally:
        client.close()


def kp_partitions(bootstrap, args):
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, client_id='compat-kp-meta')
    try:
        return {'partitions': sorted(consumer.partitions_for_topic(args['topic']) or [])}
    finally:
        consumer.close()


def kp_produce_keys(bootstrap, args):
    producer = KafkaProducer(bootstrap_servers=bootstrap, client_id='compat-kp-keys', acks='all')
    try:
        futures = [(k, producer.send(args['topic'], key=k.encode(), value=args['value'].encode())) for k in args['keys']]
        return {'placed': {k: f.get(timeout=20).partition for k, f in futures}}
    finally:
        producer.close()


def ck_admin(bootstrap):
    return AdminClient({'bootstrap.servers': bootstrap, 'client.id': 'compat-ck-admin'})


def ck_create_partitions(bootstrap, args):
    client = ck_admin(bootstrap)  # kept referenced until the futures resolve
    futures = client.create_partitions(
        [NewPartitions(args['topic'], args['count'])], validate_only=args.get('validate_only', False), request_timeout=10)
    for f in futures.values():
        try:
            f.result(timeout=20)
        except KafkaException as e:
            err = e.args[0]
            raise Failed(err.name(), err.str())
    return {'ok': True}


def ck_partitions(bootstrap, args):
    md = ck_admin(bootstrap).list_topics(topic=args['topic'], timeout=10)
    return {'partitions': sorted(md.topics[args['topic']].partitions.keys())}


def ck_produce_keys(bootstrap, args):
    conf = {'bootstrap.servers': bootstrap, 'client.id': 'compat-ck-keys', 'compression.type': 'none', 'linger.ms': 5}
    if args.get('partitioner'):
        conf['partitioner'] = args['partitioner']
    producer = Producer(conf)
    placed = {}
    errors = []

    def report(err, msg):
        if err is not None:
            errors.append(err.str())
        else:
            placed[msg.key().decode()] = msg.partition()

    for k in args['keys']:
        producer.produce(args['topic'], key=k.encode(), value=args['value'].encode(), on_delivery=report)
    left = producer.flush(20)
    if left or errors:
        raise Failed('ProduceFailed', '%d undelivered; %s' % (left, errors[:3]))
    return {'placed': placed}


COMMANDS = {
    'kp_create_partitions': kp_create_partitions,
    'kp_partitions': kp_partitions,
    'kp_produce_keys': kp_produce_keys,
    'ck_create_partitions': ck_create_partitions,
    'ck_partitions': ck_partitions,
    'ck_produce_keys': ck_produce_keys,
}


def main():
    bootstrap, command = sys.argv[1], sys.argv[2]
    args = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    try:
        result = COMMANDS[command](bootstrap, args)
    except KafkaError as e:
        print(json.dumps({'error': type(e).__name__, 'message': str(e)}))
        sys.exit(2)
    except Failed as e:
        print(json.dumps({'error': e.name, 'message': str(e)}))
        sys.exit(2)
    print(json.dumps(result))


if __name__ == '__main__':
    main()
