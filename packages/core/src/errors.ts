/**
 * The one error hierarchy of Writ. Every failure that crosses a public boundary is a
 * {@link WritError} with a stable string {@link WritErrorCode}. Codes are API: never
 * rename one; add new codes to the section of the capability that raises them.
 *
 * Verification failures carry fixed, generic messages and a precise code; they never
 * echo secrets, private keys or expected values.
 */

/** Stable string codes. Grouped by capability; each team appends to its own section. */
export type WritErrorCode =
  // general
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_INTERNAL'
  // canonical
  | 'ERR_CANONICAL_UNSUPPORTED'
  // crypto
  | 'ERR_ENCODING_INVALID'
  | 'ERR_DIGEST_INVALID'
  | 'ERR_KEY_INVALID'
  | 'ERR_SIGNATURE_INVALID'
  | 'ERR_BACKEND_UNAVAILABLE'
  // trust
  | 'ERR_TRUST_ROOT_INVALID'
  | 'ERR_TRUST_ROOT_THRESHOLD'
  | 'ERR_TRUST_ROOT_VERSION'
  | 'ERR_TRUST_ROOT_EXPIRED'
  | 'ERR_KEY_UNKNOWN'
  | 'ERR_KEY_ROLE_MISMATCH'
  | 'ERR_KEY_NOT_VALID_AT'
  | 'ERR_KEY_COMPROMISED'
  // dsse
  | 'ERR_ENVELOPE_MALFORMED'
  | 'ERR_ENVELOPE_PAYLOAD_TYPE'
  | 'ERR_ENVELOPE_THRESHOLD'
  // token
  | 'ERR_TOKEN_MALFORMED'
  | 'ERR_TOKEN_SIGNATURE'
  | 'ERR_TOKEN_EXPIRED'
  | 'ERR_TOKEN_NOT_YET_VALID'
  | 'ERR_TOKEN_AUDIENCE'
  | 'ERR_TOKEN_COMMAND'
  | 'ERR_TOKEN_RESOURCE'
  | 'ERR_TOKEN_INTENT'
  | 'ERR_TOKEN_ARGUMENT_BOUNDS'
  | 'ERR_TOKEN_REGION'
  | 'ERR_TOKEN_BYTES'
  | 'ERR_TOKEN_SECRETS'
  | 'ERR_TOKEN_CONSUMED'
  | 'ERR_TOKEN_PARENT'
  | 'ERR_TOKEN_HOPS'
  | 'ERR_DELEGATION_WIDENS'
  // denial
  | 'ERR_DENIAL_MALFORMED'
  // approval
  | 'ERR_APPROVAL_MALFORMED'
  | 'ERR_APPROVAL_INTENT_MISMATCH'
  | 'ERR_APPROVAL_POLICY_CHANGED'
  | 'ERR_APPROVAL_EXPIRED'
  | 'ERR_APPROVAL_NOT_YET_VALID'
  | 'ERR_APPROVAL_SCHEMA_DRIFT'
  | 'ERR_APPROVAL_CONSUMED'
  | 'ERR_APPROVAL_SIGNER_INVALID'
  | 'ERR_APPROVAL_RULE_MISMATCH'
  | 'ERR_APPROVAL_THRESHOLD'
  | 'ERR_APPROVAL_ROLES'
  | 'ERR_APPROVAL_SEPARATION'
  | 'ERR_APPROVAL_TOKEN_MISMATCH'
  | 'ERR_APPROVAL_OUTCOME_MISMATCH'
  // transcript
  | 'ERR_MERKLE_PROOF_INVALID'
  | 'ERR_NOTE_MALFORMED'
  | 'ERR_NOTE_UNVERIFIED'
  | 'ERR_CHECKPOINT_MALFORMED'
  | 'ERR_TRANSCRIPT_MALFORMED'
  | 'ERR_TRANSCRIPT_ENTRY_TOO_LARGE'
  | 'ERR_TRANSCRIPT_SEQUENCE'
  | 'ERR_TRANSCRIPT_CHAIN'
  | 'ERR_TRANSCRIPT_ROOT_MISMATCH'
  | 'ERR_TRANSCRIPT_CHECKPOINT_SIGNATURE'
  | 'ERR_TRANSCRIPT_CHECKPOINT_KEY'
  | 'ERR_TRANSCRIPT_CHECKPOINT_INCONSISTENT'
  | 'ERR_TRANSCRIPT_CHECKPOINT_BEYOND_END'
  | 'ERR_TRANSCRIPT_UNSIGNED_TAIL'
  | 'ERR_TRANSCRIPT_ANCHOR'
  | 'ERR_TRANSCRIPT_WITNESS'
  | 'ERR_WITNESS_UNREACHABLE'
  | 'ERR_WITNESS_REFUSED'
  | 'ERR_TRANSCRIPT_SIGNATURE'
  | 'ERR_TRANSCRIPT_LINKAGE'
  | 'ERR_TRANSCRIPT_PROOF'
  | 'ERR_BUNDLE_MALFORMED'
  | 'ERR_REDACTION_MISMATCH'
  | 'ERR_VAULT_ERASED'
  // firewall
  | 'ERR_FIREWALL_MODE_INVALID'
  | 'ERR_FIREWALL_CLOSED'
  | 'ERR_FIREWALL_SESSION_ENDED'
  | 'ERR_FIREWALL_SESSION_EVICTED'
  | 'ERR_FIREWALL_CALL_CONFLICT'
  | 'ERR_FIREWALL_NO_TOKEN'
  | 'ERR_FIREWALL_TIMEOUT'
  | 'ERR_FIREWALL_BUDGET_EXCEEDED'
  | 'ERR_FIREWALL_APPROVAL_NOT_FOUND'
  | 'ERR_FIREWALL_TOKEN_UNKNOWN'
  | 'ERR_TOOL_DECLARATION_INVALID'
  | 'ERR_BASIS_ITEM_INVALID'
  | 'ERR_BASIS_ITEM_DUPLICATE'
  | 'ERR_POLICY_INPUT_INVALID'
  | 'ERR_POLICY_DECISION_INVALID'
  | 'ERR_BASIS_LEDGER_FULL'
  // policy
  | 'ERR_POLICY_NOT_FOUND'
  | 'ERR_POLICY_SOURCE_INVALID'
  | 'ERR_POLICY_BUNDLE_INVALID'
  | 'ERR_POLICY_DATA_INVALID'
  | 'ERR_POLICY_COMPILE'
  | 'ERR_POLICY_ENTRYPOINT'
  | 'ERR_POLICY_WASM_INVALID'
  | 'ERR_POLICY_EVAL'
  | 'ERR_POLICY_TIMEOUT'
  // store
  | 'ERR_STORE_CLOSED'
  | 'ERR_STORE_IO'
  | 'ERR_STORE_LOCKED'
  | 'ERR_STORE_CORRUPT'
  | 'ERR_STORE_CHECKPOINT_CONFLICT'
  | 'ERR_STORE_NOT_FOUND'
  | 'ERR_STORE_CONFLICT'
  // adapters
  | 'ERR_ADAPTER_ARGUMENTS_UNSTABLE'
  | 'ERR_ADAPTER_ARGUMENTS_CHANGED'
  | 'ERR_ADAPTER_TOOL_REINVOKED'
  | 'ERR_ADAPTER_TOOL_UNGUARDED'
  | 'ERR_ADAPTER_TOOL_MISMATCH'
  ;

