/**
 * `writ keys generate|list|rotate|retire|revoke` — the project's keys and its signed trust
 * root (see {@link ../lib/key-store.ts} for the layout). Every change is a new trust-root
 * version signed by the threshold of the old and of the new root keys; changes that would
 * lock the team out are refused. Private keys are never printed.
 * Exit codes: 0 done · 2 usage or refused (missing keys, lock-out, bad arguments).
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { KEY_ROLES, isWritError } from '@writ/core';
import type { KeyRole, TrustRootDocument, TrustRootKeyEntry } from '@writ/core';
import { EXIT, UsageError, collectRepeated, describeError, isFileError, processContext } from '../cli-context.ts';
import type { CommandContext } from '../cli-context.ts';
import { acceptDashIds } from '../lib/dash-ids.ts';
import { generateKeyFile, keyEntry, keyNames, loadKey, publishVersion, readChain, signersFor } from '../lib/key-store.ts';

/** Options shared by the keys subcommands. */
export interface KeysOptions {
  readonly dir?: string;
  readonly json?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly now?: Date;
}

/** Options of {@link rotateKeys}. */
export interface RotateOptions extends KeysOptions {
  /** `NAME:ROLE[+ROLE]:OWNER` — add the (generated) key NAME with those roles (`--add`, repeatable). */
  readonly add?: readonly string[];
  readonly retire?: readonly string[];
  readonly revoke?: readonly string[];
  /** Start of the compromise window for `revoke` (RFC 3339); signatures since then are refused. */
  readonly since?: string;
  readonly threshold?: string;
  /** Names of the private keys that sign the new version (default: every local root key). */
  readonly signWith?: readonly string[];
}

function run(context: CommandContext, name: string, body: () => Promise<void>): Promise<void> {
  return body().then(
    () => context.setExitCode(EXIT.ok),
    (error: unknown) => {
      context.stderr(`writ keys ${name}: ${describeError(error)}\n`);
      context.setExitCode(error instanceof UsageError || isWritError(error) || isFileError(error) ? EXIT.usage : EXIT.invalid);
    },
  );
}

const dirOf = (options: KeysOptions, context: CommandContext) => resolve(context.cwd, options.dir ?? '.writ');

/** `writ keys generate NAME`: a new private key file (0600); prints its id and public key. */
export function generateKey(name: string, options: KeysOptions & { force?: boolean }, context: CommandContext = processContext()): Promise<void> {
  return run(context, 'generate', async () => {
    const key = await generateKeyFile({ dir: dirOf(options, context), name, force: options.force === true });
    if (options.json === true) context.stdout(`${JSON.stringify({ name, ...key.toJSON() })}\n`);
    else context.stdout(`generated ${name}: key id ${key.keyId}, public key ${key.toJSON().publicKey}\n  private key in ${dirOf(options, context)}/keys/${name}.key (mode 0600); add it with writ keys rotate --add ${name}:ROLE:OWNER\n`);
  });
}

/** `writ keys list`: the keys of the newest verified trust-root version. */
export function listKeys(options: KeysOptions, context: CommandContext = processContext()): Promise<void> {
  return run(context, 'list', async () => {
    const dir = dirOf(options, context);
    const { root } = await readChain(dir);
    const local = new Map<string, string>();
    for (const name of await keyNames(dir)) local.set((await loadKey({ dir, name, env: options.env ?? process.env })).keyId, name);
    const doc = root.document;
    if (options.json === true) {
      context.stdout(`${JSON.stringify({ version: doc.version, threshold: doc.threshold, keys: doc.keys.map((k) => ({ ...k, localName: local.get(k.keyId) ?? null })) }, null, 2)}\n`);
      return;
    }
    const lines = [`trust root version ${doc.version}, threshold ${doc.threshold}, digest ${root.digest}`];
    for (const k of doc.keys) lines.push(`  ${k.keyId.padEnd(24)} ${k.roles.join('+').padEnd(20)} ${k.status.padEnd(11)} ${k.owner}${k.since ? ` since ${k.since}` : ''}${local.has(k.keyId) ? ` [local: ${local.get(k.keyId)}]` : ''}`);
    context.stdout(`${lines.join('\n')}\n`);
  });
}

