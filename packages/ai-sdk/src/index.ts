// @writ/ai-sdk — Writ for the Vercel AI SDK.
export { writToolApproval } from './writ-tool-approval.ts';
export type { ToolApprovalCall, WritRuntimeContext, WritToolApprovalOptions } from './writ-tool-approval.ts';
export { writTools, WritToolRefusedError } from './writ-tools.ts';
export { captureBasis } from './capture-basis.ts';
export type { CaptureBasisOptions } from './capture-basis.ts';
