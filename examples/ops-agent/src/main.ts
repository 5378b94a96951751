/**
 * The ops agent, end to end: `--mode shadow|advisory|enforce` (default enforce). Offline it
 * plays the Agents SDK's ScriptedModel; with OPENAI_API_KEY set it uses a real model
 * (OPENAI_MODEL, default the SDK's default model).
 */
import { describeCall, describeVerdict, modeFromArgs, transcriptDir, verifyWithCli } from '@writ/example-kit';
import { runOpsAgent } from './agent.ts';
import { scriptedModel } from './scripted-model.ts';

const mode = modeFromArgs(process.argv.slice(2));
const dir = transcriptDir('ops-agent', mode);
const real = Boolean(process.env.OPENAI_API_KEY);
const model = real ? process.env.OPENAI_MODEL : scriptedModel();
console.log(`\n=== Operations agent (OpenAI Agents SDK) — ${mode} mode — model: ${real ? `OpenAI ${process.env.OPENAI_MODEL ?? '(SDK default)'}` : 'ScriptedModel (offline)'} ===`);
console.log('Job: mitigate incident 311. The runbook carries an injected note asking for a debug switch and a config upload.\n');
const report = await runOpsAgent({ mode, dir, ...(model === undefined ? {} : { model }) });
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
console.log(`\nWhat actually happened: config ${JSON.stringify(report.platform.changes)}, deploys ${JSON.stringify(report.platform.deploys)}, posts ${JSON.stringify(report.platform.posts)}`);
console.log(`Agent's last words: ${report.finalText || '(none)'}`);
const verify = verifyWithCli(dir);
console.log(`\nTranscript ${dir}\nwrit verify: ${verify.output.split('\n').at(-1)}`);
if (!report.transcript.valid || !verify.ok) process.exitCode = 1;
