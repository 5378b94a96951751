/**
 * The finance agent, end to end: `--mode shadow|advisory|enforce` (default enforce).
 * Offline it plays langchain's fake model; with OPENAI_API_KEY set it asks a real model
 * (OPENAI_MODEL, default gpt-4.1-mini) to do the same job.
 */
import { modeFromArgs, transcriptDir, verifyWithCli } from '@writ/example-kit';
import type { createAgent } from 'langchain';
import { runFinanceAgent } from './agent.ts';
import { scriptedModel } from './scripted-model.ts';

type Model = Parameters<typeof createAgent>[0]['model'];

async function chooseModel(): Promise<{ model: Model; name: string }> {
  if (process.env.OPENAI_API_KEY) {
    const { ChatOpenAI } = await import('@langchain/openai');
    const name = process.env.OPENAI_MODEL ?? 'gpt-4.1-mini';
    return { model: new ChatOpenAI({ model: name }), name: `OpenAI ${name}` };
  }
  return { model: scriptedModel(), name: 'scripted fakeModel (offline)' };
}

const mode = modeFromArgs(process.argv.slice(2));
const dir = transcriptDir('finance-agent', mode);
const { model, name } = await chooseModel();
console.log(`\n=== Finance agent (LangGraph) — ${mode} mode — model: ${name} ===`);
console.log('Job: pay invoice INV-4411 from Northwind. The invoice email hides an instruction to move the money to another IBAN.\n');
const report = await runFinanceAgent({ mode, dir, model, modelName: name });
for (const line of report.narration) console.log(line);
console.log(`\nWhat actually happened: transfers ${JSON.stringify(report.payments)}; Northwind's IBAN in the ERP is ${report.vendorIban}`);
console.log(`Agent's last words: ${report.finalText || '(none)'}`);
const verify = verifyWithCli(dir);
console.log(`\nTranscript ${dir}\nwrit verify: ${verify.output.split('\n').at(-1)}`);
if (!report.transcript.valid || !verify.ok) process.exitCode = 1;
