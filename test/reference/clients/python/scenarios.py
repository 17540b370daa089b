"""Scenario runner for confluent-kafka-python (librdkafka inside the wheel) against one broker.

    scenarios.py <scenario-id> <bootstrap host:port> <unique prefix>

Each scenario creates its own topics and groups under the prefix, drives the library the way an
application would, and prints one JSON line on stdout: the outcome the test asserts, identical on
Apache Kafka and on Tributary (counts, values, error names; no ids or timings). librdkafka's logs go
to stderr. A scenario that cannot finish raises, and the process exits non-zero.
"""

import json
import sys
import time

from confluent_kafka import (
    Consumer,
    ConsumerGroupTopicPartitions,
    KafkaError,
    KafkaException,
    Producer,
    TopicCollection,
    TopicPartition,
)
from confluent_kafka.admin import (
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    ConfigSource,
    NewPartitions,
    NewTopic,
    OffsetSpec,
)

DEADLINE = time.monotonic() + 90  # a hang becomes a failure the test can report


def key(i):
    return f"k{i % 5}".encode()


def value(tag, i):
    return f"{tag}-{i}".encode()


def error_name(exc):
    """The Kafka error name of a failed future's exception (both brokers send the same code)."""
    if exc is None:
        return ""
    err = exc.args[0] if isinstance(exc, KafkaException) and exc.args else exc
    return err.name() if isinstance(err, KafkaError) else str(exc)


def outcome(future):
    """'' when the future succeeded, else the error name."""
    try:
        future.result()
        return ""
    except KafkaException as e:
        return error_name(e)


def create_topics(admin, *topics, partitions=1, config=None):
    futures = admin.create_topics([NewTopic(t, partitions, 1, config=config or {}) for t in topics])
    for f in futures.values():
        f.result()
    # Kafka's metadata catches up with a creation asynchronously: wait until the partitions are listed.
    while True:
        listed = admin.list_topics(timeout=10).topics
        if all(t in listed and len(listed[t].partitions) == partitions and listed[t].error is None for t in topics):
            return
        check_deadline("topics listed")
        time.sleep(0.05)


def check_deadline(what):
    if time.monotonic() > DEADLINE:
        raise TimeoutError(f"timed out waiting for {what}")


def produce(producer, topic, tag, n, **extra):
    failures = []

    def delivered(err, msg):
        if err is not None:
            failures.append(err.name())

    for i in range(n):
        producer.produce(topic, key=key(i), value=value(tag, i), headers=[("i", str(i).encode())],
                         on_delivery=delivered, **extra)
    if producer.flush(30) != 0:
        raise RuntimeError("records left undelivered")
    if failures:
        raise RuntimeError(f"delivery failed: {failures}")


class Seen:
    """Values read back (each once?) and whether every partition delivered in offset order."""

    def __init__(self):
        self.values = {}
        self.ordered = True
        self.last = {}

    def add(self, msg):
        p, o = msg.partition(), msg.offset()
        if p in self.last and o <= self.last[p]:
            self.ordered = False
        self.last[p] = o
        v = msg.value().decode()
        self.values[v] = self.values.get(v, 0) + 1

    def exactly(self, tag, n):
        return sorted(self.values) == sorted(f"{tag}-{i}" for i in range(n)) and all(c == 1 for c in self.values.values())


def poll_until(consumer, enough, on_message):
    while not enough():
        check_deadline("records")
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() == KafkaError._PARTITION_EOF:
                continue
            raise KafkaException(msg.error())
        on_message(msg)


def producer_idempotent(bootstrap, prefix):
    """The idempotent producer writes keyed records with headers; a reader gets each exactly once."""
    n, topic = 30, f"{prefix}-idem"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    create_topics(admin, topic, partitions=3)
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 5})
    offsets = {}

    def delivered(err, msg):
        if err is None:
            offsets.setdefault(msg.partition(), []).append(msg.offset())

    for i in range(n):
        producer.produce(topic, key=key(i), value=value("v", i), headers=[("i", str(i).encode())], on_delivery=delivered)
    if producer.flush(30) != 0:
        raise RuntimeError("records left undelivered")
    contiguous = all(sorted(o) == list(range(len(o))) for o in offsets.values())

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"{prefix}-reader", "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, p, 0) for p in range(3)])
    seen = Seen()
    headers_intact = [True]

    def check(msg):
        seen.add(msg)
        h = msg.headers() or []
        if len(h) != 1 or h[0][0] != "i" or value("v", int(h[0][1])) != msg.value():
            headers_intact[0] = False

    poll_until(consumer, lambda: len(seen.values) >= n, check)
    consumer.close()
    return {
        "delivered": sum(len(o) for o in offsets.values()),
        "offsetsContiguous": contiguous,
        "sortedPartitionCounts": sorted(len(o) for o in offsets.values()),
        "consumedExactly": seen.exactly("v", n),
        "inOffsetOrder": seen.ordered,
        "headersIntact": headers_intact[0],
    }