const BRAND: unique symbol = Symbol.for('writ.error') as never;

/** Options for {@link WritError}. */
export interface WritErrorOptions {
  /** The underlying cause, kept for debugging; never shown in the message. */
  readonly cause?: unknown;
  /** Extra structured, non-secret context (e.g. the offending parameter path). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * The base error of Writ. Check with {@link WritError.isInstance}, which works across
 * two copies of the package (it tests a `Symbol.for` brand, not the prototype chain).
 */
export class WritError extends Error {
  /** Stable machine-readable code. */
  readonly code: WritErrorCode;
  /** Non-secret structured context. */
  readonly details: Readonly<Record<string, unknown>> | undefined;
  readonly [BRAND] = true;

  constructor(code: WritErrorCode, message: string, options?: WritErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WritError';
    this.code = code;
    this.details = options?.details;
  }

  /** True when `error` is a WritError from any copy of this package. */
  static isInstance(error: unknown): error is WritError {
    return (
      typeof error === 'object' &&
      error !== null &&
      (error as Record<symbol, unknown>)[BRAND] === true &&
      typeof (error as { code?: unknown }).code === 'string'
    );
  }
}

/** True when `error` is a WritError carrying `code`. */
export function isWritError(error: unknown, code?: WritErrorCode): error is WritError {
  return WritError.isInstance(error) && (code === undefined || error.code === code);
}
