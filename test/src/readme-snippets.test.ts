/**
 * The README quick starts, run as a reader copies them: each `ts` block under a heading is taken
 * from the README itself (never a copy that could drift) and run by Node as TypeScript, from a
 * folder where a user's install would put the packages it imports — the package's own folder
 * (its name resolves to itself), examples/kit, whose node_modules hold @writ/core,
 * @writ/policy and the @writ/policies library that `npm:@writ/policies` finds, or a fresh
 * project folder with those linked and the README's other blocks (a .rego, a data.json)
 * written as the files it names.
 *
 * A snippet that uses a value it says comes from elsewhere (`input` in @writ/policy's) gets
 * exactly that value defined before it, in `given`; `then` checks what it did. Not run here: fragments that need a whole
 * firewall, a model or a framework (the adapters' quick starts — test/consumer/app.mjs runs the
 * same calls from an npm install), and @writ/postgres's, which writes to the `writ` schema of
 * whatever database it is given.
 *
 * To cover another snippet, add a row to SNIPPETS.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));

interface Snippet {
  /** README path from the repository root. */
  readonly readme: string;
  /** The heading (any level, exact text) whose first `ts` block is the snippet. */
  readonly heading: string;
  /**
   * Folder to run in, from the repository root — or `project`: a fresh folder whose
   * node_modules link the workspace packages, as `npm install @writ/policy @writ/policies` would.
   */
  readonly cwd: string;
  /** For `project`: files to write there, each from the first block of a language under a heading of the same README. */
  readonly files?: Readonly<Record<string, { readonly heading: string; readonly lang: string }>>;
  /** Definitions of the values the snippet says it is given, prepended. */
  readonly given?: string;
  /** Code appended to check what the snippet did (printing what `stdout` expects). */
  readonly then?: string;
  /** What the run must print on stdout, when the snippet prints. */
  readonly stdout?: RegExp;
  /**
   * For a snippet that ends by showing a refusal: the line that throws (its start) and the
   * error's code. Everything before that line must run cleanly, and the whole must throw it.
   */
  readonly throws?: { readonly at: string; readonly code: string };
}

const SNIPPETS: readonly Snippet[] = [
  // Ends with `verifyToken` of a widened token: "→ throws WritError { code: 'ERR_TOKEN_SIGNATURE' }".
  {
    readme: 'packages/core/README.md',
    heading: 'Quick start',
    cwd: 'packages/core',
    throws: { at: 'verifyToken({ ...token.envelope, payload: widened }', code: 'ERR_TOKEN_SIGNATURE' },
  },
  { readme: 'packages/core/README.md', heading: 'Firewall judgement: tool registry, detection, basis, policy contract', cwd: 'examples/kit' },
  { readme: 'packages/rego/README.md', heading: 'Quick start', cwd: 'packages/rego' },
  {
    readme: 'policies/README.md',
    heading: 'Use',
    cwd: 'examples/kit',
    given: "const input = { version: 'writ.input/v1' };",
  },
  // The layering the library recommends: a team's rules and data.json loaded after the library.
  {
    readme: 'policies/README.md',
    heading: 'Layer your own package on top (recommended)',
    cwd: 'project',
    files: {
      'acme-policies/refunds.rego': { heading: 'Layer your own package on top (recommended)', lang: 'rego' },
      'acme-policies/data.json': { heading: 'Layer your own package on top (recommended)', lang: 'json' },
    },
    // The data.json above asks for dual control already at A4 (the library's default is one manager).
    then: "console.log(policy.evaluateSync({ version: 'writ.input/v1', action: { tool: 'deploy', class: 'A4', args: {} }, basis: { sufficient: true, score: 1, threshold: 0.6 } }).approval.rule);",
    stdout: /^dual-control\n$/,
  },
  {
    readme: 'packages/policy/README.md',
    heading: 'Quick start',
    cwd: 'examples/kit',
    // A writ.input/v1 document the library refuses as incomplete: the call shapes are what is under test.
    given: "const input = { version: 'writ.input/v1' };",
    stdout: /decision: 'deny'[\s\S]*sha256:[0-9a-f]{64}\ntrue\n$/,
  },
];