def consumer_kip848(bootstrap, prefix):
    """group.protocol=consumer: a member consumes, commits and leaves; a second member of the group
    resumes from the committed offsets; the admin API describes the group as a consumer-type group."""
    topic, group = f"{prefix}-grp", f"{prefix}-group"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    create_topics(admin, topic, partitions=2)
    producer = Producer({"bootstrap.servers": bootstrap})

    def member(n):
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "group.protocol": "consumer",
                             "enable.auto.commit": False, "auto.offset.reset": "earliest"})
        consumer.subscribe([topic])
        seen = Seen()
        poll_until(consumer, lambda: len(seen.values) >= n, seen.add)
        consumer.commit(asynchronous=False)
        consumer.close()  # leaves the group
        return seen

    produce(producer, topic, "first", 20)
    first = member(20)
    produce(producer, topic, "second", 10)
    resumed = member(10)

    committed = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)])[group].result()
    described = admin.describe_consumer_groups([group])[group].result()
    listed = admin.list_consumer_groups().result()
    listed_types = [str(g.type) for g in listed.valid if g.group_id == group]
    return {
        "firstMemberExactly": first.exactly("first", 20),
        "resumedExactly": resumed.exactly("second", 10),
        "inOffsetOrder": first.ordered and resumed.ordered,
        "committedOffsetSum": sum(tp.offset for tp in committed.topic_partitions),
        "describedType": str(described.type),
        "describedState": str(described.state),
        "describedMembers": len(described.members),
        "listedTypes": listed_types,
    }


def admin_scenario(bootstrap, prefix):
    """AdminClient: topics, configs, partitions, offsets, records, groups, cluster."""
    a, b, group = f"{prefix}-a", f"{prefix}-b", f"{prefix}-admin"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    res = {}
    create_topics(admin, a, partitions=3, config={"retention.ms": "3600000"})
    create_topics(admin, b, partitions=1)
    res["createExistingError"] = outcome(admin.create_topics([NewTopic(a, 3, 1)])[a])
    res["createInvalidConfigError"] = outcome(admin.create_topics([NewTopic(f"{prefix}-c", 1, 1, config={"cleanup.policy": "sometimes"})])[f"{prefix}-c"])

    cluster = admin.describe_cluster().result()
    res["clusterNodes"] = len(cluster.nodes)
    described = admin.describe_topics(TopicCollection([a, b]))
    res["describedPartitions"] = {name: len(described[t].result().partitions) for name, t in (("a", a), ("b", b))}

    def configs(*keys):
        resource = ConfigResource(ConfigResource.Type.TOPIC, a)
        entries = admin.describe_configs([resource])[resource].result()
        return {k: f"{entries[k].value} ({ConfigSource(entries[k].source).name})" for k in keys}

    res["configsAfterCreate"] = configs("retention.ms", "cleanup.policy")
    alter = ConfigResource(ConfigResource.Type.TOPIC, a, incremental_configs=[
        ConfigEntry("cleanup.policy", "compact", incremental_operation=AlterConfigOpType.SET),
        ConfigEntry("retention.ms", None, incremental_operation=AlterConfigOpType.DELETE)])
    res["alterError"] = outcome(admin.incremental_alter_configs([alter])[alter])
    res["configsAfterAlter"] = configs("retention.ms", "cleanup.policy")
    invalid = ConfigResource(ConfigResource.Type.TOPIC, a, incremental_configs=[
        ConfigEntry("retention.ms", "soon", incremental_operation=AlterConfigOpType.SET)])
    res["alterInvalidError"] = outcome(admin.incremental_alter_configs([invalid])[invalid])

    res["growPartitionsError"] = outcome(admin.create_partitions([NewPartitions(b, 3)])[b])
    res["shrinkPartitionsError"] = outcome(admin.create_partitions([NewPartitions(b, 2)])[b])
    while len(admin.list_topics(b, timeout=10).topics[b].partitions) != 3:
        check_deadline("partitions listed")
        time.sleep(0.05)

    producer = Producer({"bootstrap.servers": bootstrap})
    for i in range(10):
        producer.produce(b, value=value("r", i), partition=1)
    if producer.flush(30) != 0:
        raise RuntimeError("records left undelivered")
    deleted = admin.delete_records([TopicPartition(b, 1, 4)])
    res["deleteRecordsLowWatermark"] = next(iter(deleted.values())).result().low_watermark
    earliest = admin.list_offsets({TopicPartition(b, 1): OffsetSpec.earliest()})
    latest = admin.list_offsets({TopicPartition(b, 1): OffsetSpec.latest(), TopicPartition(b, 0): OffsetSpec.latest()})
    res["offsetsPartition1"] = [next(iter(earliest.values())).result().offset, latest[TopicPartition(b, 1)].result().offset]
    res["endOffsetPartition0"] = latest[TopicPartition(b, 0)].result().offset
    unknown = admin.list_offsets({TopicPartition(b, 7): OffsetSpec.latest()})
    res["listOffsetsUnknownPartitionError"] = outcome(next(iter(unknown.values())))

    altered = admin.alter_consumer_group_offsets([ConsumerGroupTopicPartitions(group, [TopicPartition(b, 1, 7)])])
    res["alterGroupOffsetsError"] = outcome(altered[group])
    fetched = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)])[group].result()
    res["fetchedOffsets"] = [(tp.topic == b, tp.partition, tp.offset) for tp in fetched.topic_partitions]
    listed = admin.list_consumer_groups().result()
    res["listedGroup"] = [[str(g.state), str(g.type)] for g in listed.valid if g.group_id == group]
    group_description = admin.describe_consumer_groups([group])[group].result()
    res["describedGroup"] = [str(group_description.state), str(group_description.type), len(group_description.members)]
    res["deleteGroupError"] = outcome(admin.delete_consumer_groups([group])[group])
    res["deleteGroupAgainError"] = outcome(admin.delete_consumer_groups([group])[group])

    deleted_topics = admin.delete_topics([a, b])
    res["deleteTopicsErrors"] = [outcome(deleted_topics[a]), outcome(deleted_topics[b])]
    res["deleteUnknownTopicError"] = outcome(admin.delete_topics([f"{prefix}-never"])[f"{prefix}-never"])
    return res


