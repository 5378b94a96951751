// ./run demo: the interim token quickstart, then every framework example, first in shadow
// mode and then in enforce mode, so the difference Writ makes is on one screen.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const examples = [
  { dir: 'examples/support-agent', name: 'support agent (Vercel AI SDK)' },
  { dir: 'examples/finance-agent', name: 'finance agent (LangGraph)' },
  { dir: 'examples/ops-agent', name: 'operations agent (OpenAI Agents)' },
].filter((example) => existsSync(`${example.dir}/package.json`));

function start(dir, args) {
  const result = spawnSync('pnpm', ['--silent', '--dir', dir, 'start', ...args], { stdio: 'inherit' });
  return result.status === 0;
}

let ok = start('examples/token-quickstart', []);
for (const mode of ['shadow', 'enforce']) {
  console.log(`\n################ ${mode.toUpperCase()} MODE ################`);
  for (const example of examples) ok = start(example.dir, ['--mode', mode]) && ok;
}
console.log(`\nTranscripts are in out/transcripts/<example>-<mode>/ — verify one by hand with:`);
console.log(`  ./run writ verify out/transcripts/support-agent-enforce --trust-root out/transcripts/support-agent-enforce/trust-root.json`);
process.exit(ok ? 0 : 1);
