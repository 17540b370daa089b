// What every scenario gets: the broker's address, a unique name prefix, and client settings
// shared by all scenarios (short timeouts so a broker that does not answer fails fast).

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

record Env(String bootstrap, String prefix) {
    String name(String what) {
        return prefix + "-" + what;
    }

    Properties common() {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("client.id", prefix);
        p.put("request.timeout.ms", "15000");
        p.put("default.api.timeout.ms", "30000");
        return p;
    }

    Admin admin() {
        return Admin.create(common());
    }

    KafkaProducer<String, String> producer(Map<String, Object> overrides) {
        Properties p = common();
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        p.putAll(overrides);
        return new KafkaProducer<>(p);
    }

    KafkaConsumer<String, String> consumer(Map<String, Object> overrides) {
        Properties p = common();
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.putAll(overrides);
        return new KafkaConsumer<>(p);
    }

    void createTopic(Admin admin, String topic, int partitions) throws Exception {
        admin.createTopics(java.util.List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
        awaitListed(admin, topic);
    }

    /**
     * Kafka's broker learns of a new topic from its controller a moment after CreateTopics answers;
     * until then its group coordinator sees no partitions for a subscription (a KIP-848 group would
     * take one more epoch). Waiting here keeps both brokers' outcomes comparable.
     */
    static void awaitListed(Admin admin, String topic) throws InterruptedException {
        await("topic " + topic + " to be listed", 20_000, () -> {
            try {
                return admin.listTopics().names().get().contains(topic);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Waits for a condition the scenario cannot be told about (a rebalance, an async deletion). */
    static void await(String what, long timeoutMs, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) throw new IllegalStateException("timed out waiting for " + what);
            Thread.sleep(50);
        }
    }

    static final Duration POLL = Duration.ofMillis(100);
}
