/** In-memory {@link ApprovalStore}: compare-and-set transitions within one process. */
import { canonicalize } from '../canonical/canonicalize.ts';
import { WritError } from '../errors.ts';
import {
  APPROVAL_RULES,
  assertDate,
  assertDigest,
  assertPlainObject,
  closedError,
  settle,
  yieldAll,
} from './store-checks.ts';
import type { ApprovalRecord, ApprovalStore, JsonObject, Sha256Digest } from './types.ts';

function notFound(): WritError {
  return new WritError('ERR_STORE_NOT_FOUND', 'no approval request for this intent digest');
}

/** Approval requests held in a Map keyed by intent digest. */
export class MemoryApprovalStore implements ApprovalStore {
  readonly #records = new Map<string, ApprovalRecord>();
  #closed = false;

  /** @inheritdoc */
  request(input: {
    intentDigest: Sha256Digest;
    requestedAt: Date;
    expiresAt: Date;
    request: JsonObject;
  }): Promise<ApprovalRecord> {
    return settle(() => {
      this.#open();
      if (typeof input !== 'object' || input === null) assertPlainObject(input, 'input');
      assertDigest(input.intentDigest, 'input.intentDigest');
      assertDate(input.requestedAt, 'input.requestedAt');
      assertDate(input.expiresAt, 'input.expiresAt');
      assertPlainObject(input.request, 'input.request');
      const existing = this.#records.get(input.intentDigest);
      if (existing !== undefined) return existing;
      const requestedAt = input.requestedAt.toISOString();
      // Round-trip through canonical JSON: stores keep data, never caller-owned objects.
      const request = JSON.parse(canonicalize(input.request)) as JsonObject;
      const record: ApprovalRecord = Object.freeze({
        intentDigest: input.intentDigest,
        status: 'pending',
        requestedAt,
        expiresAt: input.expiresAt.toISOString(),
        request,
        statements: Object.freeze([]),
        updatedAt: requestedAt,
      });
      this.#records.set(input.intentDigest, record);
      return record;
    });
  }

  /** @inheritdoc */
  get(intentDigest: Sha256Digest): Promise<ApprovalRecord | undefined> {
    return settle(() => {
      this.#open();
      assertDigest(intentDigest, 'intentDigest');
      return this.#records.get(intentDigest);
    });
  }

  /** @inheritdoc */
  addStatement(input: {
    intentDigest: Sha256Digest;
    statement: JsonObject;
  }): Promise<ApprovalRecord> {
    return settle(() => {
      this.#open();
      if (typeof input !== 'object' || input === null) assertPlainObject(input, 'input');
      assertDigest(input.intentDigest, 'input.intentDigest');
      assertPlainObject(input.statement, 'input.statement');
      const record = this.#records.get(input.intentDigest);
      if (record === undefined) throw notFound();
      if (!APPROVAL_RULES.acceptsStatements(record)) {
        throw new WritError('ERR_STORE_CONFLICT', 'approval request no longer accepts statements', {
          details: { status: record.status },
        });
      }
      const text = canonicalize(input.statement);
      if (record.statements.some((statement) => canonicalize(statement) === text)) return record;
      const next: ApprovalRecord = Object.freeze({
        ...record,
        statements: Object.freeze([...record.statements, JSON.parse(text) as JsonObject]),
      });
      this.#records.set(input.intentDigest, next);
      return next;
    });
  }

  /** @inheritdoc */
  resolve(input: {
    intentDigest: Sha256Digest;
    status: 'approved' | 'rejected' | 'expired';
    at: Date;
  }): Promise<boolean> {
    return settle(() => {
      this.#open();
      if (typeof input !== 'object' || input === null) assertPlainObject(input, 'input');
      assertDigest(input.intentDigest, 'input.intentDigest');
      assertDate(input.at, 'input.at');
      if (!['approved', 'rejected', 'expired'].includes(input.status)) {
        throw new WritError(
          'ERR_INVALID_ARGUMENT',
          'input.status must be approved, rejected or expired',
          { details: { parameter: 'input.status' } },
        );
      }
      return this.#transition({
        intentDigest: input.intentDigest,
        from: 'pending',
        to: input.status,
        at: input.at,
      });
    });
  }

  /** @inheritdoc */
  consume(input: { intentDigest: Sha256Digest; at: Date }): Promise<boolean> {
    return settle(() => {
      this.#open();
      if (typeof input !== 'object' || input === null) assertPlainObject(input, 'input');
      assertDigest(input.intentDigest, 'input.intentDigest');
      assertDate(input.at, 'input.at');
      return this.#transition({
        intentDigest: input.intentDigest,
        from: 'approved',
        to: 'consumed',
        at: input.at,
      });
    });
  }

  /** @inheritdoc */
  pending(): AsyncIterable<ApprovalRecord> {
    return yieldAll(() => {
      this.#open();
      const pending = [...this.#records.values()].filter((record) => record.status === 'pending');
      return pending.sort((a, b) =>
        a.requestedAt < b.requestedAt ? -1 : a.requestedAt > b.requestedAt ? 1 : 0,
      );
    });
  }

  /** @inheritdoc */
  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  #transition(change: {
    intentDigest: Sha256Digest;
    from: ApprovalRecord['status'];
    to: ApprovalRecord['status'];
    at: Date;
  }): boolean {
    const record = this.#records.get(change.intentDigest);
    if (record === undefined) throw notFound();
    if (record.status !== change.from) return false;
    this.#records.set(
      change.intentDigest,
      Object.freeze({ ...record, status: change.to, updatedAt: change.at.toISOString() }),
    );
    return true;
  }

  #open(): void {
    if (this.#closed) throw closedError();
  }
}
