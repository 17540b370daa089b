// Consume-transform-produce with the Java client, for bench/ctp.ts. Not a scenario (it reports
// throughput, not an outcome to compare), so not in scenarios.json:
//
//   java -cp build:<reference libs> ConsumeTransformProduce BOOTSTRAP TOPIC_IN TOPIC_OUT GROUP TRANSACTIONAL_ID N BATCH
//
// A read_committed consumer in GROUP reads TOPIC_IN (at most BATCH records per poll); a transactional
// producer writes each record to the same partition of TOPIC_OUT and commits the consumer's offsets
// with sendOffsetsToTransaction, one transaction per poll, until N records went through. Prints one
// JSON line {"records", "transactions", "seconds"}, as bench/ctp.py does for librdkafka.

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

final class ConsumeTransformProduce {
    public static void main(String[] args) throws Exception {
        if (args.length != 7) {
            System.err.println("usage: ConsumeTransformProduce BOOTSTRAP TOPIC_IN TOPIC_OUT GROUP TRANSACTIONAL_ID N BATCH");
            System.exit(2);
        }
        String bootstrap = args[0], in = args[1], out = args[2], group = args[3], transactionalId = args[4];
        int total = Integer.parseInt(args[5]);
        int batch = Integer.parseInt(args[6]);

        Properties c = new Properties();
        c.put("bootstrap.servers", bootstrap);
        c.put("group.id", group);
        c.put("enable.auto.commit", "false");
        c.put("auto.offset.reset", "earliest");
        c.put("isolation.level", "read_committed");
        c.put("max.poll.records", Integer.toString(batch));
        c.put("key.deserializer", ByteArrayDeserializer.class.getName());
        c.put("value.deserializer", ByteArrayDeserializer.class.getName());
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("transactional.id", transactionalId);
        p.put("linger.ms", "5");
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());

        long started = System.nanoTime();
        int done = 0;
        int transactions = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c); KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            producer.initTransactions();
            consumer.subscribe(List.of(in));
            while (done < total) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofSeconds(1));
                if (records.isEmpty()) continue;
                producer.beginTransaction();
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                for (TopicPartition tp : records.partitions()) {
                    List<ConsumerRecord<byte[], byte[]>> of = records.records(tp);
                    for (ConsumerRecord<byte[], byte[]> r : of) producer.send(new ProducerRecord<>(out, r.partition(), r.key(), r.value()));
                    offsets.put(tp, new OffsetAndMetadata(of.get(of.size() - 1).offset() + 1));
                }
                producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
                producer.commitTransaction();
                done += records.count();
                transactions++;
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.println("{\"records\": " + done + ", \"transactions\": " + transactions + ", \"seconds\": " + seconds + "}");
    }
}
