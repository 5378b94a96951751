/**
 * Boundary validation of what adapters hand to a session: tool calls, basis items and
 * session options. Names the offending parameter; never lets a raw TypeError escape.
 */
import { canonicalize } from '../canonical/canonicalize.ts';
import { WritError } from '../errors.ts';
import { digestBytes } from '../crypto/digest.ts';
import { utf8 } from '../crypto/encoding.ts';
import type { JsonObject, Sha256Digest } from '../stores/types.ts';
import type { GuardInput, OpenSessionOptions } from './types.ts';

const ID = /^[\x21-\x7e]{1,512}$/;
const MAX_ARGS_CHARS = 1 << 20;

function bad(parameter: string, message: string): WritError {
  return new WritError('ERR_INVALID_ARGUMENT', `${parameter} ${message}`, { details: { parameter } });
}

function plain(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A checked tool call: JSON arguments and their canonical form. */
export interface CheckedCall {
  readonly tool: string;
  readonly callId: string;
  readonly args: JsonObject;
  readonly canonicalArgs: string;
  /** `sha256:` of the canonical arguments (computed once per call). */
  readonly argsDigest: Sha256Digest;
  /** Size of the canonical arguments in bytes (the token's request byte limit). */
  readonly requestBytes: number;
  readonly approvals: readonly JsonObject[];
}

/**
 * Check one tool call from an adapter.
 * @throws `ERR_INVALID_ARGUMENT` naming `call.tool`, `call.callId`, `call.args` or `call.approvals`.
 */
export function checkCall(value: unknown, parameter = 'call'): CheckedCall {
  if (!plain(value)) throw bad(parameter, 'must be an object');
  const { tool, callId, args, approvals } = value as Partial<GuardInput>;
  if (typeof tool !== 'string' || tool.length === 0 || tool.length > 200) throw bad(`${parameter}.tool`, 'must be a tool name');
  if (typeof callId !== 'string' || !ID.test(callId)) throw bad(`${parameter}.callId`, 'must be 1-512 printable ASCII characters');
  if (!plain(args)) throw bad(`${parameter}.args`, 'must be a JSON object');
  let canonicalArgs: string;
  try {
    canonicalArgs = canonicalize(args);
  } catch (error) {
    throw new WritError('ERR_INVALID_ARGUMENT', `${parameter}.args must be JSON`, { cause: error, details: { parameter: `${parameter}.args` } });
  }
  if (canonicalArgs.length > MAX_ARGS_CHARS) throw bad(`${parameter}.args`, 'is too large');
  if (approvals !== undefined && (!Array.isArray(approvals) || !approvals.every(plain))) {
    throw bad(`${parameter}.approvals`, 'must be an array of DSSE envelopes');
  }
  const bytes = utf8(canonicalArgs);
  const checked: CheckedCall = {
    tool,
    callId,
    args: JSON.parse(canonicalArgs) as JsonObject,
    canonicalArgs,
    argsDigest: digestBytes(bytes),
    requestBytes: bytes.length,
    approvals: (approvals ?? []) as JsonObject[],
  };
  checkedCalls.add(checked);
  return checked;
}

// Calls made by checkCall, whose canonicalArgs is known to be the canonical text of args.
const checkedCalls = new WeakSet<object>();

/** The canonical text of `call.args` when `call` is a call checkCall made, else `undefined`. */
export function knownCanonicalArgs(call: object): string | undefined {
  return checkedCalls.has(call) ? (call as CheckedCall).canonicalArgs : undefined;
}

function text(value: unknown, parameter: string, optional = false): string | undefined {
  if (value === undefined && optional) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > 512) throw bad(parameter, 'must be a non-empty string');
  return value;
}

/**
 * Check session options.
 * @throws `ERR_INVALID_ARGUMENT` naming the field.
 */
export function checkSessionOptions(value: unknown): OpenSessionOptions {
  if (!plain(value)) throw bad('options', 'must be an object');
  const { sessionId, principal, agent, environment } = value as Partial<OpenSessionOptions>;
  text(sessionId, 'options.sessionId', true);
  if (!plain(principal)) throw bad('options.principal', 'must be an object');
  text(principal.id, 'options.principal.id');
  text(principal.tenant, 'options.principal.tenant', true);
  if (principal.roles !== undefined && (!Array.isArray(principal.roles) || !principal.roles.every((r) => typeof r === 'string'))) {
    throw bad('options.principal.roles', 'must be an array of strings');
  }
  if (!plain(agent)) throw bad('options.agent', 'must be an object');
  text(agent.id, 'options.agent.id');
  text(agent.framework, 'options.agent.framework', true);
  text(agent.model, 'options.agent.model', true);
  if (environment !== undefined) {
    if (!plain(environment)) throw bad('options.environment', 'must be a JSON object');
    try {
      canonicalize(environment);
    } catch (error) {
      throw new WritError('ERR_INVALID_ARGUMENT', 'options.environment must be JSON', { cause: error, details: { parameter: 'options.environment' } });
    }
  }
  return value as unknown as OpenSessionOptions;
}
