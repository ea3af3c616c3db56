"""The idempotent producer of confluent-kafka (librdkafka) and what
kafka-python 2.0.2 offers instead, driven from compat-tests/idempotence.test.ts.

Usage: /usr/bin/python3 python_idempotence.py BOOTSTRAP COMMAND [JSON-ARGS]

Commands:
  confluent_produce {"topic", "values", "batch", "batch_num_messages",
      "max_in_flight"}: an enable.idempotence=true producer sends the values
      in order (flushing every `batch` values, so each flush is one Produce
      request unless batch.num.messages splits it) and prints the delivery reports:
      {"delivered": [[value, partition, offset]...], "errors": [...]}.
  kafka_python_idempotence: tries KafkaProducer(enable_idempotence=True) and
      prints {"accepted": bool, "error": "..."}.
Prints one JSON document on stdout.
"""
import json
import sys


def confluent_produce(bootstrap, args):
    from confluent_kafka import Producer
    p = Producer({
        'bootstrap.servers': bootstrap,
        'client.id': 'compat-idempotence',
        'enable.idempotence': True,
        'linger.ms': 5,
        'retry.backoff.ms': 50,
        'log_level': 3,
        # small batches and several requests in flight (librdkafka allows up to 5 with idempotence)
        'batch.num.messages': args.get('batch_num_messages', 10000),
        'max.in.flight.requests.per.connection': args.get('max_in_flight', 5),
    })
    delivered, errors = [], []

    def report(err, msg):
        if err is not None:
            errors.append({'value': msg.value().decode(), 'error': err.name()})
        else:
            delivered.append([msg.value().decode(), msg.partition(), msg.offset()])

    batch = args.get('batch', 5)
    for i, v in enumerate(args['values']):
        p.produce(args['topic'], value=v.encode(), partition=0, on_delivery=report)
        if (i + 1) % batch == 0:
            left = p.flush(20)
            if left:
                errors.append({'value': v, 'error': 'flush left %d messages' % left})
    left = p.flush(20)
    if left:
        errors.append({'error': 'flush left %d messages' % left})
    return {'delivered': delivered, 'errors': errors}


def kafka_python_idempotence(bootstrap, args):
    from kafka import KafkaProducer
    try:
        producer = KafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    except Exception as e:  # kafka-python 2.0.2 rejects configs it does not know
        return {'accepted': False, 'error': '%s: %s' % (type(e).__name__, e)}
    producer.close()
    return {'accepted': True, 'error': None}


def main():
    bootstrap, command = sys.argv[1], sys.argv[2]
    args = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    fn = {'confluent_produce': confluent_produce, 'kafka_python_idempotence': kafka_python_idempotence}[command]
    print(json.dumps(fn(bootstrap, args)))


if __name__ == '__main__':
    main()
