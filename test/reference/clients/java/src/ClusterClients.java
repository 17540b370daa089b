// The Java client against a Tributary test cluster of three identities in racks (startCluster), run by
// test/cluster/cluster-java.test.ts in one JVM, one step after the other:
//   java -cp 'build:test/reference/libs/*' ClusterClients <bootstrap> <prefix>
// 1. "rf3": Admin creates <prefix>-rf3 (3 partitions, replication factor 3) and describes it.
// 2. "failover": an idempotent producer writes "0".."N-1" to <prefix>-failover (1 partition, RF 3),
//    paced, while the test stops and starts the partition's leader identity; then a consumer reads
//    the partition back.
// 3. "near": a consumer whose client.rack is the rack of a follower of <prefix>-near reads it (KIP-392);
//    the test counts which identity served the fetches.
// 4. "reassign": <prefix>-move created on replicas [0, 1]; Admin moves them to [2, 1] (the leader
//    leaves) while a producer keeps writing, lists reassignments, reorders to [1, 2] and elects the
//    preferred leader; then the records are read back.
// Each step prints {"id", "result"} or {"id", "error"}; the process exits 0 either way.

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;

public final class ClusterClients {
    static final int FAILOVER_RECORDS = 3000;
    static final int NEAR_RECORDS = 200;

    interface Step {
        Map<String, Object> run(Env env) throws Exception;
    }

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: ClusterClients <bootstrap> <prefix>");
            System.exit(2);
        }
        Env env = new Env(args[0], args[1]);
        step("rf3", env, ClusterClients::rf3);
        step("failover", env, ClusterClients::failover);
        step("near", env, ClusterClients::near);
        step("reassign", env, ClusterClients::reassign);
        System.exit(0);
    }

    static void step(String id, Env env, Step step) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("id", id);
        try {
            line.put("result", step.run(env));
        } catch (Exception e) {
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            line.put("error", trace.toString());
        }
        System.out.println(Json.write(line));
        System.out.flush();
    }

    static TopicDescription create(Admin admin, String topic, int partitions) throws Exception {
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 3))).all().get();
        Env.awaitListed(admin, topic);
        return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
    }

    static Map<String, Object> rf3(Env env) throws Exception {
        try (Admin admin = env.admin()) {
            TopicDescription d = create(admin, env.name("rf3"), 3);
            List<Object> partitions = new ArrayList<>();
            for (TopicPartitionInfo p : d.partitions()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("partition", p.partition());
                m.put("leader", p.leader().id());
                m.put("replicas", p.replicas().stream().map(Node::id).toList());
                m.put("isr", p.isr().stream().map(Node::id).toList());
                m.put("racks", p.replicas().stream().map(Node::rack).toList());
                partitions.add(m);
            }
            return Map.of("partitions", partitions);
        }
    }

    static Map<String, Object> failover(Env env) throws Exception {
        String topic = env.name("failover");
        try (Admin admin = env.admin()) {
            create(admin, topic, 1);
        }
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        AtomicInteger acked = new AtomicInteger();
        // The Java client's default producer is idempotent (acks=all, retries): a leader that goes away costs no loss and no duplicate.
        try (KafkaProducer<String, String> producer = env.producer(Map.of("linger.ms", "5", "delivery.timeout.ms", "60000"))) {
            for (int i = 0; i < FAILOVER_RECORDS; i++) {
                producer.send(new ProducerRecord<>(topic, 0, null, Integer.toString(i)), (m, e) -> {
                    if (e != null) errors.add(e.toString());
                    else acked.incrementAndGet();
                });
                // Paced, so that the test stops and starts the leader while records are in flight.
                if (i % 5 == 4) Thread.sleep(10);
            }
            producer.flush();
        }
        List<String> values = readAll(env, topic, FAILOVER_RECORDS, Map.of());
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < FAILOVER_RECORDS; i++) expected.add(Integer.toString(i));
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("acked", acked.get());
        result.put("errors", List.copyOf(errors).subList(0, Math.min(errors.size(), 5)));
        result.put("consumed", values.size());
        result.put("exactlyOnceInOrder", values.equals(expected));
        return result;
    }

    static Map<String, Object> near(Env env) throws Exception {
        String topic = env.name("near");
        Node follower;
        try (Admin admin = env.admin()) {
            TopicPartitionInfo p = create(admin, topic, 1).partitions().get(0);
            follower = p.replicas().stream().filter(n -> n.id() != p.leader().id()).findFirst().orElseThrow();
        }
        try (KafkaProducer<String, String> producer = env.producer(Map.of())) {
            for (int i = 0; i < NEAR_RECORDS; i++) producer.send(new ProducerRecord<>(topic, 0, null, Integer.toString(i)));
            producer.flush();
        }
        List<String> values = readAll(env, topic, NEAR_RECORDS, Map.of("client.rack", follower.rack()));
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("rack", follower.rack());
        result.put("follower", follower.id());
        result.put("consumed", values.size());
        return result;
    }

    static Map<String, Object> reassign(Env env) throws Exception {
        String topic = env.name("move");
        TopicPartition tp = new TopicPartition(topic, 0);
        Map<String, Object> result = new LinkedHashMap<>();
        try (Admin admin = env.admin(); KafkaProducer<String, String> producer = env.producer(Map.of())) {
            admin.createTopics(List.of(new NewTopic(topic, Map.of(0, List.of(0, 1))))).all().get();
            Env.awaitListed(admin, topic);
            for (int i = 0; i < 10; i++) producer.send(new ProducerRecord<>(topic, 0, null, Integer.toString(i))).get();
            admin.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(List.of(2, 1))))).all().get();
            result.put("ongoing", admin.listPartitionReassignments().reassignments().get().size());
            TopicPartitionInfo moved = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().get(0);
            result.put("leaderAfterMove", moved.leader().id());
            result.put("replicasAfterMove", moved.replicas().stream().map(Node::id).toList());
            // The producer's leader (0) left the replica set: it is redirected to the new one.
            for (int i = 10; i < 20; i++) producer.send(new ProducerRecord<>(topic, 0, null, Integer.toString(i))).get();
            result.put("electionWhenPreferredLeads", outcome(() -> admin.electLeaders(ElectionType.PREFERRED, Set.of(tp)).partitions().get().get(tp)));
            admin.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(List.of(1, 2))))).all().get();
            admin.electLeaders(ElectionType.PREFERRED, Set.of(tp)).all().get();
            result.put("leaderAfterElection", admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().get(0).leader().id());
            result.put("cancelWithoutReassignment", outcome(() -> {
                admin.alterPartitionReassignments(Map.of(tp, Optional.empty())).all().get();
                return Optional.empty();
            }));
            for (int i = 20; i < 30; i++) producer.send(new ProducerRecord<>(topic, 0, null, Integer.toString(i))).get();
        }
        result.put("consumed", readAll(env, topic, 30, Map.of()).size());
        return result;
    }

    interface Call {
        Optional<Throwable> run() throws Exception;
    }

    /** "ok", or the simple name of the exception an Admin call failed (or reported) with. */
    static String outcome(Call call) {
        try {
            Optional<Throwable> reported = call.run();
            return reported.map(t -> t.getClass().getSimpleName()).orElse("ok");
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause().getClass().getSimpleName();
        } catch (Exception e) {
            return e.getClass().getSimpleName();
        }
    }

    static List<String> readAll(Env env, String topic, int count, Map<String, Object> settings) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = env.consumer(settings)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.currentTimeMillis() + 30_000;
            while (values.size() < count && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) values.add(r.value());
            }
        }
        return values;
    }
}
