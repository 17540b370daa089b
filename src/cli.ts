#!/usr/bin/env node
// `tributary [flags]` starts a broker; `healthcheck`, `conformance` and the admin commands
// (topic, produce, consume, group, cluster: src/commands/) are subcommands.
// Arguments become a BrokerConfig; everything heavy is imported only once we know what to run,
// so start-up stays fast.

import module, { createRequire } from 'node:module';

// Node 22.1+ keeps compiled code of our modules between starts: start-up then costs little more
// than Node itself. Absent on Node 20, where this is a no-op.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

const USAGE = `Usage: tributary [--port N] [--host H] [--data-dir DIR | --storage URL]
                 [--advertised-host H] [--advertised-port N] [--config server.properties]
                 [--log-format text|json] [--log-level debug|info|warn|error] [--<kafka.key> VALUE ...]
       tributary healthcheck [--bootstrap HOST:PORT]
       tributary conformance --bootstrap HOST:PORT [--filter TEXT] [--json] [--junit FILE]
       tributary topic|produce|consume|group|cluster ...   (admin commands for any Kafka broker)

Starts a Kafka-compatible broker (default: port 9092, data in ./data). Any broker setting can be
given as --<key> VALUE with Kafka's key names, as TRIBUTARY_<KEY> (dots as underscores), or in a
properties file; see README.md for the list. healthcheck asks a broker for its API versions (the
container uses it); conformance runs the Kafka protocol conformance suite against any
Kafka-compatible broker. The admin commands talk to any Kafka-compatible broker (--bootstrap,
default localhost:9092); \`tributary topic --help\` and the README's "Operating" section list them.`;

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'conformance') {
    const { conformanceMain } = await import('./conformance/main.js');
    return conformanceMain(argv.slice(1));
  }
  if (['topic', 'produce', 'consume', 'group', 'cluster'].includes(argv[0])) {
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
  // Signal handlers go in first, so a SIGTERM during start-up still ends in a clean shutdown.
  let signalled: string | null = null;
  let onSignal: (signal: string) => void = (signal) => {
    signalled = signal;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) {
        logger.warn('second signal: exiting without a clean shutdown', { signal });
        process.exit(1);
      }
      onSignal(signal);
    });
  }
  let stopping = false;
  const { startBrokerWithConfig } = await import('./broker.js');
  let broker: Awaited<ReturnType<typeof startBrokerWithConfig>>;
  try {
    broker = await startBrokerWithConfig(config, { logger });
  } catch (err) {
    logger.error('could not start', { error: err instanceof Error ? err.message : String(err) });
    return 1;
  }
  process.stdout.write(`Tributary listening on ${broker.bootstrap} (advertised), data in ${broker.dataLocation}\n`);

  return new Promise<number>((resolve) => {
    onSignal = (signal) => {
      stopping = true;
      logger.info('shutting down', { signal });
      broker.close().then(
        () => resolve(0),
        (err: unknown) => {
          logger.error('shutdown failed', { error: err instanceof Error ? err.message : String(err) });
          resolve(1);
        },
      );
    };
    if (signalled !== null) onSignal(signalled);
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`tributary: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
