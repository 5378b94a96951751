import { createHash } from 'node:crypto';
import type { ApprovalRecord, ApprovalStatus, Sha256Digest } from '@writ/core';
import { canonicalize, WritError } from '@writ/core';
import { invalid } from './validate.ts';

type JsonObject = ApprovalRecord['request'];

/** One `approvals` row as selected by the approval store. */
export interface ApprovalRow {
  readonly intent_digest: string;
  readonly status: string;
  readonly requested_at: Date;
  readonly expires_at: Date;
  readonly updated_at: Date;
  readonly request: string;
}

/** Columns to select for an {@link ApprovalRow}. */
export const APPROVAL_COLUMNS =
  'intent_digest, status, requested_at, expires_at, updated_at, request';

/**
 * JCS text of a caller's JSON object, so stored requests and statements round-trip exactly
 * (jsonb would reorder keys and refuse `\u0000`).
 * @throws WritError `ERR_INVALID_ARGUMENT` naming `parameter`.
 */
export function canonicalObject(value: unknown, parameter: string): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(parameter, 'a JSON object');
  try {
    return canonicalize(value);
  } catch (error) {
    throw new WritError('ERR_INVALID_ARGUMENT', `${parameter} must be canonical JSON`, {
      cause: error,
      details: { parameter },
    });
  }
}

/** Content key of a statement: SHA-256 over its canonical text. */
export function statementDigest(canonical: string): string {
  return `sha256:${createHash('sha256').update(canonical, 'utf8').digest('hex')}`;
}

/** Builds the public record from a row and its statements (already in order). */
export function toApprovalRecord(row: ApprovalRow, statements: readonly string[]): ApprovalRecord {
  return {
    intentDigest: row.intent_digest as Sha256Digest,
    status: row.status as ApprovalStatus,
    requestedAt: row.requested_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    request: JSON.parse(row.request) as JsonObject,
    statements: statements.map((text) => JSON.parse(text) as JsonObject),
    updatedAt: row.updated_at.toISOString(),
  };
}
