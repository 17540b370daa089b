// Runs Kafka's command-line tools against one broker, all in one JVM (a JVM start costs about a
// second, and the tools are many):
//   java -cp 'build:test/reference/libs/*' Tools <bootstrap> <prefix> <scenario-id>...
// Each tool runs through its main class exactly as bin/kafka-*.sh would run it, with stdin given,
// stdout captured, and Kafka's Exit procedure turned into an exception so that the exit code is
// recorded instead of ending the JVM. Scenarios run one after another (they share System.out);
// each prints one line {"id", "calls": [{"tool", "args", "exit", "stdout", "stderr"}]}.

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Exit;

public final class Tools {
    static final String TOPICS = "org.apache.kafka.tools.TopicCommand";
    static final String CONSOLE_PRODUCER = "org.apache.kafka.tools.ConsoleProducer";
    static final String CONSOLE_CONSUMER = "org.apache.kafka.tools.consumer.ConsoleConsumer";
    static final String CONSUMER_GROUPS = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand";
    static final String CONFIGS = "kafka.admin.ConfigCommand";
    static final String GET_OFFSETS = "org.apache.kafka.tools.GetOffsetShell";
    static final String TRANSACTIONS = "org.apache.kafka.tools.TransactionsCommand";
    static final String PRODUCER_PERF = "org.apache.kafka.tools.ProducerPerformance";
    static final String CONSUMER_PERF = "org.apache.kafka.tools.ConsumerPerformance";

    /**
     * A tool's exit through Kafka's Exit.exit, thrown instead of ending the JVM. Some tools catch
     * Throwable around their body and exit again with 1 (TopicCommand): the first exit is the one
     * the shell would have seen, so the exit procedure records it.
     */
    static final class ToolExit extends RuntimeException {
        final int code;

        ToolExit(int code) {
            super(null, null, false, false);
            this.code = code;
        }
    }

    final String bootstrap;
    final String prefix;
    final List<Map<String, Object>> calls = new ArrayList<>();
    static Integer firstExit;

    Tools(String bootstrap, String prefix) {
        this.bootstrap = bootstrap;
        this.prefix = prefix;
    }

    String name(String what) {
        return prefix + "-" + what;
    }

