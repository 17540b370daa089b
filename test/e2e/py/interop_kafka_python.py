"""kafka-python (Debian python3-kafka 2.0.2) against Tributary: one row of the interop matrix.

Usage:
  interop_kafka_python.py BOOTSTRAP probe
  interop_kafka_python.py BOOTSTRAP matrix API_VERSION TOPIC GROUP
  interop_kafka_python.py BOOTSTRAP produce API_VERSION TOPIC N PREFIX
  interop_kafka_python.py BOOTSTRAP consume API_VERSION TOPIC N GROUP

API_VERSION is 'auto' (kafka-python probes the broker with ApiVersions and picks the newest
protocol it knows) or a forced broker version such as 0.10.1 or 0.9, which makes kafka-python
speak that broker's old requests (magic 0/1 messages, JoinGroup v0, ...). Prints step lines and a
last line 'RESULT <json>'; a failed check raises (non-zero exit) with the reason.
"""
import json
import sys
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

TIMEOUT = 20


def step(name):
    print('step:', name, flush=True)


def parse_version(text):
    return None if text == 'auto' else tuple(int(x) for x in text.split('.'))


def record(prefix, i, with_headers):
    """The canonical record i shared by every client of the matrix (see interop-common.ts)."""
    key = f'key-{i % 6}'.encode()
    value = f'{prefix}-{i}'.encode() + bytes([0, 255, i % 256])
    headers = [('idx', str(i).encode()), ('bin', bytes([0, 1, 254]))] if with_headers else []
    return key, value, headers


def as_json(r):
    return {
        'partition': r.partition,
        'offset': r.offset,
        'key': None if r.key is None else r.key.hex(),
        'value': None if r.value is None else r.value.hex(),
        'headers': [[k, None if v is None else v.hex()] for k, v in (r.headers or [])],
    }


def has_headers(api_version):
    # Record headers need magic 2 (Kafka 0.11+); kafka-python writes magic 0/1 below that.
    return api_version is None or api_version >= (0, 11)


def produce(bootstrap, api_version, topic, n, prefix, start=0):
    producer = KafkaProducer(bootstrap_servers=bootstrap, api_version=api_version, acks='all', linger_ms=5)
    with_headers = has_headers(producer.config['api_version'])
    futures = []
    for i in range(start, start + n):
        key, value, headers = record(prefix, i, with_headers)
        futures.append((i, producer.send(topic, key=key, value=value, headers=headers or None)))
    producer.flush(timeout=TIMEOUT)
    placed = {}
    for i, f in futures:
        md = f.get(timeout=TIMEOUT)
        placed[(md.partition, md.offset)] = i
    producer.close(timeout=TIMEOUT)
    return placed, with_headers


def consume(bootstrap, api_version, topic, n, group, commit=True):
    """Polls a group consumer until n records arrived (or the deadline), commits, closes."""
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, api_version=api_version, group_id=group,
                             auto_offset_reset='earliest', enable_auto_commit=False,
                             session_timeout_ms=10000, heartbeat_interval_ms=1000)
    got = []
    deadline = time.time() + TIMEOUT
    while len(got) < n and time.time() < deadline:
        for records in consumer.poll(timeout_ms=500).values():
            got.extend(records)
    # A short extra poll shows nothing more than expected arrives.
    for records in consumer.poll(timeout_ms=300).values():
        got.extend(records)
    if commit:
        consumer.commit()
    committed = {}
    for tp in consumer.assignment():
        committed[tp.partition] = consumer.committed(tp)
    inferred = consumer.config['api_version']
    consumer.close()
    return got, committed, inferred


def check_records(got, placed, prefix, with_headers):
    assert len(got) == len(placed), f'got {len(got)} records, expected {len(placed)}'
    for r in got:
        i = placed.get((r.partition, r.offset))
        assert i is not None, f'unexpected record at {r.partition}/{r.offset}'
        key, value, headers = record(prefix, i, with_headers)
        assert r.key == key and r.value == value, (r.key, r.value, key, value)
        assert list(r.headers or []) == headers, (r.headers, headers)


