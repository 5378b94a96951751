// @writ/cli — programmatic entry points of the `writ` command.
export { COMMANDS, createProgram, main } from './main.ts';
export { EXIT, UsageError, processContext } from './cli-context.ts';
export type { CommandContext } from './cli-context.ts';
export { registerVerifyCommand, verifyAction, describeReport } from './commands/verify.ts';
export type { VerifyCommandOptions } from './commands/verify.ts';
export { registerExportCommand, exportAction } from './commands/export.ts';
export type { ExportCommandOptions } from './commands/export.ts';
export { recordPolicyInputs, readPolicyInputs, POLICY_INPUTS_FILE } from './lib/policy-input-log.ts';
export type { PolicyInputRecord } from './lib/policy-input-log.ts';
export { replayAction, registerReplayCommand, groupChanges } from './commands/replay.ts';
export type { ReplayCommandOptions, ChangeGroup } from './commands/replay.ts';
export { replayDecisions, classifyChange, CHANGE_KINDS } from './lib/replay-transcript.ts';
export type { ChangeKind, ReplayResult, ReplayedDecision } from './lib/replay-transcript.ts';
export { reportAction, registerReportCommand, describeMetrics } from './commands/report.ts';
export { transcriptMetrics } from './lib/transcript-metrics.ts';
export type { TranscriptMetrics } from './lib/transcript-metrics.ts';
export { initAction, registerInitCommand } from './commands/init.ts';
export { registerKeysCommand, generateKey, listKeys, rotateKeys } from './commands/keys.ts';
