// Runs the Java client scenarios against one broker in one JVM (a JVM start costs about a second):
//   java -cp 'build:test/reference/libs/*' Scenarios <bootstrap> <prefix> <scenario-id>...
// The scenarios run concurrently, each on its own topics and groups (named from the prefix), and
// each prints one line: {"id", "result"} when it finished, {"id", "error"} when it threw.

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

public final class Scenarios {
    /** One scenario: given the broker and a name prefix, returns the facts the test asserts. */
    interface Scenario {
        Map<String, Object> run(Env env) throws Exception;
    }

    static final Map<String, Scenario> ALL = new LinkedHashMap<>();
    static {
        ALL.put("idempotent-producer", ProducerScenario::run);
        ALL.put("group-classic", env -> GroupScenario.run(env, "classic"));
        ALL.put("group-consumer", env -> GroupScenario.run(env, "consumer"));
        ALL.put("admin", AdminScenario::run);
        ALL.put("transactions-v2-classic-group", env -> TransactionsScenario.run(env, "classic"));
        ALL.put("transactions-v2-consumer-group", env -> TransactionsScenario.run(env, "consumer"));
    }

    private static final long SCENARIO_TIMEOUT_MS = 90_000;

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: Scenarios <bootstrap> <prefix> <scenario-id>...");
            System.exit(2);
        }
        String bootstrap = args[0];
        String prefix = args[1];
        List<String> ids = List.of(args).subList(2, args.length);
        for (String id : ids) {
            if (!ALL.containsKey(id)) {
                System.err.println("unknown scenario " + id + "; known: " + ALL.keySet());
                System.exit(2);
            }
        }
        ExecutorService pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r);
            t.setDaemon(true);
            return t;
        });
        Map<String, Future<Map<String, Object>>> running = new LinkedHashMap<>();
        for (String id : ids) {
            Env env = new Env(bootstrap, prefix + "-" + id);
            running.put(id, pool.submit(() -> ALL.get(id).run(env)));
        }
        long deadline = System.currentTimeMillis() + SCENARIO_TIMEOUT_MS;
        for (Map.Entry<String, Future<Map<String, Object>>> e : running.entrySet()) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("id", e.getKey());
            try {
                line.put("result", e.getValue().get(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS));
            } catch (TimeoutException timeout) {
                line.put("error", "timed out after " + SCENARIO_TIMEOUT_MS + " ms");
            } catch (java.util.concurrent.ExecutionException failed) {
                StringWriter trace = new StringWriter();
                failed.getCause().printStackTrace(new PrintWriter(trace));
                line.put("error", trace.toString());
            }
            synchronized (System.out) {
                System.out.println(Json.write(line));
                System.out.flush();
            }
        }
        // Clients of a timed-out scenario may still hold non-daemon threads.
        System.exit(0);
    }
}
