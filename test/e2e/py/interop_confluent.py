"""confluent-kafka-python (librdkafka, Debian python3-confluent-kafka) against Tributary: one row of
the interop matrix.

Usage:
  interop_confluent.py BOOTSTRAP matrix TOPIC GROUP
  interop_confluent.py BOOTSTRAP produce TOPIC N PREFIX [COMPRESSION]
  interop_confluent.py BOOTSTRAP consume TOPIC N GROUP

Prints step lines and a last line 'RESULT <json>'; a failed check raises (non-zero exit).
Set DEBUG=1 to get librdkafka's protocol debug log on stderr.
"""
import json
import os
import sys
import time

import confluent_kafka
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

TIMEOUT = 20


def step(name):
    print('step:', name, flush=True)


def conf(bootstrap, **extra):
    c = {'bootstrap.servers': bootstrap, 'socket.timeout.ms': 10000}
    if os.environ.get('DEBUG'):
        c['debug'] = 'protocol,broker,cgrp,msg'
    c.update(extra)
    return c


def record(prefix, i):
    """The canonical record i shared by every client of the matrix (see interop-common.ts)."""
    key = f'key-{i % 6}'.encode()
    value = f'{prefix}-{i}'.encode() + bytes([0, 255, i % 256])
    headers = [('idx', str(i).encode()), ('bin', bytes([0, 1, 254]))]
    return key, value, headers


def as_json(m):
    return {
        'partition': m.partition(),
        'offset': m.offset(),
        'key': None if m.key() is None else m.key().hex(),
        'value': None if m.value() is None else m.value().hex(),
        'headers': [[k, None if v is None else v.hex()] for k, v in (m.headers() or [])],
    }


def produce(bootstrap, topic, n, prefix, start=0, compression='none'):
    producer = Producer(conf(bootstrap, **{'acks': 'all', 'linger.ms': 5, 'compression.type': compression}))
    placed = {}
    errors = []

    def delivered(err, msg, i):
        if err is not None:
            errors.append((i, err))
        else:
            placed[(msg.partition(), msg.offset())] = i

    for i in range(start, start + n):
        key, value, headers = record(prefix, i)
        producer.produce(topic, key=key, value=value, headers=headers, on_delivery=lambda err, msg, i=i: delivered(err, msg, i))
        producer.poll(0)
    left = producer.flush(TIMEOUT)
    assert left == 0 and not errors, (left, errors)
    assert len(placed) == n, placed
    return placed


def consume(bootstrap, topic, n, group):
    """Polls a group consumer until n records arrived (or the deadline), commits synchronously, closes."""
    consumer = Consumer(conf(bootstrap, **{'group.id': group, 'auto.offset.reset': 'earliest', 'enable.auto.commit': False,
                                           'session.timeout.ms': 10000, 'heartbeat.interval.ms': 1000}))
    consumer.subscribe([topic])
    got = []
    deadline = time.time() + TIMEOUT
    while len(got) < n and time.time() < deadline:
        m = consumer.poll(0.5)
        if m is None:
            continue
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                continue
            raise KafkaException(m.error())
        got.append(m)
    # A short extra poll shows nothing more than expected arrives.
    extra = consumer.poll(0.3)
    if extra is not None and not extra.error():
        got.append(extra)
    committed = {}
    if got:
        consumer.commit(asynchronous=False)
        for tp in consumer.committed(consumer.assignment(), timeout=TIMEOUT):
            committed[tp.partition] = tp.offset
    consumer.close()
    return got, committed


def check_records(got, placed, prefix):
    assert len(got) == len(placed), f'got {len(got)} records, expected {len(placed)}'
    for m in got:
        i = placed.get((m.partition(), m.offset()))
        assert i is not None, f'unexpected record at {m.partition()}/{m.offset()}'
        key, value, headers = record(prefix, i)
        assert m.key() == key and m.value() == value, (m.key(), m.value(), key, value)
        assert list(m.headers() or []) == headers, (m.headers(), headers)


def matrix(bootstrap, topic, group):
    out = {'librdkafka': confluent_kafka.libversion()[0]}
    admin = AdminClient(conf(bootstrap))

    step('metadata')
    md = admin.list_topics(timeout=TIMEOUT)
    port = int(bootstrap.rsplit(':', 1)[1])
    assert any(b.port == port for b in md.brokers.values()), md.brokers
    assert md.controller_id in md.brokers, md.controller_id
    out['clusterId'] = md.cluster_id

    step('create topic')
    assert admin.create_topics([NewTopic(topic, 3, 1)], request_timeout=TIMEOUT)[topic].result(timeout=TIMEOUT) is None
    try:
        admin.create_topics([NewTopic(topic, 3, 1)], request_timeout=TIMEOUT)[topic].result(timeout=TIMEOUT)
        raise AssertionError('second create_topics succeeded')
    except KafkaException as e:
        assert e.args[0].code() == KafkaError.TOPIC_ALREADY_EXISTS, e
    t = admin.list_topics(topic=topic, timeout=TIMEOUT).topics[topic]
    assert t.error is None and sorted(t.partitions) == [0, 1, 2], t
    assert all(p.leader in md.brokers for p in t.partitions.values())
    out['partitions'] = len(t.partitions)

    step('produce keyed records with headers')
    placed = produce(bootstrap, topic, 60, 'ck')
    out['partitionsUsed'] = sorted({p for p, _ in placed})

    step('group consume and commit')
    got, committed = consume(bootstrap, topic, 60, group)
    check_records(got, placed, 'ck')
    ends = {}
    for (p, o) in placed:
        ends[p] = max(ends.get(p, 0), o + 1)
    assert {p: committed.get(p) for p in ends} == ends, (committed, ends)

    step('resume from the committed offsets')
    more = produce(bootstrap, topic, 30, 'ck', 60)
    got, _ = consume(bootstrap, topic, 30, group)
    check_records(got, more, 'ck')
    out['resumed'] = len(got)
    return out


def main():
    bootstrap, command = sys.argv[1], sys.argv[2]
    if command == 'matrix':
        result = matrix(bootstrap, sys.argv[3], sys.argv[4])
    elif command == 'produce':
        compression = sys.argv[6] if len(sys.argv) > 6 else 'none'
        placed = produce(bootstrap, sys.argv[3], int(sys.argv[4]), sys.argv[5], 0, compression)
        result = {'placed': [[p, o, i] for (p, o), i in placed.items()]}
    elif command == 'consume':
        got, _ = consume(bootstrap, sys.argv[3], int(sys.argv[4]), sys.argv[5])
        result = {'records': [as_json(m) for m in got]}
    else:
        raise SystemExit(f'unknown command {command}')
    print('RESULT', json.dumps(result), flush=True)


if __name__ == '__main__':
    main()
