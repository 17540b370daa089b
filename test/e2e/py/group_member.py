"""One librdkafka (confluent-kafka-python) group member against Tributary, driven by a vitest test.

Usage: group_member.py BOOTSTRAP GROUP TOPIC STRATEGY [INSTANCE_ID]
STRATEGY is partition.assignment.strategy (range, roundrobin, cooperative-sticky). Prints one JSON
object per line: {"event": "assignment", "partitions": [...]} after every change of the member's
assignment (full set, also for incremental cooperative callbacks), {"event": "msg", "value": ...}
per consumed record, {"event": "error", ...} for consumer errors. Stops cleanly on "stop" or EOF
on stdin (close() leaves the group unless the member is static).
"""
import json
import sys
import threading

from confluent_kafka import Consumer

bootstrap, group, topic, strategy = sys.argv[1:5]
instance = sys.argv[5] if len(sys.argv) > 5 else None

conf = {
    'bootstrap.servers': bootstrap,
    'group.id': group,
    'partition.assignment.strategy': strategy,
    'session.timeout.ms': 10000,
    'heartbeat.interval.ms': 300,
    'auto.offset.reset': 'earliest',
    'enable.auto.commit': True,
    'auto.commit.interval.ms': 200,
    'topic.metadata.refresh.interval.ms': 1000,
}
if instance:
    conf['group.instance.id'] = instance

consumer = Consumer(conf)
owned = set()
cooperative = strategy == 'cooperative-sticky'


def emit(obj):
    print(json.dumps(obj), flush=True)


def on_assign(c, partitions):
    global owned
    parts = {p.partition for p in partitions}
    owned = owned | parts if cooperative else parts
    emit({'event': 'assignment', 'partitions': sorted(owned), 'delta': sorted(parts), 'kind': 'assign'})


def on_revoke(c, partitions):
    global owned
    parts = {p.partition for p in partitions}
    owned = owned - parts if cooperative else set()
    emit({'event': 'assignment', 'partitions': sorted(owned), 'delta': sorted(parts), 'kind': 'revoke'})


stop = threading.Event()


def watch_stdin():
    for line in sys.stdin:
        if line.strip() == 'stop':
            break
    stop.set()


threading.Thread(target=watch_stdin, daemon=True).start()
consumer.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
emit({'event': 'started'})
while not stop.is_set():
    msg = consumer.poll(0.1)
    if msg is None:
        continue
    if msg.error():
        emit({'event': 'error', 'code': msg.error().code(), 'reason': msg.error().str()})
        continue
    emit({'event': 'msg', 'partition': msg.partition(), 'offset': msg.offset(), 'value': msg.value().decode()})
consumer.close()
emit({'event': 'closed'})
