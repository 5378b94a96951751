/**
 * `writ init [--dir DIR] [--yaml] [--force] [--json]` — scaffold Writ in a project and explain
 * each step: `writ.config.json` (or `.yaml`), keys and a signed trust root in `.writ/`
 * (root, authority and ledger keys; private keys in 0600 files unless `WRIT_KEY_<NAME>` is
 * set), a starter policy package layered on @writ/policies, and `writ.tools.json` from the
 * tool definitions found in the source. Refuses to overwrite without `--force`.
 * Exit codes: 0 scaffolded · 2 usage (files exist, bad key in the environment).
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { createSigner, isWritError, parseToolRegistry } from '@writ/core';
import type { TrustRootDocument } from '@writ/core';
import { EXIT, UsageError, describeError, isFileError, processContext } from '../cli-context.ts';
import type { CommandContext } from '../cli-context.ts';
import { generateKeyFile, keyEntry, keyEnvName, loadKey, publishVersion } from '../lib/key-store.ts';
import { scanTools } from '../lib/scan-tools.ts';

/** Options of {@link initAction}. */
export interface InitOptions {
  readonly dir?: string;
  readonly yaml?: boolean;
  readonly force?: boolean;
  readonly json?: boolean;
  readonly owner?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly now?: Date;
}

const STARTER_REGO = `# Your rules, layered on @writ/policies: partial rules of package writ merge across files.
# After a change run the library's tests with yours (npm install @writ/policies first):
#   writ policy test npm:@writ/policies policy
# and, before enforcing, replay real transcripts under it:
#   writ replay out/transcripts/shadow --policy npm:@writ/policies --policy policy
package writ

# Example (uncomment and adapt):
# deny contains {"code": "project.example", "text": "explain the refusal to the agent"} if {
# 	input.action.tool == "payments.refund"
# 	input.action.args.currency != "EUR"
# }
`;

function configText(config: Record<string, unknown>, yaml: boolean): string {
  if (!yaml) return `${JSON.stringify(config, null, 2)}\n`;
  const value = (v: unknown): string => (Array.isArray(v) ? `\n${v.map((x) => `  - ${JSON.stringify(x)}`).join('\n')}` : ` ${JSON.stringify(v)}`);
  return `${Object.entries(config).map(([k, v]) => `${k}:${value(v)}`).join('\n')}\n`;
}

