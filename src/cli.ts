#!/usr/bin/env node
// `tributary [flags]` starts a broker; `healthcheck`, `conformance` and the admin commands
// (topic, produce, consume, group, cluster: src/commands/) are subcommands.
// Arguments become a BrokerConfig; everything heavy is imported only once we know what to run,
// so start-up stays fast.

import module, { createRequire } from 'node:module';
import type { MetricsAddress } from './metrics/address.js';

// Node 22.1+ keeps compiled code of our modules between starts: start-up then costs little more
// than Node itself. Absent on Node 20, where this is a no-op.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

const USAGE = `Usage: tributary [--port N] [--host H] [--data-dir DIR | --storage URL]
                 [--advertised-host H] [--advertised-port N] [--config server.properties] [--brokers N]
                 [--log-format text|json] [--log-level debug|info|warn|error] [--<kafka.key> VALUE ...]
       tributary healthcheck [--bootstrap HOST:PORT | --pid N]
       tributary conformance --bootstrap HOST:PORT [--compare KAFKA] [--filter TEXT] [--json] [--junit FILE]
       tributary topic|produce|consume|group|cluster ...   (admin commands for any Kafka broker)

Starts a Kafka-compatible broker (default: port 9092, data in ./data). Any broker setting can be
given as --<key> VALUE with Kafka's key names, as TRIBUTARY_<KEY> (dots as underscores), or in a
properties file; see README.md for the list. healthcheck asks a broker for its API versions, or its
/readyz when it has metrics.listener (the container uses it; without --bootstrap it finds the listener
in the environment and on the command line of process --pid, default 1: the container's broker); conformance runs the Kafka protocol
conformance suite against any Kafka-compatible broker (with --compare, against a reference Kafka
too, side by side). The admin commands talk to any Kafka-compatible broker (--bootstrap, default
localhost:9092); \`tributary topic --help\` and the README's "Operating" section list them.

A first SIGINT/SIGTERM stops the broker cleanly (during start-up too), a second one at once. SIGHUP
reloads the keystore and truststore files of SSL and SASL_SSL listeners that changed. Under a
supervisor, run \`node dist/cli.js\` itself, not npm, so that the broker gets the signals.`;

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'conformance') {
    const { conformanceMain } = await import('./conformance/main.js');
    return conformanceMain(argv.slice(1));
  }
  // The command groups of src/commands/main.ts (COMMAND_GROUPS), listed here so a broker start loads none of it.
  if (['topic', 'produce', 'consume', 'group', 'cluster', 'acl', 'user'].includes(argv[0])) {
    const { runCommand } = await import('./commands/main.js');
    return runCommand(argv);
  }
  if (argv[0] === 'healthcheck') {
    const { runHealthcheck } = await import('./healthcheck.js');
    return runHealthcheck(argv.slice(1));
  }
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (argv.includes('--version')) {
    const pkg = createRequire(import.meta.url)('../package.json') as { version: string };
    process.stdout.write(pkg.version + '\n');
    return 0;
  }
  const { loadConfig } = await import('./config/load.js');
  const { ConfigError } = await import('./config/types.js');
  let config;
  try {
    config = loadConfig({ argv, env: process.env });
    // A test cluster (--brokers N) numbers its identities from 0 unless node.id is given.
    if (config.int('brokers') > 1 && config.source('node.id') === 'default') config = loadConfig({ argv, env: process.env, overrides: { 'node.id': 0 } });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`tributary: ${err.message}\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  const { Logger } = await import('./util/logger.js');
  const logger = new Logger(undefined, config.str('log.level') as 'info', config.str('log.format') as 'text');
  for (const key of config.ignored) logger.info('ignoring Kafka setting that has no meaning here', { key });
  // Signal handlers go in before start-up: a first SIGINT/SIGTERM stops the broker cleanly as soon as
  // it can (start-up included: it is aborted at its next step), a second ends the process at once.
  const startup = new AbortController();
  let stop: (() => void) | null = null;
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) {
        logger.warn('second signal: exiting without a clean shutdown', { signal });
        exitAtOnce(signal);
      }
      stopping = true;
      logger.info('shutting down', { signal });
      if (stop !== null) stop();
      else startup.abort();
    });
  }
  const { startBrokerWithConfig } = await import('./broker.js');
  let controlUrl = '';
  const { isPostgresUrl } = await import('./pg/connection.js');
  let broker: { bootstrap: string; dataLocation: string; listeners?: readonly { bootstrap: string; name: string; securityProtocol: string }[]; reloadTlsFiles?(): string[]; close(): Promise<void> };
  try {
    if (isPostgresUrl(config.storageUrl)) {
      if (config.int('brokers') > 1) throw new Error('--brokers is for a test cluster in one process; with postgres:// storage start one process per broker');
      const { startPgBrokerWithConfig } = await import('./pg-broker.js');
      broker = await startPgBrokerWithConfig(config, { logger, signal: startup.signal });
    } else if (config.int('brokers') > 1) {
      const { startClusterWithConfig } = await import('./cluster-broker.js');
      const cluster = await startClusterWithConfig(config, { logger, signal: startup.signal });
      broker = cluster;
      const control = config.str('cluster.control.listener');
      if (control !== '') {
        const { startClusterControl } = await import('./cluster-control.js');
        const { parseMetricsAddress } = await import('./metrics/address.js');
        const endpoint = await startClusterControl(cluster, parseMetricsAddress(control) as MetricsAddress, logger).catch(async (err: unknown) => {
          await cluster.close();
          throw err;
        });
        broker = { bootstrap: cluster.bootstrap, dataLocation: cluster.dataLocation, close: () => endpoint.close().then(() => cluster.close()) };
        controlUrl = endpoint.url;
      }
    } else {
      if (config.str('cluster.control.listener') !== '') throw new Error('cluster.control.listener needs a test cluster (--brokers 2 or more)');
      broker = await startBrokerWithConfig(config, { logger, signal: startup.signal });
    }
  } catch (err) {
    if (startup.signal.aborted) {
      logger.info('stopped before start-up finished');
      return 0;
    }
    logger.error('could not start', { error: err instanceof Error ? err.message : String(err) });
    return 1;
  }
  // A renewed certificate written over the keystore file is picked up without a restart (checked as an AlterConfigs is).
  process.on('SIGHUP', () => broker.reloadTlsFiles?.());
  process.stdout.write(`Tributary listening on ${broker.bootstrap} (advertised), data in ${broker.dataLocation}\n`);
  if (controlUrl !== '') process.stdout.write(`Tributary cluster control on ${controlUrl}\n`);
  for (const l of broker.listeners?.slice(1) ?? []) process.stdout.write(`Tributary also listening on ${l.bootstrap} (advertised, listener ${l.name}, ${l.securityProtocol})\n`);
  // Room for the V8 heap to grow before a full collection (util/heap-headroom.ts): loaded after
  // listening, off the start-up path.
  void import('./util/heap-headroom.js').then((m) => m.keepHeapHeadroom());

  return new Promise<number>((resolve) => {
    stop = () => {
      broker.close().then(
        () => resolve(0),
        (err: unknown) => {
          logger.error('shutdown failed', { error: err instanceof Error ? err.message : String(err) });
          resolve(1);
        },
      );
    };
    // A signal that came while the last start-up step finished.
    if (stopping) stop();
  });
}

/**
 * Ends the process now, whatever it is waiting for. The signal is raised again with its default
 * action (the process dies of it, as a shell and a supervisor expect), because process.exit waits
 * for the thread pool and would hang behind a blocked file operation (a stuck disk, a FIFO). Where
 * the default action is ignored (PID 1 in a container), process.exit is the fallback.
 */
function exitAtOnce(signal: NodeJS.Signals): never {
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
  process.exit(1);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`tributary: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
