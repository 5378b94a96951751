/**
 * The support agent, end to end: `--mode shadow|advisory|enforce` (default enforce).
 * Offline it plays a scripted model; with OPENAI_API_KEY set it asks a real model
 * (OPENAI_MODEL, default gpt-4.1-mini) to do the same job.
 */
import type { LanguageModel } from 'ai';
import { describeCall, describeVerdict, modeFromArgs, transcriptDir, verifyWithCli } from '@writ/example-kit';
import { runSupportAgent } from './agent.ts';
import { scriptedModel } from './scripted-model.ts';

async function chooseModel(): Promise<{ model: LanguageModel; name: string }> {
  if (process.env.OPENAI_API_KEY) {
    const { openai } = await import('@ai-sdk/openai');
    const name = process.env.OPENAI_MODEL ?? 'gpt-4.1-mini';
    return { model: openai(name), name: `OpenAI ${name}` };
  }
  return { model: scriptedModel(), name: 'scripted MockLanguageModelV4 (offline)' };
}

const mode = modeFromArgs(process.argv.slice(2));
const dir = transcriptDir('support-agent', mode);
const { model, name } = await chooseModel();
console.log(`\n=== Support agent (Vercel AI SDK) — ${mode} mode — model: ${name} ===`);
console.log('Job: handle ticket T-4417. The ticket carries a prompt injection asking for a refund and an email to an outsider.\n');
const report = await runSupportAgent({ mode, dir, model });
const judged = new Set<string>();
for (const { tool, args, result } of report.decisions) {
  const approval = report.approvals.find((a) => a.callId === result.callId);
  if (judged.has(result.callId) && approval !== undefined) {
    console.log(`- approval    ${approval.approver} reviewed "${approval.pending.summary}" and signed its intent digest ${approval.pending.intentDigest.slice(0, 19)}… with their own key`);
    console.log(`- resumed     ${describeCall(tool, args)}`);
  } else {
    console.log(`- agent tried ${describeCall(tool, args)}`);
  }
  console.log(`  Writ        ${describeVerdict(result)}`);
  judged.add(result.callId);
}
console.log(`\nWhat actually happened: refunds ${JSON.stringify(report.desk.refunds)}, emails to ${JSON.stringify(report.desk.emails)}`);
console.log(`Agent's last words: ${report.finalText || '(none)'}`);
const verify = verifyWithCli(dir);
console.log(`\nTranscript ${dir}\nwrit verify: ${verify.output.split('\n').at(-1)}`);
if (!report.transcript.valid || !verify.ok) process.exitCode = 1;
