/**
 * The `npm install` path, as a user meets it: build the packages, pack them as they would be
 * published (`pnpm pack` rewrites `workspace:` ranges), install the tarballs and the
 * frameworks with npm into a fresh project, and run a plain-Node program there
 * (../consumer/app.mjs: the shared Rego library from node_modules, a file transcript, the same
 * job on each framework's own mock model through @writ/ai-sdk, @writ/langgraph and
 * @writ/openai-agents). Then the installed
 * `writ` verifies the transcript, and refuses it once a byte has changed. The packages are
 * built and packed in a copy of the workspace, so the checkout never gains a `dist/` (which
 * `writ`'s bin would prefer to the sources). Catches what the
 * workspace's source conditions hide: a missing `files` entry, export or dependency, or a
 * build that differs from the source. Needs the npm registry (or npm's cache) for the
 * frameworks; without it the install fails and so does this test.
 */
import { execFile } from 'node:child_process';
import { copyFile, cp, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const PACKED = ['packages/core', 'packages/rego', 'packages/policy', 'packages/cli', 'packages/ai-sdk', 'packages/langgraph', 'packages/openai-agents', 'policies'];
let work: string | undefined;

afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

/**
 * A copy of the packages to publish, with the workspace's manifest files and install (the
 * packages' own `node_modules` links are relative, the root's is linked): built and packed
 * there, not in the checkout.
 */
async function copyWorkspace(tree: string): Promise<void> {
  await mkdir(tree);
  for (const file of ['package.json', 'pnpm-workspace.yaml', 'tsconfig.base.json']) await copyFile(join(repo, file), join(tree, file));
  await symlink(join(repo, 'node_modules'), join(tree, 'node_modules'));
  const skip = new Set(['node_modules', 'dist', '.turbo', '.vitest-report.json']);
  for (const pkg of PACKED) {
    await cp(join(repo, pkg), join(tree, pkg), { recursive: true, filter: (source) => !skip.has(basename(source)) });
    await cp(join(repo, pkg, 'node_modules'), join(tree, pkg, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  }
  // Workspace packages the packed ones name only as devDependencies (`@writ/cli` loads
  // `@writ/authority` and `@writ/postgres` on demand): `pnpm pack` rewrites those `workspace:`
  // ranges too, from the linked package's manifest.
  for (const pkg of ['apps/authority', 'examples/kit', 'packages/postgres', 'test']) {
    await mkdir(join(tree, pkg), { recursive: true });
    await copyFile(join(repo, pkg, 'package.json'), join(tree, pkg, 'package.json'));
  }
}

/** The version the workspace tests a framework with (an adapter's devDependency). */
async function devVersion(pkg: string, name: string): Promise<[name: string, version: string]> {
  const manifest = JSON.parse(await readFile(join(repo, pkg, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  const version = manifest.devDependencies[name];
  if (version === undefined) throw new Error(`${pkg} has no devDependency ${name}`);
  return [name, version.replace(/^\^/, '')];
}

// npm's report of a fetch that never reached the registry (TLS through the proxy, DNS, sockets).
const REGISTRY_UNREACHABLE = /\b(?:SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT(?:_LOCALLY)?|CERT_HAS_EXPIRED|DEPTH_ZERO_SELF_SIGNED_CERT|ECONNRESET|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|ENETUNREACH|socket hang up)\b/u;

describe('installed from packed tarballs', () => {
  it('runs agents through all three adapters in plain Node, and the installed writ verifies their transcript', { timeout: 1_200_000 }, async (context) => {
    work = await mkdtemp(join(tmpdir(), 'writ-consumer-'));
    const packs = join(work, 'packs');
    const app = join(work, 'app');
    await mkdir(packs);
    await mkdir(app);
    const env = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
    const tree = join(work, 'tree');
    await copyWorkspace(tree);
    const tsc = createRequire(join(repo, 'package.json')).resolve('typescript/bin/tsc');
    for (const pkg of PACKED.filter((each) => each.startsWith('packages/'))) {
      await run(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: join(tree, pkg), env, maxBuffer: 1 << 26 });
    }
    for (const pkg of PACKED) await run('pnpm', ['pack', '--pack-destination', packs], { cwd: join(tree, pkg), env, maxBuffer: 1 << 26 });
    const tarballs = (await readdir(packs)).filter((name) => name.endsWith('.tgz')).map((name) => join(packs, name));
    expect(tarballs).toHaveLength(PACKED.length);
    // What is published is the product: no tests, fixtures or test support.
    for (const tarball of tarballs) {
      const { stdout: listing } = await run('tar', ['-tzf', tarball], { maxBuffer: 1 << 26 });
      expect(listing.split('\n').filter((path) => /\.test\.|\.fixture\.|test-fixture|test-support/.test(path))).toEqual([]);
    }
    const frameworks = await Promise.all([
      devVersion('packages/ai-sdk', 'ai'),
      devVersion('packages/ai-sdk', 'zod'),
      devVersion('packages/langgraph', '@langchain/core'),
      devVersion('packages/langgraph', '@langchain/langgraph'),
      devVersion('packages/langgraph', 'langchain'),
      devVersion('packages/openai-agents', '@openai/agents'),
    ]);
    // Every @writ package from its tarball, also where another one depends on it: npm must
    // never look one up in the registry (where they are not, or not this build).
    const published: Record<string, string> = {};
    for (const tarball of tarballs) {
      const { stdout: manifest } = await run('tar', ['-xzOf', tarball, 'package/package.json'], { maxBuffer: 1 << 26 });
      published[(JSON.parse(manifest) as { name: string }).name] = `file:${tarball}`;
    }
    const dependencies: Record<string, string> = { ...published, ...Object.fromEntries(frameworks) };
    const overrides = Object.fromEntries(Object.keys(published).map((name) => [name, `$${name}`]));
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'writ-consumer', private: true, type: 'module', dependencies, overrides }, null, 2));
    // Retries with growing pauses: the registry is reached through a proxy that has failed TLS
    // for minutes at a time (SELF_SIGNED_CERT_IN_CHAIN, reported by npm as ERESOLVE
    // "ai@undefined"; one retry after 20 s was not enough on 2026-12-07). A real resolution
    // problem fails every attempt.
    // `--loglevel=http` so the cause of a failed fetch is in stderr: the proxy's TLS failure
    // shows there, not in the ERESOLVE npm reports for it.
    const install = (): Promise<unknown> => run('npm', ['install', '--prefer-offline', '--no-package-lock', '--loglevel=http'], { cwd: app, env, maxBuffer: 1 << 26, timeout: 300_000 });
    let unreachable: string | undefined;
    for (const pause of [20_000, 60_000, 120_000, undefined]) {
      try {
        await install();
        unreachable = undefined;
        break;
      } catch (error) {
        const stderr = String((error as { stderr?: unknown }).stderr ?? error);
        const network = stderr.split('\n').filter((line) => REGISTRY_UNREACHABLE.test(line));
        unreachable = network.length > 0 ? network.slice(-3).join('\n') : undefined;
        // Anything but the registry being out of reach is this package's failure: not retried.
        if (pause === undefined || unreachable === undefined) {
          if (unreachable !== undefined) break;
          throw error;
        }
        console.warn(`npm install could not reach the registry, retrying in ${pause / 1000} s:\n${unreachable}`);
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
    // The registry (behind this machine's proxy) stayed out of reach for ~4 minutes of
    // attempts: the install from packed tarballs cannot be tried this run. Skipped, and said
    // so, rather than failed for a network outage or passed without running.
    if (unreachable !== undefined) {
      console.warn(`SKIPPED: the npm registry stayed out of reach; the install from packed tarballs was not tried this run:\n${unreachable}`);
      context.skip(`the npm registry could not be reached for the framework dependencies (the packed @writ tarballs install offline): ${unreachable}`);
    }
    await copyFile(fileURLToPath(new URL('../consumer/app.mjs', import.meta.url)), join(app, 'app.mjs'));

    // Plain node: no --conditions, so every import resolves to the packed dist/.
    const { stdout } = await run(process.execPath, ['app.mjs'], { cwd: app, env });
    const outcome = JSON.parse(stdout.trim().split('\n').at(-1)!) as { sent: string[]; steps: number; sentByGraph: string[]; sentByAgents: string[]; langgraph: string[]; agents: string[] };
    // The injected recipient came only from the ticket (untrusted): refused; the user's went out.
    expect(outcome.sent).toEqual(['bob@customer.example']);
    expect(outcome.steps).toBe(4);
    expect(outcome.sentByGraph).toEqual(['bob@customer.example']);
    expect(outcome.sentByAgents).toEqual(['bob@customer.example']);
    expect(outcome.langgraph).toEqual(['function', 'function', 'function']);
    expect(outcome.agents).toEqual(['function', 'function', 'function']);

    const transcript = join(app, 'out', 'transcript');
    const writ = join(app, 'node_modules', '.bin', 'writ');
    const verify = () => run(process.execPath, [writ, 'verify', transcript, '--trust-root', join(transcript, 'trust-root.json')], { cwd: app, env });
    expect((await verify()).stdout).toMatch(/^valid: \d+ entries/);
    // A closed store leaves exactly its lines (ADR 0028: the pre-written zeros are cut).
    const entries = join(transcript, 'entries.jsonl');
    const bytes = await readFile(entries);
    expect(bytes.at(-1)).toBe(0x0a);
    expect(bytes.includes(0)).toBe(false);
    const at = bytes.indexOf('"tool":"email_send"') + 9;
    expect(at).toBeGreaterThan(9);
    bytes[at] = bytes[at]! ^ 1;
    await writeFile(entries, bytes);
    await expect(verify()).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/INVALID: entry \d+/) });
  });
});
