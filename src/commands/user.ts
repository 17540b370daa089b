// `tributary user list | describe NAME | create NAME | delete NAME`: SCRAM credentials through
// DescribeUserScramCredentials and AlterUserScramCredentials (KIP-554), as `kafka-configs
// --entity-type users --alter --add-config 'SCRAM-SHA-256=[password=...]'` does: the password is
// salted and hashed here (PBKDF2, as the Java Admin client does) and only the salted form is sent.

import { randomBytes } from 'node:crypto';
import { ApiKey, errorInfo } from '../codec/index.js';
import type { ClusterClient } from '../client/cluster-client.js';
import { check } from '../client/errors.js';
import { isScramMechanism, SCRAM_MECHANISMS, saltPassword, scramMechanismOfType, type ScramMechanism } from '../security/scram.js';
import { UsageError } from './args.js';
import type { Command, CommandGroup } from './main.js';

interface CredentialRow { user: string; mechanism: string; iterations: number }

async function describeUsers(c: ClusterClient, users: string[] | null): Promise<CredentialRow[]> {
  const res = await c.send(ApiKey.DescribeUserScramCredentials, { users: users === null ? null : users.map((name) => ({ name })) }, { version: c.version(ApiKey.DescribeUserScramCredentials) });
  check(res.errorCode, 'DescribeUserScramCredentials', res.errorMessage);
  const rows: CredentialRow[] = [];
  for (const r of res.results) {
    check(r.errorCode, `credentials of ${r.user}`, r.errorMessage);
    for (const info of r.credentialInfos) rows.push({ user: r.user, mechanism: scramMechanismOfType(info.mechanism) ?? String(info.mechanism), iterations: info.iterations });
  }
  return rows;
}

function mechanismOf(text: string | undefined): ScramMechanism {
  const m = (text ?? 'SCRAM-SHA-256').toUpperCase();
  if (!isScramMechanism(m)) throw new UsageError(`--mechanism ${text}: SCRAM-SHA-256 or SCRAM-SHA-512`);
  return m;
}

async function alter(c: ClusterClient, body: Parameters<ClusterClient['send']>[1], what: string): Promise<void> {
  const res = await c.send(ApiKey.AlterUserScramCredentials, body as never, { version: c.version(ApiKey.AlterUserScramCredentials) });
  for (const r of res.results) check(r.errorCode, `${what} ${r.user}`, r.errorMessage ?? errorInfo(r.errorCode)?.name);
}

const list: Command = {
  flags: {},
  async run({ args, out, client }) {
    args.noMorePositionals(1);
    const rows = await describeUsers(await client(), null);
    if (out.json) await out.printJson(rows);
    else await out.printTable(['USER', 'MECHANISM', 'ITERATIONS'], rows.map((r) => [r.user, r.mechanism, r.iterations]));
    return 0;
  },
};

const describe: Command = {
  flags: {},
  async run({ args, out, client }) {
    const name = args.positional(1, 'user name');
    args.noMorePositionals(2);
    const rows = await describeUsers(await client(), [name]);
    if (out.json) await out.printJson(rows);
    else await out.printTable(['USER', 'MECHANISM', 'ITERATIONS'], rows.map((r) => [r.user, r.mechanism, r.iterations]));
    return 0;
  },
};

const create: Command = {
  flags: { mechanism: { kind: 'string' }, iterations: { kind: 'int' }, password: { kind: 'string' } },
  async run({ args, out, client, stdin }) {
    const name = args.positional(1, 'user name');
    args.noMorePositionals(2);
    const mechanism = mechanismOf(args.str('mechanism'));
    const { minIterations, maxIterations } = SCRAM_MECHANISMS[mechanism];
    const iterations = args.int('iterations', minIterations, 1)!;
    if (iterations < minIterations || iterations > maxIterations) throw new UsageError(`--iterations must be ${minIterations}-${maxIterations} for ${mechanism}`);
    // From stdin unless given: a password on the command line is seen by every user of `ps`.
    let password = args.str('password');
    if (password === undefined) {
      let text = '';
      stdin.setEncoding?.('utf8');
      for await (const chunk of stdin as AsyncIterable<string>) text += chunk;
      password = text.replace(/\r?\n$/, '');
    }
    if (password === '') throw new UsageError('an empty password: give it on stdin or with --password');
    const salt = randomBytes(32);
    const saltedPassword = saltPassword(mechanism, password, salt, iterations);
    const c = await client();
    await alter(c, { deletions: [], upsertions: [{ name, mechanism: SCRAM_MECHANISMS[mechanism].type, iterations, salt, saltedPassword }] }, 'setting the credential of');
    if (out.json) await out.printJson({ user: name, mechanism, iterations });
    else await out.write(`${mechanism} credential of ${name} set (${iterations} iterations)\n`);
    return 0;
  },
};

const remove: Command = {
  flags: { mechanism: { kind: 'string' } },
  async run({ args, out, client }) {
    const name = args.positional(1, 'user name');
    args.noMorePositionals(2);
    const c = await client();
    // Without --mechanism, every credential the user has.
    const mechanisms = args.has('mechanism') ? [mechanismOf(args.str('mechanism'))] : (await describeUsers(c, [name])).map((r) => r.mechanism).filter(isScramMechanism);
    if (mechanisms.length > 0) await alter(c, { deletions: mechanisms.map((m) => ({ name, mechanism: SCRAM_MECHANISMS[m].type })), upsertions: [] }, 'deleting the credentials of');
    if (out.json) await out.printJson({ user: name, deleted: mechanisms });
    else await out.write(`deleted ${mechanisms.join(', ') || 'nothing'} of ${name}\n`);
    return 0;
  },
};

export const USER_COMMANDS: CommandGroup = { list, describe, create, delete: remove };
