/**
 * Best-effort scan of a project for agent tool definitions of the three supported
 * frameworks, by text (no code is run): LangChain `tool(fn, { name })` from
 * `@langchain/core/tools`, Vercel AI SDK `name: tool({` / `const name = tool({` from `ai`,
 * OpenAI Agents `tool({ name })` from `@openai/agents`. Names built at run time are missed.
 */
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { readEvidenceFile } from '@writ/core';

/** One tool found. */
export interface FoundTool {
  readonly name: string;
  readonly framework: 'langchain' | 'ai-sdk' | 'openai-agents';
  readonly file: string;
}

const SKIP = new Set(['node_modules', '.git', 'dist', 'build', 'coverage', '.writ', 'out']);
const SOURCE = /\.(?:[cm]?[jt]s|tsx|jsx)$/;
const MAX_FILES = 5000;
const MAX_BYTES = 1 << 20;

async function* sources(root: string, dir: string, budget: { left: number }): AsyncGenerator<string> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (budget.left <= 0) return;
    const path = join(dir, entry.name);
    if (entry.isDirectory() && !SKIP.has(entry.name) && !entry.name.startsWith('.')) yield* sources(root, path, budget);
    else if (entry.isFile() && SOURCE.test(entry.name)) {
      budget.left -= 1;
      yield path;
    }
  }
}

const imports = (text: string, module: string) => new RegExp(`from\\s*['"]${module.replace(/[/@.]/g, '\\$&')}['"]`).test(text);
const nameAfter = (text: string, index: number) => /name\s*:\s*['"]([\w.:-]{1,128})['"]/.exec(text.slice(index, index + 2000))?.[1];

/** Tools defined in one source text. */
export function toolsInSource(text: string, file: string): FoundTool[] {
  const found: FoundTool[] = [];
  if (imports(text, '@langchain/core/tools')) {
    for (const match of text.matchAll(/\btool\s*\(/g)) {
      const name = nameAfter(text, match.index);
      if (name !== undefined) found.push({ name, framework: 'langchain', file });
    }
  }
  if (imports(text, '@openai/agents')) {
    for (const match of text.matchAll(/\btool\s*\(\s*\{/g)) {
      const name = nameAfter(text, match.index);
      if (name !== undefined) found.push({ name, framework: 'openai-agents', file });
    }
  }
  if (imports(text, 'ai')) {
    for (const match of text.matchAll(/(?:^|[\s,{])(?:const\s+|let\s+)?['"]?([A-Za-z_$][\w$.-]*)['"]?\s*[:=]\s*tool\s*\(\s*\{/gm)) {
      found.push({ name: match[1]!, framework: 'ai-sdk', file });
    }
  }
  return found;
}

/**
 * Scan `root` (skipping node_modules, dot-folders and build output; at most 5000 files, each
 * read only if a regular file — not a link, FIFO or device — of at most 1 MiB).
 */
export async function scanTools(root: string): Promise<{ tools: FoundTool[]; files: number }> {
  const tools: FoundTool[] = [];
  const budget = { left: MAX_FILES };
  let files = 0;
  for await (const path of sources(root, root, budget)) {
    files += 1;
    // The walk yields only what readdir called a regular file, but the file can be replaced before
    // it is opened: read it non-blocking, without following a link, and at most MAX_BYTES (a larger
    // file was read whole before it was skipped). Whatever is refused is skipped, as unreadable.
    let text: string;
    try {
      text = await readEvidenceFile(path, { maxBytes: MAX_BYTES });
    } catch {
      continue;
    }
    tools.push(...toolsInSource(text, relative(root, path)));
  }
  const seen = new Set<string>();
  return { tools: tools.filter((t) => (seen.has(t.name) ? false : (seen.add(t.name), true))), files };
}