async function parseAdd(spec: string, options: { dir: string; env: Readonly<Record<string, string | undefined>>; validFrom: string }): Promise<TrustRootKeyEntry> {
  const [name = '', roleList = '', owner = ''] = spec.split(':');
  const roles = roleList.split('+').filter(Boolean);
  if (roles.length === 0 || owner === '' || roles.some((r) => !(KEY_ROLES as readonly string[]).includes(r))) {
    throw new UsageError(`--add ${spec}: expected NAME:ROLE[+ROLE]:OWNER with roles from ${KEY_ROLES.join(', ')}`);
  }
  return keyEntry(await loadKey({ ...options, name }), { roles: roles as KeyRole[], owner, validFrom: options.validFrom });
}

/** `writ keys rotate`: publish the next trust-root version with keys added, retired or revoked. */
export function rotateKeys(options: RotateOptions, context: CommandContext = processContext(), label = 'rotate'): Promise<void> {
  return run(context, label, async () => {
    const dir = dirOf(options, context);
    const env = options.env ?? process.env;
    const now = (options.now ?? new Date()).toISOString();
    const { root, versions } = await readChain(dir);
    const old = root.document;
    let keys: TrustRootKeyEntry[] = [...old.keys];
    const find = (id: string) => {
      if (!keys.some((k) => k.keyId === id)) throw new UsageError(`no key ${id} in trust root version ${old.version}`);
    };
    for (const spec of options.add ?? []) {
      const entry = await parseAdd(spec, { dir, env, validFrom: now });
      if (keys.some((k) => k.keyId === entry.keyId)) throw new UsageError(`--add ${spec}: key ${entry.keyId} is already listed`);
      keys.push(entry);
    }
    // A key already retired or compromised keeps its time: moving it later would make the
    // key's signatures in between valid again. Only an earlier compromise time (a wider
    // window) may replace it.
    const noLaterThanBefore = (id: string, since: string, what: string) => {
      const k = keys.find((entry) => entry.keyId === id)!;
      if (k.status !== 'active' && k.since !== undefined && Date.parse(since) > Date.parse(k.since)) {
        throw new UsageError(`${what} ${id}: the key is already ${k.status} since ${k.since}; a later time would make its signatures in between valid again`);
      }
    };
    for (const id of options.retire ?? []) {
      find(id);
      const k = keys.find((entry) => entry.keyId === id)!;
      if (k.status !== 'active') throw new UsageError(`--retire ${id}: the key is already ${k.status}${k.since === undefined ? '' : ` since ${k.since}`}`);
      keys = keys.map((k) => (k.keyId === id ? { ...k, status: 'retired', since: now } : k));
    }
    if ((options.revoke ?? []).length > 0 && options.since === undefined) {
      throw new UsageError('--since TIME is required with revoke: the start of the compromise window (RFC 3339)');
    }
    if (options.since !== undefined && Number.isNaN(Date.parse(options.since))) {
      throw new UsageError(`--since ${options.since}: not a time; give the start of the compromise window in RFC 3339 (2026-11-20T00:00:00Z)`);
    }
    for (const id of options.revoke ?? []) {
      find(id);
      noLaterThanBefore(id, new Date(options.since!).toISOString(), '--revoke');
      keys = keys.map((k) => (k.keyId === id ? { ...k, status: 'compromised', since: new Date(options.since!).toISOString() } : k));
    }
    const threshold = options.threshold === undefined ? old.threshold : Number(options.threshold);
    // A version without changes would only re-sign the same keys under a new number and a new
    // pin digest: verifiers pinned to the current one would need a new pin for nothing.
    if ((options.add ?? []).length + (options.retire ?? []).length + (options.revoke ?? []).length === 0 && threshold === old.threshold) {
      throw new UsageError(`nothing to change: pass --add, --retire, --revoke or a new --threshold (trust root version ${old.version} stays as it is)`);
    }
    const document: TrustRootDocument = { ...old, version: old.version + 1, issuedAt: now, threshold, keys };
    const names = options.signWith ?? (await keyNames(dir));
    const signers = await signersFor({ dir, names, env });
    const rootIds = new Set([...old.keys, ...keys].filter((k) => k.roles.includes('root')).map((k) => k.keyId));
    const rootSigners = signers.filter((s) => rootIds.has(s.keyId));
    if (rootSigners.length === 0) {
      throw new UsageError(
        `refused: none of the signing keys (${names.map((n, i) => `${n} ${signers[i]!.keyId}`).join(', ')}) is a root key of trust root version ${old.version} or of the new one; sign with a root key (--sign-with NAME: a file in ${dir}/keys or WRIT_KEY_<NAME>)`,
        'ERR_KEY_ROLE_MISMATCH',
      );
    }
    const next = await publishVersion({ dir, document, signers: rootSigners, previous: versions });
    if (options.json === true) context.stdout(`${JSON.stringify({ version: document.version, digest: next.digest, threshold, keys: keys.length })}\n`);
    else context.stdout(`published trust root version ${document.version} (${next.digest}), threshold ${threshold}, ${keys.length} key(s); pin ${dir}/trust-root.json\n`);
  });
}


