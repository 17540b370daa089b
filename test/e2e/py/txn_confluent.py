# librdkafka (confluent-kafka-python) transactions against Tributary. Usage: txn_confluent.py BOOTSTRAP
# Commits one transaction and aborts another: read_committed sees only committed records,
# read_uncommitted sees both. A consume-transform-produce loop with send_offsets_to_transaction is
# exactly-once across a consumer restart and an aborted batch. A second producer with the same
# transactional.id fences the first. Exits non-zero with a message on the first mismatch.
import sys
import uuid
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

BOOT = sys.argv[1]
RUN = uuid.uuid4().hex[:8]
OUT, IN, EOS_OUT = f'py-out-{RUN}', f'py-in-{RUN}', f'py-eos-{RUN}'


def check(cond, msg):
    if not cond:
        print('FAIL:', msg, file=sys.stderr)
        sys.exit(1)


def create_topics():
    admin = AdminClient({'bootstrap.servers': BOOT})
    fs = admin.create_topics([NewTopic(t, 1, 1) for t in (OUT, IN, EOS_OUT)])
    for f in fs.values():
        f.result(20)


def producer(tid):
    p = Producer({'bootstrap.servers': BOOT, 'transactional.id': tid, 'transaction.timeout.ms': 60000})
    p.init_transactions(30)
    return p


def read_all(topic, isolation, group=None):
    c = Consumer({'bootstrap.servers': BOOT, 'group.id': group or f'reader-{uuid.uuid4().hex[:6]}', 'isolation.level': isolation,
                  'auto.offset.reset': 'earliest', 'enable.partition.eof': True, 'enable.auto.commit': False})
    c.assign([TopicPartition(topic, 0, 0)])
    out = []
    while True:
        m = c.poll(10)
        check(m is not None, f'timed out reading {topic} ({isolation}), got {out}')
        if m.error():
            if m.error().code() == -191:  # _PARTITION_EOF
                break
            check(False, f'consume error {m.error()}')
        out.append(m.value().decode())
    c.close()
    return out


create_topics()

# 1. commit one, abort one.
p = producer(f'py-tx-{RUN}')
p.begin_transaction()
p.produce(OUT, b'c1')
p.produce(OUT, b'c2')
p.commit_transaction(30)
p.begin_transaction()
p.produce(OUT, b'a1')
p.flush(10)
p.abort_transaction(30)
p.begin_transaction()
p.produce(OUT, b'c3')
p.commit_transaction(30)
rc = read_all(OUT, 'read_committed')
check(rc == ['c1', 'c2', 'c3'], f'read_committed saw {rc}')
ru = read_all(OUT, 'read_uncommitted')
check(ru == ['c1', 'c2', 'a1', 'c3'], f'read_uncommitted saw {ru}')

# 2. consume-transform-produce, exactly once across a consumer restart and an aborted batch.
plain = Producer({'bootstrap.servers': BOOT, 'enable.idempotence': True})
for i in range(10):
    plain.produce(IN, f'in-{i}'.encode())
plain.flush(10)

eos = producer(f'py-eos-{RUN}')
GROUP = f'eos-{RUN}'


def new_consumer():
    c = Consumer({'bootstrap.servers': BOOT, 'group.id': GROUP, 'isolation.level': 'read_committed',
                  'auto.offset.reset': 'earliest', 'enable.auto.commit': False})
    c.subscribe([IN])
    return c


def process(c, n, commit):
    msgs = []
    while len(msgs) < n:
        m = c.poll(10)
        check(m is not None, f'timed out consuming {IN} after {len(msgs)}')
        if m.error():
            check(False, f'consume error {m.error()}')
        msgs.append(m)
    eos.begin_transaction()
    for m in msgs:
        eos.produce(EOS_OUT, m.value().decode().replace('in-', 'out-').encode())
    eos.send_offsets_to_transaction(c.position(c.assignment()), c.consumer_group_metadata(), 30)
    if commit:
        eos.commit_transaction(30)
    else:
        eos.abort_transaction(30)


c = new_consumer()
process(c, 4, True)   # in-0..3
process(c, 3, False)  # in-4..6 aborted: neither output nor offsets
c.close()             # restart: the group resumes from the committed offset 4
c = new_consumer()
process(c, 6, True)   # in-4..9
c.close()
out = read_all(EOS_OUT, 'read_committed')
check(out == [f'out-{i}' for i in range(10)], f'exactly-once output was {out}')
c = Consumer({'bootstrap.servers': BOOT, 'group.id': GROUP})
committed = c.committed([TopicPartition(IN, 0)], 10)
c.close()
check(committed[0].offset == 10, f'committed offset {committed[0].offset}')

# 3. fencing: a second producer with the same transactional.id fences the first.
tid = f'py-fence-{RUN}'
old = producer(tid)
old.begin_transaction()
old.produce(OUT, b'zombie')
old.flush(10)
new = producer(tid)
fenced = False
try:
    old.produce(OUT, b'zombie-2')
    old.commit_transaction(30)
except KafkaException as e:
    fenced = e.args[0].fatal() or 'fenced' in str(e).lower() or 'epoch' in str(e).lower()
check(fenced, 'the older producer was not fenced')
new.begin_transaction()
new.produce(OUT, b'c4')
new.commit_transaction(30)
rc = read_all(OUT, 'read_committed')
check(rc == ['c1', 'c2', 'c3', 'c4'], f'read_committed after fencing saw {rc}')
print('ok')
