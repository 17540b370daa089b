"""confluent-kafka-python (librdkafka) against a Tributary test cluster (startCluster), driven by
test/cluster/*-librdkafka.test.ts.

Usage:
  cluster_client.py BOOTSTRAP create TOPIC PARTITIONS REPLICATION_FACTOR
  cluster_client.py BOOTSTRAP produce TOPIC N       idempotent, values '0'..'N-1' in order, one partition
  cluster_client.py BOOTSTRAP consume TOPIC N GROUP [RACK]

Prints progress lines ('acked K', 'consumed K') and a last line 'RESULT <json>'; a failed check
raises (non-zero exit). Set DEBUG=1 for librdkafka's debug log on stderr.
"""
import json
import os
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic

TIMEOUT = 60


def conf(bootstrap, **extra):
    c = {'bootstrap.servers': bootstrap, 'socket.timeout.ms': 10000, 'topic.metadata.refresh.interval.ms': 1000}
    if os.environ.get('DEBUG'):
        c['debug'] = os.environ['DEBUG'] if os.environ['DEBUG'] != '1' else 'protocol,broker,topic,msg,fetch,eos'
    c.update(extra)
    return c


def result(obj):
    print('RESULT ' + json.dumps(obj), flush=True)


def create(bootstrap, topic, partitions, rf):
    admin = AdminClient(conf(bootstrap))
    futures = admin.create_topics([NewTopic(topic, num_partitions=int(partitions), replication_factor=int(rf))])
    futures[topic].result(TIMEOUT)
    md = admin.list_topics(topic, timeout=TIMEOUT).topics[topic]
    result({'partitions': [{'id': p.id, 'leader': p.leader, 'replicas': list(p.replicas), 'isrs': list(p.isrs)} for p in md.partitions.values()]})


def produce(bootstrap, topic, n):
    n = int(n)
    # Idempotence: retries are safe, so a leader that goes away must cost neither loss nor duplicates.
    p = Producer(conf(bootstrap, **{'enable.idempotence': True, 'linger.ms': 5, 'message.timeout.ms': 60000}))
    acked = []
    errors = []

    def on_delivery(err, msg):
        if err is not None:
            errors.append(str(err))
        else:
            acked.append(int(msg.value()))
            if len(acked) % 100 == 0:
                print('acked', len(acked), flush=True)

    for i in range(n):
        while True:
            try:
                p.produce(topic, value=str(i).encode(), partition=0, on_delivery=on_delivery)
                break
            except BufferError:
                p.poll(0.05)
        # Paced, so that the test can stop and start the leader while records are still in flight.
        p.poll(0.002)
    remaining = p.flush(TIMEOUT)
    if remaining != 0 or errors:
        raise SystemExit(f'{remaining} undelivered, errors: {errors[:5]}')
    result({'acked': len(acked), 'inOrder': acked == sorted(acked)})


def consume(bootstrap, topic, n, group, rack=None):
    n = int(n)
    extra = {'group.id': group, 'auto.offset.reset': 'earliest', 'enable.auto.commit': False}
    if rack:
        extra['client.rack'] = rack
    c = Consumer(conf(bootstrap, **extra))
    c.subscribe([topic])
    values = []
    deadline = time.time() + TIMEOUT
    while len(values) < n and time.time() < deadline:
        m = c.poll(0.5)
        if m is None:
            continue
        if m.error():
            raise KafkaException(m.error())
        values.append(m.value().decode())
        if len(values) % 100 == 0:
            print('consumed', len(values), flush=True)
    c.close()
    result({'values': values})


if __name__ == '__main__':
    bootstrap, command, *args = sys.argv[1:]
    {'create': create, 'produce': produce, 'consume': consume}[command](bootstrap, *args)
