// Consume-transform-produce with transactions (transaction.version 2 when the broker finalizes it,
// as both brokers do): a read_committed consumer in a group reads an input topic, a transactional
// producer writes the transformed records and commits the consumer's offsets with
// sendOffsetsToTransaction. Transaction 1 commits, transaction 2 aborts (its offsets must not stick),
// transaction 3 redoes transaction 2's input and commits. A read_committed reader of the output must
// see transactions 1 and 3 only; read_uncommitted sees all three.

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

final class TransactionsScenario {
    static final int BATCH = 3;

    static Map<String, Object> run(Env env, String groupProtocol) throws Exception {
        String in = env.name("in");
        String out = env.name("out");
        String group = env.name("group");
        String transactionalId = env.name("txn");
        TopicPartition inPartition = new TopicPartition(in, 0);
        TopicPartition outPartition = new TopicPartition(out, 0);
        Map<String, Object> r = new LinkedHashMap<>();
        try (Admin admin = env.admin()) {
            env.createTopic(admin, in, 1);
            env.createTopic(admin, out, 1);
            try (KafkaProducer<String, String> plain = env.producer(Map.of())) {
                for (int i = 0; i < 2 * BATCH; i++) plain.send(new ProducerRecord<>(in, 0, "k" + i, "in-" + i)).get();
            }

            Map<String, Object> consumerSettings = Map.of(
                "group.id", group, "group.protocol", groupProtocol, "isolation.level", "read_committed",
                "max.poll.records", Integer.toString(BATCH));
            List<String> steps = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = env.consumer(consumerSettings);
                 KafkaProducer<String, String> producer = env.producer(Map.of("transactional.id", transactionalId, "transaction.timeout.ms", "30000"))) {
                producer.initTransactions();
                consumer.subscribe(List.of(in));

                steps.add("txn1 " + transform(consumer, producer, out, true));
                r.put("committedAfterCommit", committed(consumer, inPartition));
                steps.add("txn2 " + transform(consumer, producer, out, false));
                r.put("committedAfterAbort", committed(consumer, inPartition));
                // The aborted batch is consumed again from the committed offset.
                consumer.seek(inPartition, committed(consumer, inPartition));
                steps.add("txn3 " + transform(consumer, producer, out, true));
                r.put("committedAtEnd", committed(consumer, inPartition));
                // With transactions V2, Kafka answers EndTxn once PrepareCommit is written and completes
                // after the markers: a description right after commitTransaction can still say PrepareCommit.
                Env.await("the transaction to complete", 20_000, () -> {
                    try {
                        return admin.describeTransactions(List.of(transactionalId)).all().get().get(transactionalId).state() == TransactionState.COMPLETE_COMMIT;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                TransactionDescription txn = admin.describeTransactions(List.of(transactionalId)).all().get().get(transactionalId);
                r.put("transactionState", txn.state().toString());
                r.put("transactionTopicPartitions", txn.topicPartitions().size());
                // Transactions V2 bump the producer epoch at the end of every transaction (KIP-890).
                r.put("producerEpochAfterThreeTransactions", txn.producerEpoch());
                r.put("transactionTimeoutMs", txn.transactionTimeoutMs());
                r.put("listedTransactions", admin.listTransactions().all().get().stream()
                    .filter(l -> l.transactionalId().equals(transactionalId)).map(l -> l.state().toString()).toList());
                r.put("producersOnOutput", admin.describeProducers(List.of(outPartition)).partitionResult(outPartition).get()
                    .activeProducers().stream().map(p -> "epoch=" + p.producerEpoch() + " lastSequence=" + p.lastSequence()
                        + " open=" + p.currentTransactionStartOffset().isPresent()).toList());
            }
            r.put("steps", steps);
            // commitTransaction returns once the coordinator decided; the markers follow.
            Env.await("the last stable offset to reach the end of the output", 20_000, () ->
                endOffset(admin, outPartition, IsolationLevel.READ_COMMITTED) == endOffset(admin, outPartition, IsolationLevel.READ_UNCOMMITTED));
            r.put("readCommitted", read(env, out, "read_committed"));
            r.put("readUncommitted", read(env, out, "read_uncommitted"));
            // Three transactions of three records, each closed by one marker.
            r.put("outputEndOffset", endOffset(admin, outPartition, IsolationLevel.READ_UNCOMMITTED));
        }
        return r;
    }

    /** Polls one batch of BATCH records, writes them transformed, sends the offsets, commits or aborts. */
    private static String transform(KafkaConsumer<String, String> consumer, KafkaProducer<String, String> producer, String out, boolean commit) throws Exception {
        List<ConsumerRecord<String, String>> batch = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 30_000;
        while (batch.size() < BATCH) {
            if (System.currentTimeMillis() > deadline) throw new IllegalStateException("input not consumed: " + batch.size() + " records");
            ConsumerRecords<String, String> records = consumer.poll(Env.POLL);
            records.forEach(batch::add);
        }
        producer.beginTransaction();
        Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
        for (ConsumerRecord<String, String> rec : batch) {
            producer.send(new ProducerRecord<>(out, 0, rec.key(), rec.value().replace("in-", "out-")));
            offsets.put(new TopicPartition(rec.topic(), rec.partition()), new OffsetAndMetadata(rec.offset() + 1));
        }
        producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
        // Aborted records must reach the log (read_uncommitted sees them): abortTransaction would
        // otherwise drop batches the producer has not sent yet.
        producer.flush();
        if (commit) producer.commitTransaction();
        else producer.abortTransaction();
        return (commit ? "committed " : "aborted ") + batch.get(0).offset() + ".." + batch.get(batch.size() - 1).offset();
    }

    /**
     * The group's committed offset as the consumer reads it: with read_committed it asks for stable
     * offsets and retries while a transaction's offsets await their marker (UNSTABLE_OFFSET_COMMIT;
     * the markers follow commitTransaction/abortTransaction asynchronously on Kafka).
     */
    private static Long committed(KafkaConsumer<String, String> consumer, TopicPartition tp) {
        OffsetAndMetadata o = consumer.committed(java.util.Set.of(tp), java.time.Duration.ofSeconds(20)).get(tp);
        return o == null ? null : o.offset();
    }

    private static long endOffset(Admin admin, TopicPartition tp, IsolationLevel isolation) {
        try {
            return admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(isolation)).partitionResult(tp).get().offset();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Everything a reader at this isolation level sees on the output, up to the end. */
    private static List<String> read(Env env, String topic, String isolation) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = env.consumer(Map.of("isolation.level", isolation))) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            long deadline = System.currentTimeMillis() + 20_000;
            while (consumer.position(tp) < end && System.currentTimeMillis() < deadline)
                for (ConsumerRecord<String, String> rec : consumer.poll(Env.POLL)) values.add(rec.offset() + ":" + rec.value());
        }
        return values;
    }
}