def transactions(bootstrap, prefix):
    """Consume-transform-produce with send_offsets_to_transaction, then an aborted and a committed
    transaction and a non-transactional end marker: read_committed sees the transformed and committed
    records only, read_uncommitted the aborted ones too; the input offset commits with the output."""
    n = 10
    src, out, group = f"{prefix}-in", f"{prefix}-out", f"{prefix}-eos"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    create_topics(admin, src, out, partitions=1)
    plain = Producer({"bootstrap.servers": bootstrap})
    produce(plain, src, "in", n)

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "group.protocol": "consumer",
                         "enable.auto.commit": False, "auto.offset.reset": "earliest", "isolation.level": "read_committed"})
    consumer.subscribe([src])
    txn = Producer({"bootstrap.servers": bootstrap, "transactional.id": f"{prefix}-ctp"})
    txn.init_transactions(30)
    transformed = transactions_done = 0
    while transformed < n:
        check_deadline("input records")
        batch = consumer.consume(num_messages=n, timeout=0.5)
        batch = [m for m in batch if not m.error()]
        if not batch:
            continue
        txn.begin_transaction()
        for m in batch:
            txn.produce(out, value=b"out-" + m.value()[len(b"in-"):])
            transformed += 1
        txn.send_offsets_to_transaction(consumer.position(consumer.assignment()), consumer.consumer_group_metadata(), 30)
        txn.commit_transaction(30)
        transactions_done += 1
    consumer.close()

    txn.begin_transaction()
    produce(txn, out, "aborted", 3)
    txn.abort_transaction(30)
    txn.begin_transaction()
    produce(txn, out, "committed", 2)
    txn.commit_transaction(30)
    produce(plain, out, "end", 1)

    def read_all(level):
        reader = Consumer({"bootstrap.servers": bootstrap, "group.id": f"{prefix}-{level}", "enable.auto.commit": False,
                           "isolation.level": level})
        reader.assign([TopicPartition(out, 0, 0)])
        values = []
        poll_until(reader, lambda: values and values[-1] == "end-0", lambda m: values.append(m.value().decode()))
        reader.close()
        return values

    committed = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)])[group].result()
    return {
        "transformed": transformed,
        "readCommitted": read_all("read_committed"),
        "readUncommitted": read_all("read_uncommitted"),
        "groupOffsetOnInput": [tp.offset for tp in committed.topic_partitions if tp.topic == src],
    }


