// A consumer group of two members under one group.protocol (classic: JoinGroup/SyncGroup with the
// client-side assignor; consumer: KIP-848 ConsumerGroupHeartbeat with the broker's assignor). Both
// members must hold one partition each, consume everything between them, commit; after they close,
// a new member of the same group resumes exactly from the committed offsets.

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

final class GroupScenario {
    static final int PER_PARTITION = 10;

    /** One member polling on its own thread (a KafkaConsumer belongs to one thread). */
    static final class Member implements Runnable {
        final String name;
        final KafkaConsumer<String, String> consumer;
        final String topic;
        final AtomicReference<Set<TopicPartition>> assignment = new AtomicReference<>(Set.of());
        final Map<String, String> consumed;
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        volatile boolean stop;
        final Thread thread;

        Member(String name, KafkaConsumer<String, String> consumer, String topic, Map<String, String> consumed) {
            this.name = name;
            this.consumer = consumer;
            this.topic = topic;
            this.consumed = consumed;
            this.thread = new Thread(this, name);
        }

        public void run() {
            try {
                consumer.subscribe(List.of(topic));
                while (!stop) {
                    ConsumerRecords<String, String> records = consumer.poll(Env.POLL);
                    for (ConsumerRecord<String, String> r : records) consumed.put(r.partition() + "/" + r.offset(), name);
                    if (!records.isEmpty()) consumer.commitSync();
                    assignment.set(Set.copyOf(consumer.assignment()));
                }
            } catch (Throwable t) {
                failure.set(t);
            } finally {
                consumer.close();
            }
        }
    }

    static Map<String, Object> run(Env env, String protocol) throws Exception {
        String topic = env.name("in");
        String group = env.name("group");
        Map<String, Object> settings = Map.of("group.id", group, "group.protocol", protocol);
        Map<String, Object> result = new LinkedHashMap<>();
        try (Admin admin = env.admin(); KafkaProducer<String, String> producer = env.producer(Map.of())) {
            env.createTopic(admin, topic, 2);

            Map<String, String> consumed = new ConcurrentHashMap<>();
            List<Member> members = List.of(
                new Member("a", env.consumer(settings), topic, consumed),
                new Member("b", env.consumer(settings), topic, consumed));
            members.forEach(m -> m.thread.start());
            try {
                Env.await("both members to hold one partition each", 40_000, () ->
                    members.stream().allMatch(m -> m.assignment.get().size() == 1) || members.stream().anyMatch(m -> m.failure.get() != null));
                rethrow(members);
                ConsumerGroupDescription stable = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
                result.put("groupType", stable.type().toString());
                result.put("groupState", stable.groupState().toString());
                result.put("members", stable.members().size());
                result.put("assignor", stable.partitionAssignor());
                // KIP-848 only (empty for classic groups): the epochs and each member's current and target assignment.
                result.put("groupEpoch", stable.groupEpoch().orElse(null));
                result.put("targetAssignmentEpoch", stable.targetAssignmentEpoch().orElse(null));
                result.put("memberDescriptions", stable.members().stream()
                    .map(m -> "assigned=" + m.assignment().topicPartitions().size()
                        + " target=" + m.targetAssignment().map(t -> Integer.toString(t.topicPartitions().size())).orElse("-")
                        + " epoch=" + m.memberEpoch().map(Object::toString).orElse("-")
                        + " upgraded=" + m.upgraded().map(Object::toString).orElse("-")
                        + " client=" + m.clientId().equals(env.prefix()))
                    .sorted().toList());

                produce(producer, topic, 0, PER_PARTITION);
                Env.await("the group to consume " + 2 * PER_PARTITION + " records", 30_000, () ->
                    consumed.size() == 2 * PER_PARTITION || members.stream().anyMatch(m -> m.failure.get() != null));
                rethrow(members);
                // Which member consumed which partition: one member per partition.
                Map<Integer, Set<String>> consumersOf = new TreeMap<>();
                consumed.forEach((k, member) -> consumersOf.computeIfAbsent(Integer.parseInt(k.split("/")[0]), p -> new java.util.TreeSet<>()).add(member));
                result.put("consumedByGroup", consumed.size());
                result.put("oneMemberPerPartition", consumersOf.values().stream().allMatch(s -> s.size() == 1)
                    && consumersOf.values().stream().map(s -> s.iterator().next()).distinct().count() == 2);
            } finally {
                members.forEach(m -> m.stop = true);
                for (Member m : members) m.thread.join(30_000);
            }
            rethrow(members);
            result.put("committedAfterClose", committed(admin, group));
            result.put("stateAfterClose", admin.describeConsumerGroups(List.of(group)).all().get().get(group).groupState().toString());

            // Restart: a new member of the same group resumes from the committed offsets.
            produce(producer, topic, PER_PARTITION, PER_PARTITION / 2);
            Map<Integer, Long> firstOffsetSeen = new TreeMap<>();
            int afterRestart = 0;
            try (KafkaConsumer<String, String> consumer = env.consumer(settings)) {
                consumer.subscribe(List.of(topic));
                long deadline = System.currentTimeMillis() + 30_000;
                while (afterRestart < PER_PARTITION && System.currentTimeMillis() < deadline) {
                    ConsumerRecords<String, String> records = consumer.poll(Env.POLL);
                    for (ConsumerRecord<String, String> r : records) {
                        firstOffsetSeen.putIfAbsent(r.partition(), r.offset());
                        afterRestart++;
                    }
                    if (!records.isEmpty()) consumer.commitSync();
                }
            }
            result.put("resumedFrom", firstOffsetSeen);
            result.put("consumedAfterRestart", afterRestart);
            result.put("committedAtEnd", committed(admin, group));
        }
        return result;
    }

    private static void produce(KafkaProducer<String, String> producer, String topic, int from, int perPartition) throws Exception {
        List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
        for (int p = 0; p < 2; p++)
            for (int i = 0; i < perPartition; i++)
                acks.add(producer.send(new ProducerRecord<>(topic, p, "k" + i, "v" + (from + i))));
        for (java.util.concurrent.Future<?> ack : acks) ack.get();
    }

    static Map<Integer, Long> committed(Admin admin, String group) throws Exception {
        Map<Integer, Long> out = new TreeMap<>();
        for (Map.Entry<TopicPartition, OffsetAndMetadata> e : admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().entrySet())
            out.put(e.getKey().partition(), e.getValue() == null ? null : e.getValue().offset());
        return out;
    }

    private static void rethrow(Collection<Member> members) throws Exception {
        for (Member m : members) {
            Throwable t = m.failure.get();
            if (t instanceof Exception e) throw new Exception("member " + m.name + " failed", e);
            if (t != null) throw new Exception("member " + m.name + " failed: " + t);
        }
    }
}
