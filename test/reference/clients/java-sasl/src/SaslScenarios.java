// The Java client's SASL authentication against one broker's SASL_PLAINTEXT listener:
//   java -cp 'build:test/reference/libs/*' SaslScenarios <bootstrap> <prefix> <scenario-id>...
// Each scenario authenticates an Admin with one mechanism and credential, then creates a topic,
// produces a record and reads it back with that identity; a refused credential reports the
// exception's class and message instead. One JSON line per scenario: {"id", "result"} or {"id", "error"}.

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public final class SaslScenarios {
    private static final String PLAIN = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"%s\" password=\"%s\";";
    private static final String SCRAM = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"%s\" password=\"%s\";";
    private static final String OAUTH = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub=\"%s\"%s;";

    /** Scenario id → {mechanism, JAAS config}. */
    static final Map<String, String[]> ALL = new LinkedHashMap<>();
    static {
        ALL.put("plain", new String[] {"PLAIN", String.format(PLAIN, "alice", "alice-secret")});
        ALL.put("plain-wrong-password", new String[] {"PLAIN", String.format(PLAIN, "alice", "not-the-secret")});
        ALL.put("scram-sha-256", new String[] {"SCRAM-SHA-256", String.format(SCRAM, "scram256", "s256-secret")});
        ALL.put("scram-sha-256-wrong-password", new String[] {"SCRAM-SHA-256", String.format(SCRAM, "scram256", "wrong-secret")});
        ALL.put("scram-sha-512", new String[] {"SCRAM-SHA-512", String.format(SCRAM, "scram512", "s512-secret")});
        ALL.put("scram-sha-512-unknown-user", new String[] {"SCRAM-SHA-512", String.format(SCRAM, "nobody", "s512-secret")});
        ALL.put("oauthbearer-unsecured", new String[] {"OAUTHBEARER", String.format(OAUTH, "carol", " unsecuredLoginListClaim_scope=\",kafka\"")});
        ALL.put("oauthbearer-missing-scope", new String[] {"OAUTHBEARER", String.format(OAUTH, "carol", "")});
    }

    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("usage: SaslScenarios <bootstrap> <prefix> <scenario-id>...");
            System.exit(2);
        }
        for (String id : List.of(args).subList(2, args.length)) {
            String[] auth = ALL.get(id);
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("id", id);
            if (auth == null) {
                line.put("error", "unknown scenario " + id + "; known: " + ALL.keySet());
            } else {
                try {
                    line.put("result", run(args[0], args[1] + "-" + id, auth[0], auth[1]));
                } catch (Exception e) {
                    line.put("error", e.toString());
                }
            }
            System.out.println(Json.write(line));
        }
    }

    static Map<String, Object> run(String bootstrap, String name, String mechanism, String jaas) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("client.id", name);
        p.put("security.protocol", "SASL_PLAINTEXT");
        p.put("sasl.mechanism", mechanism);
        p.put("sasl.jaas.config", jaas);
        p.put("request.timeout.ms", "15000");
        p.put("default.api.timeout.ms", "20000");
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("mechanism", mechanism);
        try (Admin admin = Admin.create(p)) {
            r.put("nodes", admin.describeCluster().nodes().get().size());
            admin.createTopics(List.of(new NewTopic(name, 1, (short) 1))).all().get();
        } catch (ExecutionException e) {
            r.put("refused", e.getCause().getClass().getSimpleName());
            r.put("message", e.getCause().getMessage());
            return r;
        }
        Properties pp = new Properties();
        pp.putAll(p);
        pp.put("key.serializer", StringSerializer.class.getName());
        pp.put("value.serializer", StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp)) {
            r.put("producedAt", producer.send(new ProducerRecord<>(name, "k", "v-" + mechanism)).get().offset());
        }
        Properties cp = new Properties();
        cp.putAll(p);
        cp.put("key.deserializer", StringDeserializer.class.getName());
        cp.put("value.deserializer", StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(cp)) {
            TopicPartition tp = new TopicPartition(name, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.currentTimeMillis() + 20_000;
            while (System.currentTimeMillis() < deadline) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                if (!records.isEmpty()) {
                    r.put("consumed", records.iterator().next().value());
                    break;
                }
            }
        }
        return r;
    }
}