def probe(bootstrap):
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    # The ApiVersions ranges kafka-python recorded from its probe.
    conn = next(iter(admin._client._conns.values()))
    out = {
        'admin': list(admin.config['api_version']),
        'consumer': list(consumer.config['api_version']),
        'producer': list(producer.config['api_version']),
        'apiVersionsSeen': conn._api_versions is not None,
    }
    admin.close()
    consumer.close()
    producer.close()
    return out


def matrix(bootstrap, api_version, topic, group):
    out = {}
    step('metadata')
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, api_version=api_version)
    out['apiVersion'] = list(consumer.config['api_version'])
    brokers = consumer._client.cluster.brokers()
    host, port = bootstrap.rsplit(':', 1)
    assert any(b.port == int(port) for b in brokers), brokers
    assert isinstance(consumer.topics(), set)

    step('create topic')
    if api_version is None or api_version >= (0, 10, 1):
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, api_version=api_version)
        admin.create_topics([NewTopic(topic, 3, 1)], timeout_ms=TIMEOUT * 1000)
        try:
            admin.create_topics([NewTopic(topic, 3, 1)], timeout_ms=TIMEOUT * 1000)
            raise AssertionError('second create_topics succeeded')
        except TopicAlreadyExistsError:
            pass
        admin.close()
        out['createdBy'] = 'CreateTopics'
    else:
        # CreateTopics is Kafka 0.10.1+; older clients create topics through Metadata auto-creation.
        out['createdBy'] = 'auto-create'
    consumer.close()
    # A producer asks Metadata for this one topic, which creates it when the client is too old for
    # CreateTopics (auto.create.topics.enable); CreateTopics made it with 3 partitions otherwise.
    producer = KafkaProducer(bootstrap_servers=bootstrap, api_version=api_version)
    partitions = producer.partitions_for(topic)
    producer.close()
    assert partitions == {0, 1, 2}, partitions
    out['partitions'] = len(partitions)

    step('produce keyed records with headers')
    placed, with_headers = produce(bootstrap, api_version, topic, 60, 'kp', 0)
    out['headers'] = with_headers
    used = {p for p, _ in placed}
    assert len(used) >= 2, f'keys landed on partitions {used}'
    out['partitionsUsed'] = sorted(used)

    step('group consume and commit')
    got, committed, _ = consume(bootstrap, api_version, topic, 60, group)
    check_records(got, placed, 'kp', with_headers)
    ends = {}
    for (p, o) in placed:
        ends[p] = max(ends.get(p, 0), o + 1)
    assert {p: committed.get(p) for p in ends} == ends, (committed, ends)

    step('resume from the committed offsets')
    more, _ = produce(bootstrap, api_version, topic, 30, 'kp', 60)
    got, _, _ = consume(bootstrap, api_version, topic, 30, group)
    check_records(got, more, 'kp', with_headers)
    out['resumed'] = len(got)
    return out


def main():
    bootstrap, command = sys.argv[1], sys.argv[2]
    if command == 'probe':
        result = probe(bootstrap)
    elif command == 'matrix':
        result = matrix(bootstrap, parse_version(sys.argv[3]), sys.argv[4], sys.argv[5])
    elif command == 'produce':
        placed, with_headers = produce(bootstrap, parse_version(sys.argv[3]), sys.argv[4], int(sys.argv[5]), sys.argv[6])
        result = {'placed': [[p, o, i] for (p, o), i in placed.items()], 'headers': with_headers}
    elif command == 'consume':
        got, _, _ = consume(bootstrap, parse_version(sys.argv[3]), sys.argv[4], int(sys.argv[5]), sys.argv[6])
        result = {'records': [as_json(r) for r in got]}
    else:
        raise SystemExit(f'unknown command {command}')
    print('RESULT', json.dumps(result), flush=True)


if __name__ == '__main__':
    main()
