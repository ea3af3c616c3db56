"""Compressed produce and consume through the two Debian Python clients.

Usage: /usr/bin/python3 python_compression.py BOOTSTRAP COMMAND JSON-ARGS

  produce {"lib": "kafka-python"|"confluent", "topic", "codec", "records": [{key, value, headers: [[k, v]], timestamp}]}
      sends the records to partition 0 with compression_type=codec in one
      batch (linger), prints {"offsets": [...]}
  consume {"lib", "topic", "count"}
      reads partition 0 from offset 0 until `count` records, prints
      {"records": [{offset, key, value, headers, timestamp}]}

kafka-python 2.0.2 compresses snappy with the xerial framing (python3-snappy),
lz4 with python3-lz4's frame format and zstd with python3-zstandard;
confluent-kafka is librdkafka 2.0.2. A Kafka error prints
{"error": "<exception class>", "message": "..."} with exit code 2.
"""
import json
import sys
import time

DEADLINE_S = 20


def text(b):
    return None if b is None else b.decode('utf-8')


def produce_kafka_python(bootstrap, args):
    from kafka import KafkaProducer
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        client_id='compat-compression',
        compression_type=args['codec'],
        acks='all',
        linger_ms=50,
        api_version_auto_timeout_ms=10000,
    )
    try:
        futures = [
            producer.send(
                args['topic'],
                key=None if r.get('key') is None else r['key'].encode(),
                value=None if r.get('value') is None else r['value'].encode(),
                headers=[(k, v.encode()) for k, v in r.get('headers', [])],
                partition=0,
                timestamp_ms=r.get('timestamp'),
            )
            for r in args['records']
        ]
        producer.flush(timeout=DEADLINE_S)
        return {'offsets': [f.get(timeout=DEADLINE_S).offset for f in futures]}
    finally:
        producer.close(timeout=5)


def produce_confluent(bootstrap, args):
    from confluent_kafka import Producer
    producer = Producer({
        'bootstrap.servers': bootstrap,
        'client.id': 'compat-compression',
        'compression.type': args['codec'],
        'acks': 'all',
        'linger.ms': 50,
        'enable.idempotence': False,
    })
    offsets = {}
    errors = []

    def report(i):
        def cb(err, msg):
            if err is not None:
                errors.append(str(err))
            else:
                offsets[i] = msg.offset()
        return cb

    for i, r in enumerate(args['records']):
        kwargs = {'partition': 0, 'on_delivery': report(i), 'headers': [(k, v.encode()) for k, v in r.get('headers', [])]}
        if r.get('timestamp') is not None:
            kwargs['timestamp'] = r['timestamp']
        producer.produce(args['topic'], key=r.get('key'), value=r.get('value'), **kwargs)
    remaining = producer.flush(DEADLINE_S)
    if errors or remaining:
        return {'error': 'DeliveryError', 'message': '; '.join(errors) or f'{remaining} undelivered'}
    return {'offsets': [offsets[i] for i in range(len(args['records']))]}


def consume_kafka_python(bootstrap, args):
    from kafka import KafkaConsumer, TopicPartition
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, client_id='compat-compression', enable_auto_commit=False,
                             api_version_auto_timeout_ms=10000)
    try:
        tp = TopicPartition(args['topic'], 0)
        consumer.assign([tp])
        consumer.seek(tp, 0)
        out = []
        deadline = time.time() + DEADLINE_S
        while len(out) < args['count'] and time.time() < deadline:
            for msgs in consumer.poll(timeout_ms=500).values():
                for m in msgs:
                    out.append({'offset': m.offset, 'key': text(m.key), 'value': text(m.value),
                                'headers': [[k, text(v)] for k, v in (m.headers or [])], 'timestamp': m.timestamp})
        return {'records': out}
    finally:
        consumer.close()


def consume_confluent(bootstrap, args):
    from confluent_kafka import Consumer, TopicPartition
    consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'compat-compression-unused',
                         'enable.auto.commit': False, 'client.id': 'compat-compression'})
    try:
        consumer.assign([TopicPartition(args['topic'], 0, 0)])
        out = []
        deadline = time.time() + DEADLINE_S
        while len(out) < args['count'] and time.time() < deadline:
            m = consumer.poll(0.5)
            if m is None:
                continue
            if m.error():
                return {'error': 'KafkaError', 'message': str(m.error())}
            out.append({'offset': m.offset(), 'key': text(m.key()), 'value': text(m.value()),
                        'headers': [[k, text(v)] for k, v in (m.headers() or [])], 'timestamp': m.timestamp()[1]})
        return {'records': out}
    finally:
        consumer.close()


COMMANDS = {
    ('produce', 'kafka-python'): produce_kafka_python,
    ('produce', 'confluent'): produce_confluent,
    ('consume', 'kafka-python'): consume_kafka_python,
    ('consume', 'confluent'): consume_confluent,
}


def main():
    bootstrap, command, raw = sys.argv[1], sys.argv[2], sys.argv[3]
    args = json.loads(raw)
    try:
        result = COMMANDS[(command, args['lib'])](bootstrap, args)
    except Exception as e:  # a client error is a result to report, not a crash
        print(json.dumps({'error': type(e).__name__, 'message': str(e)}))
        sys.exit(2)
    print(json.dumps(result))
    sys.exit(2 if 'error' in result else 0)


if __name__ == '__main__':
    main()
