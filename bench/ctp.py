# Consume-transform-produce with librdkafka (confluent-kafka), for bench/ctp.ts: a consumer group reads
# TOPIC_IN, a transactional producer writes each record to the same partition of TOPIC_OUT and commits
# the consumer's offsets in the transaction, up to BATCH records per transaction, until N records went
# through. Prints one JSON line {"records": n, "transactions": t, "seconds": s}.
# Usage: python ctp.py BOOTSTRAP TOPIC_IN TOPIC_OUT GROUP TRANSACTIONAL_ID N BATCH
import json
import sys
import time

from confluent_kafka import Consumer, Producer

bootstrap, topic_in, topic_out, group, txn_id = sys.argv[1:6]
total, batch = int(sys.argv[6]), int(sys.argv[7])

consumer = Consumer({
    'bootstrap.servers': bootstrap,
    'group.id': group,
    'enable.auto.commit': False,
    'auto.offset.reset': 'earliest',
    'isolation.level': 'read_committed',
})
producer = Producer({'bootstrap.servers': bootstrap, 'transactional.id': txn_id, 'linger.ms': 5})

t0 = time.monotonic()
producer.init_transactions(30)
consumer.subscribe([topic_in])
done = 0
transactions = 0
while done < total:
    msgs = consumer.consume(num_messages=min(batch, total - done), timeout=1.0)
    msgs = [m for m in msgs if m.error() is None]
    if not msgs:
        continue
    producer.begin_transaction()
    for m in msgs:
        producer.produce(topic_out, value=m.value(), key=m.key(), partition=m.partition())
    producer.send_offsets_to_transaction(consumer.position(consumer.assignment()), consumer.consumer_group_metadata(), 30)
    producer.commit_transaction(30)
    done += len(msgs)
    transactions += 1
seconds = time.monotonic() - t0
consumer.close()
print(json.dumps({'records': done, 'transactions': transactions, 'seconds': seconds}), flush=True)
