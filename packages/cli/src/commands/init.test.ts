import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PrivateKey, createTrustRoot, toBase64Url } from '@writ/core';
import type { CommandContext } from '../cli-context.ts';
import { toolsInSource } from '../lib/scan-tools.ts';
import { initAction } from './init.ts';

const NOW = new Date('2026-11-24T12:00:00Z');

function capture(cwd: string) {
  const out = { stdout: '', stderr: '', code: -1 };
  const context: CommandContext = { stdout: (t) => void (out.stdout += t), stderr: (t) => void (out.stderr += t), setExitCode: (c) => void (out.code = c), cwd, interactive: false };
  return { out, context };
}

async function project(files: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'writ-init-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const { out, context } = capture(dir);
  await initAction({ env: {}, now: NOW }, context);
  return { dir, out };
}

describe('initAction', () => {
  it('scaffolds config, 0600 keys, a signed trust root, a starter policy and the tools it finds, explaining each step', async () => {
    const { dir, out } = await project({
      'agent.ts': "import { tool } from 'ai';\nexport const tools = { refund_issue: tool({ description: 'x' }), email_send: tool({}) };\n",
      'lc.ts': "import { tool } from '@langchain/core/tools';\nexport const t = tool(async () => 'x', { name: 'tickets_search', schema });\n",
    });
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^1\. key root/m);
    expect(out.stdout).toContain('found 3 tool(s)');
    for (const name of ['root', 'authority', 'ledger']) expect(statSync(join(dir, '.writ/keys', `${name}.key`)).mode & 0o777).toBe(0o600);
    const seed = JSON.parse(readFileSync(join(dir, '.writ/keys/root.key'), 'utf8')).seed as string;
    expect(out.stdout).not.toContain(seed);
    const root = createTrustRoot(JSON.parse(readFileSync(join(dir, '.writ/trust-root.json'), 'utf8')));
    expect(root.document.keys.map((k) => k.roles.join('+'))).toEqual(['root', 'authority+gateway', 'ledger']);
    expect(JSON.parse(readFileSync(join(dir, 'writ.tools.json'), 'utf8')).tools.map((t: { name: string }) => t.name).sort()).toEqual(['email_send', 'refund_issue', 'tickets_search']);
    expect(JSON.parse(readFileSync(join(dir, 'writ.config.json'), 'utf8')).policy).toEqual(['npm:@writ/policies', 'policy']);
    expect(readFileSync(join(dir, 'policy/project.rego'), 'utf8')).toContain('package writ');
  });

  it('refuses to overwrite without --force, and takes a key from the environment without writing it', async () => {
    const { dir } = await project();
    const again = capture(dir);
    await initAction({ env: {}, now: NOW }, again.context);
    expect(again.out).toMatchObject({ code: 2, stderr: expect.stringContaining('refusing to overwrite') });
    const key = PrivateKey.generate();
    const forced = capture(dir);
    await initAction({ env: { WRIT_KEY_ROOT: toBase64Url(key.exportSeed()) }, now: NOW, force: true, yaml: true, json: true }, forced.context);
    expect(forced.out.code).toBe(0);
    expect(JSON.parse(forced.out.stdout).steps[0]).toContain('taken from WRIT_KEY_ROOT');
    expect(readFileSync(join(dir, '.writ/trust-root.json'), 'utf8')).toContain(key.keyId);
    expect(readFileSync(join(dir, 'writ.config.yaml'), 'utf8')).toContain('mode: "shadow"');
    const bad = capture(mkdtempSync(join(tmpdir(), 'writ-init-')));
    await initAction({ env: { WRIT_KEY_ROOT: 'short' } }, bad.context);
    expect(bad.out).toMatchObject({ code: 2, stderr: expect.stringContaining('WRIT_KEY_ROOT') });
    // A private key already on disk is used, not replaced (a lost key cannot come back).
    const fresh = mkdtempSync(join(tmpdir(), 'writ-init-'));
    mkdirSync(join(fresh, '.writ', 'keys'), { recursive: true });
    const mine = PrivateKey.generate();
    writeFileSync(join(fresh, '.writ', 'keys', 'root.key'), JSON.stringify({ keyId: mine.keyId, seed: toBase64Url(mine.exportSeed()) }));
    const kept = capture(fresh);
    await initAction({ env: {}, json: true }, kept.context);
    expect(kept.out.code).toBe(0);
    expect(JSON.parse(kept.out.stdout).steps[0]).toBe(`key root (root): the existing private key .writ/keys/root.key, key id ${mine.keyId}`);
    expect(JSON.parse(readFileSync(join(fresh, '.writ', 'keys', 'root.key'), 'utf8')).keyId).toBe(mine.keyId);
    expect(readFileSync(join(fresh, '.writ', 'trust-root.json'), 'utf8')).toContain(mine.keyId);
    const file = capture(dir);
    await initAction({ env: {}, dir: 'writ.config.yaml' }, file.context);
    expect(file.out).toMatchObject({ code: 2, stderr: 'writ init: --dir writ.config.yaml: not a directory [ENOTDIR]\n' });
  });
});

describe('toolsInSource', () => {
  it('finds OpenAI Agents tools and ignores files that do not import a framework', () => {
    expect(toolsInSource("import { tool } from '@openai/agents';\nconst t = tool({ name: 'kb.lookup', execute });", 'a.ts')).toEqual([{ name: 'kb.lookup', framework: 'openai-agents', file: 'a.ts' }]);
    expect(toolsInSource("const t = tool({ name: 'x' });", 'b.ts')).toEqual([]);
  });
});