/** The first block of `lang` (```ts by default) after the heading `text` and before the next heading, or undefined. */
export function snippetUnder(markdown: string, text: string, lang = 'ts'): string | undefined {
  const lines = markdown.split('\n');
  // A heading is a `#` line outside code blocks (a Rego or shell comment inside one is not).
  let fenced = false;
  const heading = lines.map((line) => {
    if (line.trimStart().startsWith('```')) fenced = !fenced;
    return !fenced && /^#+ /.test(line);
  });
  const start = lines.findIndex((line, i) => heading[i] && line.replace(/^#+ /, '').trim() === text);
  if (start === -1) return undefined;
  const open = lines.findIndex((line, i) => i > start && line.trim() === `\`\`\`${lang}`);
  const nextHeading = lines.findIndex((_, i) => i > start && heading[i]);
  if (open === -1 || (nextHeading !== -1 && nextHeading < open)) return undefined;
  const close = lines.findIndex((line, i) => i > open && line.trim() === '```');
  return lines.slice(open + 1, close).join('\n');
}

async function source(snippet: Snippet, heading = snippet.heading, lang = 'ts'): Promise<string> {
  const text = snippetUnder(await readFile(join(repo, snippet.readme), 'utf8'), heading, lang);
  if (text === undefined) throw new Error(`${snippet.readme}: no ${lang} block under "${heading}"`);
  return text;
}

const projects: string[] = [];
afterAll(async () => {
  for (const dir of projects) await rm(dir, { recursive: true, force: true });
});

/** A fresh project folder: node_modules/@writ/{core,policy,policies} linked to the workspace, and the snippet's files. */
async function project(snippet: Snippet): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'writ-readme-'));
  projects.push(dir);
  await mkdir(join(dir, 'node_modules', '@writ'), { recursive: true });
  for (const [name, folder] of [['core', 'packages/core'], ['policy', 'packages/policy'], ['policies', 'policies']] as const) {
    await symlink(join(repo, folder), join(dir, 'node_modules', '@writ', name), 'dir');
  }
  for (const [path, block] of Object.entries(snippet.files ?? {})) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), await source(snippet, block.heading, block.lang));
  }
  return dir;
}

async function runSnippet(snippet: Snippet, text: string): Promise<{ code: number; stdout: string; stderr: string }> {
  // Static imports are hoisted, so the given definitions can simply come first.
  const code = `${snippet.given ?? ''}\n${text}\n${snippet.then ?? ''}`;
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--conditions=@writ/source', '--no-warnings', '--input-type=module-typescript', '--eval', code],
      { cwd: snippet.cwd === 'project' ? await project(snippet) : join(repo, snippet.cwd), timeout: 60_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? String(error) };
  }
}

describe('README quick starts run as written', () => {
  for (const snippet of SNIPPETS) {
    it(`${snippet.readme} — ${snippet.heading}`, async () => {
      const text = await source(snippet);
      if (snippet.throws !== undefined) {
        const lines = text.split('\n');
        const at = lines.findIndex((line) => line.startsWith(snippet.throws!.at));
        expect(at, `no line starts with ${snippet.throws.at}`).toBeGreaterThan(0);
        expect(await runSnippet(snippet, lines.slice(0, at).join('\n'))).toMatchObject({ code: 0, stderr: '' });
      }
      const result = await runSnippet(snippet, text);
      if (snippet.throws === undefined) {
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
      } else {
        expect(result.code).not.toBe(0);
        expect(result.stderr).toContain(`code: '${snippet.throws.code}'`);
      }
      if (snippet.stdout !== undefined) expect(result.stdout).toMatch(snippet.stdout);
    }, 90_000);
  }

  it('finds the block under a heading and nothing past the next heading', () => {
    const markdown = '# A\n\ntext\n\n```ts\nconst a = 1;\n```\n\n## B\n\n```sh\nls\n```\n\n## C\n\n```rego\n# a comment, not a heading\n```\n\n```ts\nconst c = 3;\n```\n';
    expect(snippetUnder(markdown, 'A')).toBe('const a = 1;');
    expect(snippetUnder(markdown, 'B')).toBeUndefined();
    expect(snippetUnder(markdown, 'C')).toBe('const c = 3;');
    expect(snippetUnder(markdown, 'C', 'rego')).toBe('# a comment, not a heading');
    expect(snippetUnder(markdown, 'a comment, not a heading')).toBeUndefined();
    expect(snippetUnder(markdown, 'D')).toBeUndefined();
  });
});