    /** Runs one tool's main with these arguments and stdin; records exit code and output. */
    int runWithInput(String tool, String stdin, String... args) throws Exception {
        PrintStream realOut = System.out;
        PrintStream realErr = System.err;
        InputStream realIn = System.in;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        firstExit = null;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        try {
            Class.forName(tool).getMethod("main", String[].class).invoke(null, (Object) args);
            exit = firstExit == null ? 0 : firstExit;
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof ToolExit) {
                exit = firstExit;
            } else {
                e.getCause().printStackTrace();
                exit = -1;
            }
        } finally {
            System.out.flush();
            System.err.flush();
            System.setOut(realOut);
            System.setErr(realErr);
            System.setIn(realIn);
        }
        Map<String, Object> call = new LinkedHashMap<>();
        call.put("tool", tool.substring(tool.lastIndexOf('.') + 1));
        call.put("args", String.join(" ", args));
        call.put("exit", exit);
        call.put("stdout", out.toString(StandardCharsets.UTF_8));
        call.put("stderr", err.toString(StandardCharsets.UTF_8));
        calls.add(call);
        return exit;
    }

    int run(String tool, String... args) throws Exception {
        return runWithInput(tool, "", args);
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: Tools <bootstrap> <prefix> <scenario-id>...");
            System.exit(2);
        }
        Exit.Procedure exit = (code, message) -> {
            if (firstExit == null) firstExit = code;
            throw new ToolExit(code);
        };
        Exit.setExitProcedure(exit);
        Exit.setHaltProcedure(exit);
        Exit.setShutdownHookAdder((name, hook) -> { });
        for (int i = 2; i < args.length; i++) {
            Tools tools = new Tools(args[0], args[1] + "-" + args[i]);
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("id", args[i]);
            try {
                tools.scenario(args[i]);
            } catch (Exception e) {
                line.put("error", e.toString());
            }
            line.put("calls", tools.calls);
            System.out.println(Json.write(line));
            System.out.flush();
        }
        System.exit(0);
    }

    void scenario(String id) throws Exception {
        switch (id) {
            case "kafka-topics" -> topics();
            case "console-producer-consumer" -> console();
            case "kafka-consumer-groups" -> consumerGroups();
            case "kafka-configs" -> configs();
            case "kafka-get-offsets" -> getOffsets();
            case "kafka-transactions" -> transactions();
            case "perf-tests" -> perf();
            default -> throw new IllegalArgumentException("unknown scenario " + id);
        }
    }

    void topics() throws Exception {
        String topic = name("topic");
        run(TOPICS, "--bootstrap-server", bootstrap, "--create", "--topic", topic, "--partitions", "2", "--replication-factor", "1", "--config", "retention.ms=86400000");
        run(TOPICS, "--bootstrap-server", bootstrap, "--create", "--topic", topic, "--partitions", "2");
        run(TOPICS, "--bootstrap-server", bootstrap, "--create", "--if-not-exists", "--topic", topic, "--partitions", "2");
        run(TOPICS, "--bootstrap-server", bootstrap, "--list", "--topic", topic);
        run(TOPICS, "--bootstrap-server", bootstrap, "--describe", "--topic", topic);
        run(TOPICS, "--bootstrap-server", bootstrap, "--alter", "--topic", topic, "--partitions", "3");
        run(TOPICS, "--bootstrap-server", bootstrap, "--alter", "--topic", topic, "--partitions", "1");
        run(TOPICS, "--bootstrap-server", bootstrap, "--describe", "--topic", topic);
        run(TOPICS, "--bootstrap-server", bootstrap, "--delete", "--topic", topic);
        run(TOPICS, "--bootstrap-server", bootstrap, "--describe", "--topic", name("no-such-topic"));
    }

    // ConsoleProducer runs with --sync: its main ends in Exit.exit before closing its producer, so in
    // this shared JVM only synchronous sends are sure to be written before the next tool runs.
    void console() throws Exception {
        String topic = name("topic");
        run(TOPICS, "--bootstrap-server", bootstrap, "--create", "--topic", topic, "--partitions", "1");
        runWithInput(CONSOLE_PRODUCER, "k1:one\nk2:two\nk3:three\n", "--sync", "--bootstrap-server", bootstrap, "--topic", topic,
            "--reader-property", "parse.key=true", "--reader-property", "key.separator=:");
        run(CONSOLE_CONSUMER, "--bootstrap-server", bootstrap, "--topic", topic, "--from-beginning", "--max-messages", "3",
            "--timeout-ms", "20000", "--group", name("group"), "--formatter-property", "print.key=true", "--formatter-property", "print.offset=true",
            "--formatter-property", "print.partition=true");
        // A second group member run resumes after the committed offsets: nothing more to read.
        run(CONSOLE_CONSUMER, "--bootstrap-server", bootstrap, "--topic", topic, "--max-messages", "1",
            "--timeout-ms", "3000", "--group", name("group"));
    }

    void consumerGroups() throws Exception {
        String topic = name("topic");
        String group = name("group");
        run(TOPICS, "--bootstrap-server", bootstrap, "--create", "--topic", topic, "--partitions", "2");
        runWithInput(CONSOLE_PRODUCER, "a:1\nb:2\nc:3\nd:4\n", "--sync", "--bootstrap-server", bootstrap, "--topic", topic,
            "--reader-property", "parse.key=true", "--reader-property", "key.separator=:");
        run(CONSOLE_CONSUMER, "--bootstrap-server", bootstrap, "--topic", topic, "--from-beginning", "--max-messages", "4",
            "--timeout-ms", "20000", "--group", group, "--command-property", "group.protocol=consumer");
        run(CONSUMER_GROUPS, "--bootstrap-server", bootstrap, "--list");
        run(CONSUMER_GROUPS, "--bootstrap-server", bootstrap, "--describe", "--group", group);
        run(CONSUMER_GROUPS, "--bootstrap-server", bootstrap, "--describe", "--group", group, "--state");
        run(CONSUMER_GROUPS, "--bootstrap-server", bootstrap, "--reset-offsets", "--group", group, "--topic", topic, "--to-earliest", "--dry-run");
        run(CONSUMER_GROUPS, "--bootstrap-server", bootstrap, "--reset-offsets", "--group", group, "--topic", topic, "--to-earliest", "--execute");
        run(CONSUMER_GROUPS, "--bootstrap-server", bootstrap, "--describe", "--group", group);
        run(CONSUMER_GROUPS, "--bootstrap-server", bootstrap, "--describe", "--group", name("no-such-group"));
        run(CONSUMER_GROUPS, "--bootstrap-server", bootstrap, "--delete", "--group", group);
    }

    void configs() throws Exception {
        String topic = name("topic");
        run(TOPICS, "--bootstrap-server", bootstrap, "--create", "--topic", topic, "--partitions", "1");
        run(CONFIGS, "--bootstrap-server", bootstrap, "--alter", "--entity-type", "topics", "--entity-name", topic,
            "--add-config", "retention.ms=3600000,cleanup.policy=[compact,delete]");
        run(CONFIGS, "--bootstrap-server", bootstrap, "--describe", "--entity-type", "topics", "--entity-name", topic);
        run(CONFIGS, "--bootstrap-server", bootstrap, "--alter", "--entity-type", "topics", "--entity-name", topic,
            "--delete-config", "cleanup.policy");
        run(CONFIGS, "--bootstrap-server", bootstrap, "--describe", "--entity-type", "topics", "--entity-name", topic);
        run(CONFIGS, "--bootstrap-server", bootstrap, "--alter", "--entity-type", "topics", "--entity-name", topic,
            "--add-config", "retention.ms=forever");
    }

    void getOffsets() throws Exception {
        String topic = name("topic");
        run(TOPICS, "--bootstrap-server", bootstrap, "--create", "--topic", topic, "--partitions", "2");
        // Keyed, so that the partitions (by the key's hash) are the same on both brokers.
        runWithInput(CONSOLE_PRODUCER, "a:x\nb:y\nc:z\n", "--sync", "--bootstrap-server", bootstrap, "--topic", topic,
            "--reader-property", "parse.key=true", "--reader-property", "key.separator=:");
        run(GET_OFFSETS, "--bootstrap-server", bootstrap, "--topic", topic);
        run(GET_OFFSETS, "--bootstrap-server", bootstrap, "--topic", topic, "--time", "-2");
        run(GET_OFFSETS, "--bootstrap-server", bootstrap, "--topic", topic, "--time", "-3");
        run(GET_OFFSETS, "--bootstrap-server", bootstrap, "--topic-partitions", topic + ":1");
    }

    void transactions() throws Exception {
        String topic = name("topic");
        String transactionalId = name("txn");
        run(TOPICS, "--bootstrap-server", bootstrap, "--create", "--topic", topic, "--partitions", "1");
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("transactional.id", transactionalId);
        p.put("key.serializer", StringSerializer.class.getName());
        p.put("value.serializer", StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "v")).get();
            producer.commitTransaction();
        }
        // Kafka answers commitTransaction once the commit is decided (PrepareCommit); the markers and
        // CompleteCommit follow. The tools below should see the settled state on both brokers.
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            long deadline = System.currentTimeMillis() + 20_000;
            while (admin.describeTransactions(List.of(transactionalId)).all().get().get(transactionalId).state()
                    != org.apache.kafka.clients.admin.TransactionState.COMPLETE_COMMIT) {
                if (System.currentTimeMillis() > deadline) throw new IllegalStateException("transaction did not complete");
                Thread.sleep(50);
            }
        }
        run(TRANSACTIONS, "--bootstrap-server", bootstrap, "list");
        run(TRANSACTIONS, "--bootstrap-server", bootstrap, "describe", "--transactional-id", transactionalId);
        run(TRANSACTIONS, "--bootstrap-server", bootstrap, "describe-producers", "--topic", topic, "--partition", "0");
        run(TRANSACTIONS, "--bootstrap-server", bootstrap, "describe", "--transactional-id", name("no-such-txn"));
    }

    void perf() throws Exception {
        String topic = name("topic");
        run(TOPICS, "--bootstrap-server", bootstrap, "--create", "--topic", topic, "--partitions", "2");
        run(PRODUCER_PERF, "--topic", topic, "--num-records", "2000", "--record-size", "100", "--throughput", "-1",
            "--bootstrap-server", bootstrap, "--command-property", "acks=all", "--command-property", "delivery.timeout.ms=300000");
        run(CONSUMER_PERF, "--bootstrap-server", bootstrap, "--topic", topic, "--num-records", "2000", "--timeout", "20000",
            "--group", name("group"));
    }
}
