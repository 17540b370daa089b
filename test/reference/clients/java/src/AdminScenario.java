// Admin, one call after another on one topic and one group: create/describe/delete topics, create
// partitions, describe and incrementally alter configs, list offsets, delete records, alter, list,
// describe and delete consumer group offsets and groups, and the cluster's finalized features.
// Each step's outcome (values, or the exception class of an expected failure) goes into the result.

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.FeatureMetadata;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;

final class AdminScenario {
    /**
     * The produced records' timestamps start here: a minute ago, whole seconds. Recent, so that a
     * retention pass of either broker during the scenario (retention.ms is 654321 then) keeps them;
     * timestamps are reported relative to it ("+40"), the same on both brokers.
     */
    private static final long BASE_TIMESTAMP = System.currentTimeMillis() / 1000 * 1000 - 60_000;

    static Map<String, Object> run(Env env) throws Exception {
        String topic = env.name("topic");
        String group = env.name("group");
        TopicPartition p0 = new TopicPartition(topic, 0);
        TopicPartition p1 = new TopicPartition(topic, 1);
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Map<String, Object> r = new LinkedHashMap<>();
        try (Admin admin = env.admin()) {
            FeatureMetadata features = admin.describeFeatures().featureMetadata().get();
            var tv = features.finalizedFeatures().get("transaction.version");
            r.put("transactionVersionFinalized", tv == null ? null : (int) tv.maxVersionLevel());

            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1).configs(Map.of("retention.ms", "123456", "cleanup.policy", "delete")))).all().get();
            r.put("createAgain", failure(() -> admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get()));
            // Kafka's brokers learn of a new topic from the controller a moment after CreateTopics answers.
            Env.awaitListed(admin, topic);
            r.put("listed", true);
            TopicDescription described = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            r.put("partitions", described.partitions().size());
            r.put("internal", described.isInternal());

            admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(4))).all().get();
            r.put("partitionsAfterCreate", admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size());
            r.put("shrinkPartitions", failure(() -> admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(2))).all().get()));

            r.put("configsBefore", configs(admin, resource, "retention.ms", "cleanup.policy", "retention.bytes"));
            admin.incrementalAlterConfigs(Map.of(resource, List.of(
                new AlterConfigOp(new ConfigEntry("retention.ms", "654321"), AlterConfigOp.OpType.SET),
                new AlterConfigOp(new ConfigEntry("cleanup.policy", "compact"), AlterConfigOp.OpType.APPEND),
                new AlterConfigOp(new ConfigEntry("retention.bytes", "1000000"), AlterConfigOp.OpType.SET)))).all().get();
            awaitConfig(admin, resource, "retention.ms", "654321");
            r.put("configsAfterAlter", configs(admin, resource, "retention.ms", "cleanup.policy", "retention.bytes"));
            admin.incrementalAlterConfigs(Map.of(resource, List.of(
                new AlterConfigOp(new ConfigEntry("retention.bytes", ""), AlterConfigOp.OpType.DELETE),
                new AlterConfigOp(new ConfigEntry("cleanup.policy", "compact"), AlterConfigOp.OpType.SUBTRACT)))).all().get();
            awaitConfig(admin, resource, "cleanup.policy", "delete");
            r.put("configsAfterDelete", configs(admin, resource, "retention.ms", "cleanup.policy", "retention.bytes"));
            r.put("invalidConfig", failure(() -> admin.incrementalAlterConfigs(Map.of(resource, List.of(
                new AlterConfigOp(new ConfigEntry("retention.ms", "not-a-number"), AlterConfigOp.OpType.SET)))).all().get()));

            try (KafkaProducer<String, String> producer = env.producer(Map.of())) {
                for (int i = 0; i < 5; i++) producer.send(new ProducerRecord<>(topic, 0, BASE_TIMESTAMP + i * 10, "k", "v" + i)).get();
            }
            r.put("offsetsAfterProduce", offsets(admin, p0));
            r.put("deleteRecordsLowWatermark", admin.deleteRecords(Map.of(p0, RecordsToDelete.beforeOffset(2))).lowWatermarks().get(p0).get().lowWatermark());
            r.put("offsetsAfterDeleteRecords", offsets(admin, p0));
            r.put("deleteRecordsBeyondEnd", failure(() -> admin.deleteRecords(Map.of(p0, RecordsToDelete.beforeOffset(99))).all().get()));

            admin.alterConsumerGroupOffsets(group, Map.of(p0, new OffsetAndMetadata(3, "meta"), p1, new OffsetAndMetadata(0))).all().get();
            r.put("groupOffsets", groupOffsets(admin, group));
            r.put("listedGroup", admin.listGroups(ListGroupsOptions.forConsumerGroups()).all().get().stream()
                .filter(g -> g.groupId().equals(group))
                .map(g -> g.type().map(Object::toString).orElse("?") + "/" + g.groupState().map(Object::toString).orElse("?") + "/" + g.protocol())
                .toList());
            ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
            r.put("describedGroup", description.type() + "/" + description.groupState() + "/members=" + description.members().size());
            r.put("describeUnknownGroup", describeState(admin, env.name("no-such-group")));

            admin.deleteConsumerGroupOffsets(group, Set.of(p1)).all().get();
            r.put("groupOffsetsAfterDelete", groupOffsets(admin, group));
            admin.deleteConsumerGroups(List.of(group)).all().get();
            r.put("groupListedAfterDelete", admin.listGroups().all().get().stream().anyMatch(g -> g.groupId().equals(group)));
            r.put("deleteGroupAgain", failure(() -> admin.deleteConsumerGroups(List.of(group)).all().get()));

            admin.deleteTopics(List.of(topic)).all().get();
            Env.await("the topic to disappear from listTopics", 20_000, () -> !listed(admin, topic));
            r.put("describeDeleted", failure(() -> admin.describeTopics(List.of(topic)).allTopicNames().get()));
            r.put("deleteAgain", failure(() -> admin.deleteTopics(List.of(topic)).all().get()));
        }
        return r;
    }

    interface Step {
        void run() throws Exception;
    }

    /** The exception class a step failed with, or "ok". */
    static String failure(Step step) {
        try {
            step.run();
            return "ok";
        } catch (ExecutionException e) {
            return e.getCause().getClass().getSimpleName();
        } catch (Exception e) {
            return e.getClass().getSimpleName();
        }
    }

    private static boolean listed(Admin admin, String topic) {
        try {
            return admin.listTopics().names().get().contains(topic);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Kafka applies a config change on the broker shortly after the controller accepted it. */
    private static void awaitConfig(Admin admin, ConfigResource resource, String name, String value) throws InterruptedException {
        Env.await(name + "=" + value, 20_000, () -> {
            try {
                ConfigEntry e = admin.describeConfigs(List.of(resource)).all().get().get(resource).get(name);
                return e != null && value.equals(e.value());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static String describeState(Admin admin, String group) {
        try {
            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
            return d.type() + "/" + d.groupState();
        } catch (Exception e) {
            return (e instanceof ExecutionException ? e.getCause() : e).getClass().getSimpleName();
        }
    }

    private static Map<String, Object> configs(Admin admin, ConfigResource resource, String... names) throws Exception {
        Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
        Map<String, Object> out = new LinkedHashMap<>();
        for (String name : names) {
            ConfigEntry e = config.get(name);
            out.put(name, e == null ? null : e.value() + " (" + e.source() + ")");
        }
        return out;
    }

    private static Map<String, Object> offsets(Admin admin, TopicPartition tp) throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, OffsetSpec> specs = new LinkedHashMap<>();
        specs.put("earliest", OffsetSpec.earliest());
        specs.put("latest", OffsetSpec.latest());
        specs.put("maxTimestamp", OffsetSpec.maxTimestamp());
        specs.put("forTimestamp", OffsetSpec.forTimestamp(BASE_TIMESTAMP + 15));
        for (Map.Entry<String, OffsetSpec> s : specs.entrySet()) {
            ListOffsetsResult.ListOffsetsResultInfo info = admin.listOffsets(Map.of(tp, s.getValue())).partitionResult(tp).get();
            out.put(s.getKey(), info.offset() + "@" + (info.timestamp() < 0 ? String.valueOf(info.timestamp()) : "+" + (info.timestamp() - BASE_TIMESTAMP)));
        }
        return out;
    }

    private static Map<Integer, Object> groupOffsets(Admin admin, String group) throws Exception {
        Map<Integer, Object> out = new TreeMap<>();
        for (Map.Entry<TopicPartition, OffsetAndMetadata> e : admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().entrySet())
            out.put(e.getKey().partition(), e.getValue() == null ? null : e.getValue().offset() + ":" + e.getValue().metadata());
        return out;
    }
}
