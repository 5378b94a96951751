// @writ/cli — programmatic entry points of the `writ` command.
export { COMMANDS, createProgram, main } from './main.ts';
export { EXIT, UsageError, processContext } from './cli-context.ts';
export type { CommandContext } from './cli-context.ts';
export { registerVerifyCommand, verifyAction, describeReport } from './commands/verify.ts';
export type { VerifyCommandOptions } from './commands/verify.ts';
export { registerExportCommand, exportAction } from './commands/export.ts';
export type { ExportCommandOptions } from './commands/export.ts';