/** Run `writ init`. Sets the exit code; never throws for bad input. */
export async function initAction(options: InitOptions, context: CommandContext = processContext()): Promise<void> {
  const steps: string[] = [];
  try {
    const root = resolve(context.cwd, options.dir ?? '.');
    if (existsSync(root) && !statSync(root).isDirectory()) throw new UsageError(`--dir ${options.dir ?? '.'}: not a directory`, 'ENOTDIR');
    const env = options.env ?? process.env;
    const now = (options.now ?? new Date()).toISOString();
    const configFile = join(root, options.yaml === true ? 'writ.config.yaml' : 'writ.config.json');
    const targets = [configFile, join(root, '.writ', 'trust-root'), join(root, 'policy', 'project.rego'), join(root, 'writ.tools.json')];
    const existing = targets.filter((t) => existsSync(t));
    if (existing.length > 0 && options.force !== true) throw new UsageError(`refusing to overwrite ${existing.join(', ')} (use --force)`);
    const trust = join(root, '.writ');
    const owner = options.owner ?? 'project';
    const keys = [];
    for (const [name, roles] of [['root', ['root']], ['authority', ['authority', 'gateway']], ['ledger', ['ledger']]] as const) {
      const fromEnv = env[keyEnvName(name)] !== undefined;
      // A private key already on disk (say from `writ keys generate root`) is used, never
      // replaced: a lost private key cannot be recovered. Only --force generates a new one.
      const existing = !fromEnv && options.force !== true && existsSync(join(trust, 'keys', `${name}.key`));
      const key = fromEnv || existing ? await loadKey({ dir: trust, name, env: fromEnv ? env : {} }) : await generateKeyFile({ dir: trust, name, force: true });
      keys.push({ name, key, roles });
      steps.push(
        fromEnv ? `key ${name} (${roles.join('+')}): taken from ${keyEnvName(name)}, key id ${key.keyId}`
        : existing ? `key ${name} (${roles.join('+')}): the existing private key .writ/keys/${name}.key, key id ${key.keyId}`
        : `key ${name} (${roles.join('+')}): generated, private key in .writ/keys/${name}.key (mode 0600), key id ${key.keyId}`,
      );
    }
    const document: TrustRootDocument = { type: 'writ.trust-root/v1', version: 1, issuedAt: now, threshold: 1, keys: keys.map(({ key, roles }) => keyEntry(key, { roles: [...roles], owner, validFrom: now })) };
    const trustRoot = await publishVersion({ dir: trust, document, signers: [createSigner(keys[0]!.key)], previous: [] });
    steps.push(`trust root version 1 signed by the root key: .writ/trust-root/0001.json; pin .writ/trust-root.json (${trustRoot.digest}); add approvers and more root keys with writ keys`);
    await mkdir(join(root, 'policy'), { recursive: true });
    await writeFile(join(root, 'policy', 'project.rego'), STARTER_REGO);
    await writeFile(join(root, 'policy', 'data.json'), `${JSON.stringify({ writ_config: {} }, null, 2)}\n`);
    steps.push('policy/: project.rego (your rules, package writ) and data.json (overrides merged over the library data), loaded after npm:@writ/policies');
    const { tools, files } = await scanTools(root);
    const declarations = tools.map((t) => ({ name: t.name, actionClass: 'A3', effects: ['external-write'], audience: 'internal', description: `found in ${t.file} (${t.framework}); review class, effects, audience and consequential arguments` }));
    parseToolRegistry({ tools: declarations });
    await writeFile(join(root, 'writ.tools.json'), `${JSON.stringify({ tools: declarations, egressAllowlist: [] }, null, 2)}\n`);
    steps.push(`writ.tools.json: scanned ${files} source file(s), found ${tools.length} tool(s)${tools.length > 0 ? ` (${tools.map((t) => `${t.name} [${t.framework}]`).join(', ')})` : ''}; each is declared A3 external-write until you review it (a conservative default: consequential, needs a basis)`);
    const config = { trustRoot: '.writ/trust-root.json', keys: '.writ/keys', policy: ['npm:@writ/policies', 'policy'], tools: 'writ.tools.json', transcripts: 'out/transcripts', mode: 'shadow' };
    await writeFile(configFile, configText(config, options.yaml === true));
    steps.push(`${options.yaml === true ? 'writ.config.yaml' : 'writ.config.json'}: the project's settings for your application to pass to createFirewall (no writ command reads it; writ serve takes writ-authority.json); starts in shadow mode — run, then writ report and writ replay --policy npm:@writ/policies --policy policy before switching to enforce`);
    if (options.json === true) context.stdout(`${JSON.stringify({ steps, trustRootDigest: trustRoot.digest, tools: tools.map((t) => t.name) }, null, 2)}\n`);
    else context.stdout(`${steps.map((s, i) => `${i + 1}. ${s}`).join('\n')}\n`);
    context.setExitCode(EXIT.ok);
  } catch (error) {
    context.stderr(`writ init: ${describeError(error)}\n`);
    context.setExitCode(error instanceof UsageError || isWritError(error) || isFileError(error) ? EXIT.usage : EXIT.invalid);
  }
}

/** Register `writ init`. */
export function registerInitCommand(program: Command, context?: CommandContext): Command {
  return program
    .command('init')
    .description('scaffold config, keys and trust root, a starter policy and a tool registry, explaining each step')
    .option('--dir <dir>', 'project directory', '.')
    .option('--yaml', 'write writ.config.yaml instead of JSON')
    .option('--owner <owner>', 'owner recorded on the generated keys', 'project')
    .option('--force', 'overwrite existing Writ files')
    .option('--json', 'print the steps as JSON')
    .addHelpText('after', '\nExamples:\n  writ init\n  WRIT_KEY_ROOT=<base64url seed> writ init --yaml --owner security@acme\n')
    .action(async (options: InitOptions) => {
      await initAction(options, context);
    });
}
