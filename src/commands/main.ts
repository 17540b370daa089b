// `tributary topic|produce|consume|group|cluster ...`: admin commands for any Kafka-compatible
// broker, on our own codec as the client. This file routes to a command group and turns failures
// into one line on stderr and an exit code scripts can rely on (see EXIT).

import { ClientError, type ClientErrorKind } from '../client/errors.js';
import { ClusterClient } from '../client/cluster-client.js';
import { readFileSync } from 'node:fs';
import { clientSecurityFrom, parseProperties, type ClientSecurity } from '../client/security.js';
import { keyValue, parseArgs, UsageError, type Args, type FlagSpecs } from './args.js';
import { Output } from './output.js';

/** Exit codes: 0 success, 1 the broker refused or failed the operation, 2 bad usage, 3 no broker. */
export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;

export const COMMAND_GROUPS = ['topic', 'produce', 'consume', 'group', 'cluster', 'acl', 'user'] as const;

export const COMMANDS_USAGE = `       tributary topic list | describe NAME | delete NAME
       tributary topic create NAME [-p PARTITIONS] [-r REPLICAS] [-c key=value ...]
       tributary topic alter-config NAME key=value ... [--delete key ...] | add-partitions NAME COUNT
       tributary produce TOPIC [--key-separator S] [--partition N] [-H key=value ...]
                 [--compression none|gzip|snappy|lz4|zstd] [--acks all|1|0]      (records from stdin, one a line)
       tributary consume TOPIC [--group G] [--from beginning|end|offset:N|timestamp:MS] [--partition N]
                 [-n COUNT] [-e] [--format FMT | --json]
       tributary group list | describe NAME | delete NAME
       tributary group reset-offsets NAME --topic T[:P,...] --to-earliest|--to-latest|--to-offset N|
                 --to-datetime ISO|--shift-by N [--execute]
       tributary cluster info
       tributary acl list|delete [--topic T|--group G|--transactional-id X|--cluster] [--principal P] [--operation OP]
                 [--resource-pattern-type any|match|literal|prefixed]
       tributary acl create --allow-principal P|--deny-principal P ... --operation OP ... --topic T|--group G|
                 --transactional-id X|--cluster [--resource-pattern-type literal|prefixed] [--host H]
       tributary user list | describe NAME | delete NAME [--mechanism M]
       tributary user create NAME [--mechanism SCRAM-SHA-256|SCRAM-SHA-512] [--iterations N] [--password P] (else stdin)
         (every command: [--bootstrap HOST:PORT (default localhost:9092)] [--json] [--timeout-ms N]
          [-X key=value ...] [--command-config FILE]: Kafka client properties, e.g. security.protocol=SASL_SSL,
          sasl.mechanism=SCRAM-SHA-512, sasl.jaas.config=... or sasl.username/sasl.password, ssl.truststore.location=ca.pem)`;

/** What a command gets: its parsed arguments, output, and a connected client (made on first use). */
export interface CommandContext {
  args: Args;
  out: Output;
  client(): Promise<ClusterClient>;
  stdin: NodeJS.ReadableStream;
}

export interface Command {
  flags: FlagSpecs;
  run(ctx: CommandContext): Promise<number>;
}

/** Commands of a group by sub-command name ('' for a group that is one command, like produce). */
export type CommandGroup = Record<string, Command>;

async function loadGroup(name: string): Promise<CommandGroup> {
  switch (name) {
    case 'topic': return (await import('./topic.js')).TOPIC_COMMANDS;
    case 'produce': return { '': (await import('./produce.js')).PRODUCE_COMMAND };
    case 'consume': return { '': (await import('./consume.js')).CONSUME_COMMAND };
    case 'group': return (await import('./group.js')).GROUP_COMMANDS;
    case 'cluster': return (await import('./cluster.js')).CLUSTER_COMMANDS;
    case 'acl': return (await import('./acl.js')).ACL_COMMANDS;
    case 'user': return (await import('./user.js')).USER_COMMANDS;
    default: throw new UsageError(`unknown command ${name}`);
  }
}

/** The connection security of --command-config FILE, then each -X key=value over it (kcat's order). */
function securityOf(args: Args): ClientSecurity {
  const props = new Map<string, string>();
  const file = args.str('command-config');
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`--command-config: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    try {
      for (const [k, v] of parseProperties(text)) props.set(k, v);
    } catch (err) {
      throw new UsageError(`--command-config ${file}: ${(err as Error).message}`);
    }
  }
  for (const kv of args.list('property')) {
    const [k, v] = keyValue(kv, '-X');
    props.set(k, v);
  }
  try {
    return clientSecurityFrom(props);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

const EXIT_BY_KIND: Record<ClientErrorKind, number> = { kafka: EXIT.failed, unsupported: EXIT.failed, timeout: EXIT.unreachable, unreachable: EXIT.unreachable };

/** Runs `argv` (starting with the group name); resolves with the exit code. Never throws. */
export async function runCommand(argv: string[], io: { stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream; stdin?: NodeJS.ReadableStream } = {}): Promise<number> {
  const stdout = (io.stdout ?? process.stdout) as import('node:stream').Writable;
  const stderr = (io.stderr ?? process.stderr) as import('node:stream').Writable;
  const [groupName, ...rest] = argv;
  if (rest.includes('--help') || rest.includes('-h')) {
    stdout.write(`Usage:\n${COMMANDS_USAGE}\n\nExit codes: 0 done, 1 the broker refused or failed it, 2 bad usage, 3 broker unreachable.\n`);
    return EXIT.ok;
  }
  let client: Promise<ClusterClient> | undefined;
  try {
    const group = await loadGroup(groupName);
    const single = group[''] !== undefined;
    const subName = single ? '' : (rest[0] ?? '');
    const command = group[subName];
    if (command === undefined) {
      const known = Object.keys(group).join(', ');
      throw new UsageError(subName === '' ? `${groupName} needs a sub-command: ${known}` : `unknown ${groupName} sub-command ${subName} (known: ${known})`);
    }
    // For a group's sub-command, positional 0 is the sub-command's name: its arguments start at 1.
    const args = parseArgs(rest, command.flags);
    const out = new Output(stdout, stderr, args.bool('json'));
    const ctx: CommandContext = {
      args,
      out,
      stdin: io.stdin ?? process.stdin,
      client: () => (client ??= ClusterClient.connect({
        bootstrap: args.str('bootstrap', process.env.TRIBUTARY_BOOTSTRAP ?? 'localhost:9092'),
        clientId: args.str('client-id'),
        timeoutMs: args.int('timeout-ms', undefined, 1),
        security: securityOf(args),
      })),
    };
    const code = await command.run(ctx);
    await out.flush();
    return code;
  } catch (err) {
    if (err instanceof UsageError) {
      stderr.write(`tributary ${groupName}: ${err.message} (see tributary --help)\n`);
      return EXIT.usage;
    }
    if (err instanceof ClientError) {
      stderr.write(`tributary ${groupName}: ${err.message}\n`);
      return EXIT_BY_KIND[err.kind];
    }
    // A bug of ours, not of the user's input: still one line, with the message.
    stderr.write(`tributary ${groupName}: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failed;
  } finally {
    client?.then((c) => c.close(), () => {});
  }
}
