/**
 * Writ for LangGraph and langchain: `createAgent` middleware, a gateway-wrapped tool for
 * `StateGraph` + `ToolNode`, signed approvals through `interrupt()` and basis capture
 * from the graph's messages.
 *
 * @packageDocumentation
 */
export { writMiddleware } from './writ-middleware.ts';
export type { WritMiddlewareOptions } from './writ-middleware.ts';
export { writTool } from './writ-tool.ts';
export type { WritToolOptions } from './writ-tool.ts';
export { MessageCapture, captureFor } from './capture-messages.ts';
export type { MessageCaptureOptions, MessageHistory } from './capture-messages.ts';
export { approvalsFromResume } from './approval-resume.ts';
export type { WritApprovalRequest, WritApprovalResume } from './approval-resume.ts';
export type { WritCallEvent, WritGateOptions } from './gate-tool-call.ts';