/**
 * Register `writ keys` and its subcommands.
 * @example `writ keys rotate --add approver-2:approver:finance@acme --sign-with root --sign-with root-2`
 */
export function registerKeysCommand(program: Command, context?: CommandContext): Command {
  const keys = program.command('keys').description('generate keys and publish trust-root versions (rotate, retire, revoke)').option('--dir <dir>', 'key and trust-root directory', '.writ').option('--json', 'print JSON');
  const common = (options: object) => ({ ...keys.opts<KeysOptions>(), ...options });
  keys
    .command('generate')
    .argument('<name>', 'key name (lowercase, digits, dashes)')
    .option('--force', 'replace an existing key file')
    .description('write a new private key file (mode 0600) and print its public half')
    .action((name: string, options: { force?: boolean }) => generateKey(name, common(options), context));
  keys.command('list').description('list the keys of the newest verified trust-root version').action(() => listKeys(common({}), context));
  // Every list option takes one value per flag and is repeated for more (`--sign-with root
  // --sign-with root-2`): a variadic option (`<name...>`) would swallow the key ids of
  // `retire`/`revoke` that follow it; this way options and key ids may come in any order.
  const signWith = 'local key that signs; repeat for more (default: all local keys; only root keys are used)';
  keys
    .command('rotate')
    .description('publish the next trust-root version, signed by the threshold of old and new root keys')
    .option('--add <spec>', 'NAME:ROLE[+ROLE]:OWNER of a generated key to add; repeat for more', collectRepeated)
    .option('--retire <keyId>', 'retire a key (signatures after now are refused); repeat for more', collectRepeated)
    .option('--revoke <keyId>', 'mark a key compromised (signatures since --since are refused); repeat for more', collectRepeated)
    .option('--since <time>', 'start of the compromise window for --revoke')
    .option('--threshold <n>', 'root signatures required from now on')
    .option('--sign-with <name>', signWith, collectRepeated)
    .addHelpText('after', '\nExamples:\n  writ keys generate root-2 && writ keys rotate --add root-2:root:alice@acme --threshold 2\n  writ keys rotate --retire 6fmrlZQorNi91xZ6qfc1bQ --retire Qm1u3Xq0b2vYk9sT4hJd2w --sign-with root --sign-with root-2\n')
    .action((options: RotateOptions) => rotateKeys(common(options), context));
  // Key ids are base64url and may start with '-': retire and revoke take such an id bare
  // (acceptDashIds); `--` before the ids works too.
  const dashIds = "\nA key id that starts with '-' is given as it is, like -qVxjDHrnQKWHdY5Q54iLg.\n'--' before the key ids is accepted too; only an id that starts with '--' needs it.\n";
  acceptDashIds(keys.command('retire'))
    .argument('<keyId...>', 'ids of the keys to retire')
    .option('--sign-with <name>', signWith, collectRepeated)
    .description('retire keys (a rotation)')
    .addHelpText('after', `\nExample:\n  writ keys retire --sign-with root --sign-with root-2 6fmrlZQorNi91xZ6qfc1bQ\n${dashIds}`)
    .action((ids: string[], options: RotateOptions) => rotateKeys(common({ ...options, retire: ids }), context, 'retire'));
  acceptDashIds(keys.command('revoke'))
    .argument('<keyId...>', 'ids of the compromised keys')
    .requiredOption('--since <time>', 'start of the compromise window (RFC 3339)')
    .option('--sign-with <name>', signWith, collectRepeated)
    .description('revoke keys as compromised since a time (a rotation)')
    .addHelpText('after', `\nExample:\n  writ keys revoke 6fmrlZQorNi91xZ6qfc1bQ --since 2026-11-20T00:00:00Z --sign-with root\n${dashIds}`)
    .action((ids: string[], options: RotateOptions) => rotateKeys(common({ ...options, revoke: ids }), context, 'revoke'));
  return program;
}
