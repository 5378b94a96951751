// @writ/openai-agents — Writ for the OpenAI Agents SDK.
export { writTool } from './writ-tool.ts';
export type { WritToolDefinition, WritToolOptions } from './writ-tool.ts';
export { applySignedApprovals } from './apply-signed-approvals.ts';
export type { AppliedApproval, ApprovableRunState } from './apply-signed-approvals.ts';
export { captureInput } from './capture-input.ts';
export type { CaptureInputOptions } from './capture-input.ts';