def consumer_kip848_rebalance(bootstrap, prefix):
    """group.protocol=consumer with two members: A alone gets all 4 partitions, B joins and the
    coordinator settles at 2+2; records written then are read once across both; B leaves and A gets
    all 4 back and reads what is written next."""
    topic, group = f"{prefix}-reb", f"{prefix}-group"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    create_topics(admin, topic, partitions=4)
    producer = Producer({"bootstrap.servers": bootstrap})

    def member():
        c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "group.protocol": "consumer",
                      "enable.auto.commit": False, "auto.offset.reset": "earliest"})
        c.subscribe([topic])
        return c, Seen()

    def pump(members, until, what):
        """Polls the members in turn (librdkafka serves rebalances inside poll) until `until` holds."""
        while not until():
            check_deadline(what)
            for c, seen in members:
                msg = c.poll(0.05)
                if msg is not None and not msg.error():
                    seen.add(msg)

    a = member()
    pump([a], lambda: len(a[0].assignment()) == 4, "A assigned 4 partitions")
    b = member()
    pump([a, b], lambda: len(a[0].assignment()) == 2 and len(b[0].assignment()) == 2, "a 2+2 split")
    for i in range(40):
        producer.produce(topic, value=value("split", i), partition=i % 4)
    producer.flush(30)
    pump([a, b], lambda: len(a[1].values) + len(b[1].values) >= 40, "40 records across A and B")
    split = Seen()
    for _, seen in (a, b):
        for v, n in seen.values.items():
            split.values[v] = split.values.get(v, 0) + n
    read_by_both = bool(a[1].values) and bool(b[1].values)
    b[0].commit(asynchronous=False)
    b[0].close()
    pump([a], lambda: len(a[0].assignment()) == 4, "A assigned 4 partitions again")
    produce(producer, topic, "after", 8, partition=0)
    after_count = lambda: sum(1 for v in a[1].values if v.startswith("after-"))
    pump([a], lambda: after_count() >= 8, "A reads the 8 written after B left")
    a[0].commit(asynchronous=False)
    a[0].close()
    committed = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)])[group].result()
    return {
        "splitReadExactlyOnce": split.exactly("split", 40),
        "splitReadByBoth": read_by_both,
        "afterLeaveExactly": after_count() == 8 and all(a[1].values[f"after-{i}"] == 1 for i in range(8)),
        "committedOffsetSum": sum(tp.offset for tp in committed.topic_partitions),
    }


def transactions_fencing(bootstrap, prefix):
    """A second producer on the same transactional.id aborts the first's open transaction and fences
    it: the first's commit fails with a fatal fenced error; only the second's records are committed."""
    out, txn_id = f"{prefix}-out", f"{prefix}-txn"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    create_topics(admin, out, partitions=1)
    zombie = Producer({"bootstrap.servers": bootstrap, "transactional.id": txn_id})
    zombie.init_transactions(30)
    zombie.begin_transaction()
    produce(zombie, out, "zombie", 2)
    fresh = Producer({"bootstrap.servers": bootstrap, "transactional.id": txn_id})
    fresh.init_transactions(30)
    fresh.begin_transaction()
    produce(fresh, out, "fresh", 2)
    fresh.commit_transaction(30)
    zombie.produce(out, value=b"late-0")
    try:
        zombie.commit_transaction(30)
        commit_error, fatal = "", False
    except KafkaException as e:
        commit_error, fatal = error_name(e), e.args[0].fatal()
    produce(Producer({"bootstrap.servers": bootstrap}), out, "end", 1)

    def read_all(level):
        reader = Consumer({"bootstrap.servers": bootstrap, "group.id": f"{prefix}-{level}", "enable.auto.commit": False,
                           "isolation.level": level})
        reader.assign([TopicPartition(out, 0, 0)])
        values = []
        poll_until(reader, lambda: values and values[-1] == "end-0", lambda m: values.append(m.value().decode()))
        reader.close()
        return values

    return {
        "zombieCommitError": commit_error,
        "zombieCommitFatal": fatal,
        "readCommitted": read_all("read_committed"),
        "readUncommitted": read_all("read_uncommitted"),
    }


SCENARIOS = {
    "producer-idempotent": producer_idempotent,
    "consumer-kip848": consumer_kip848,
    "consumer-kip848-rebalance": consumer_kip848_rebalance,
    "admin": admin_scenario,
    "transactions": transactions,
    "transactions-fencing": transactions_fencing,
}

if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in SCENARIOS:
        sys.exit(f"usage: scenarios.py <{'|'.join(SCENARIOS)}> <bootstrap> <prefix>")
    print(json.dumps(SCENARIOS[sys.argv[1]](sys.argv[2], sys.argv[3]), sort_keys=True), flush=True)
