// The idempotent producer (the Java client's default since 3.0): keyed records with headers spread
// over three partitions by the default partitioner, then read back by an assigned consumer and
// compared record by record (partition, offset, key, value, headers).

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;

final class ProducerScenario {
    static final int RECORDS = 30;

    static Map<String, Object> run(Env env) throws Exception {
        String topic = env.name("records");
        try (Admin admin = env.admin()) {
            env.createTopic(admin, topic, 3);
        }
        List<String> sent = new ArrayList<>();
        Map<String, Object> producerSettings = new LinkedHashMap<>();
        try (KafkaProducer<String, String> producer = env.producer(Map.of("linger.ms", "5"))) {
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            List<ProducerRecord<String, String>> records = new ArrayList<>();
            for (int i = 0; i < RECORDS; i++) {
                ProducerRecord<String, String> r = new ProducerRecord<>(topic, "key-" + (i % 10), "value-" + i);
                r.headers().add("seq", Integer.toString(i).getBytes(StandardCharsets.UTF_8));
                r.headers().add("empty", new byte[0]);
                records.add(r);
                acks.add(producer.send(r));
            }
            for (int i = 0; i < RECORDS; i++) {
                RecordMetadata m = acks.get(i).get();
                sent.add(describe(m.partition(), m.offset(), records.get(i).key(), records.get(i).value(), records.get(i).headers()));
            }
            producerSettings.put("enable.idempotence", true);
        }

        List<String> received = new ArrayList<>();
        Map<Integer, Integer> perPartition = new TreeMap<>();
        try (KafkaConsumer<String, String> consumer = env.consumer(Map.of())) {
            List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1), new TopicPartition(topic, 2));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.currentTimeMillis() + 30_000;
            while (received.size() < RECORDS && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Env.POLL)) {
                    received.add(describe(r.partition(), r.offset(), r.key(), r.value(), r.headers()));
                    perPartition.merge(r.partition(), 1, Integer::sum);
                }
            }
        }
        List<String> sortedSent = new ArrayList<>(sent);
        sortedSent.sort(null);
        List<String> sortedReceived = new ArrayList<>(received);
        sortedReceived.sort(null);

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("sent", sent.size());
        result.put("received", received.size());
        result.put("readBackExactly", sortedSent.equals(sortedReceived));
        result.put("perPartition", perPartition);
        // Offsets are dense per partition from 0: no duplicate appended by a retry.
        result.put("records", sortedReceived);
        return result;
    }

    private static String describe(int partition, long offset, String key, String value, Iterable<Header> headers) {
        StringBuilder h = new StringBuilder();
        for (Header header : headers) h.append(header.key()).append('=').append(new String(header.value(), StandardCharsets.UTF_8)).append(';');
        return partition + "/" + String.format("%03d", offset) + " " + key + "=" + value + " [" + h + "]";
    }
}
