/**
 * `resolveUnfinished(tokenId, { outcome, by, note } | { statement })`: record what someone found
 * out about a release the firewall found without an outcome on open (`release-unfinished`). The
 * entry (`release-resolved`) is the statement of `by` — the caller's own, or an approver's signed
 * resolution (verified here against the trust root at the firewall's clock and recorded with the
 * entry, so the verifier checks it offline) — not evidence of the effect; it takes the
 * release out of `unfinished()` (and out of the next open's), and a `not-executed` one frees
 * the budgets the release held (until then it counted as performed). A checkpoint follows, so
 * the transcript verifies with the resolution signed.
 */
import type { JsonObject } from '../stores/types.ts';
import { MAX_RESOLUTION_NOTE, resolutionBy } from '../approval/resolution-statement.ts';
import { verifyResolutionNow } from '../approval/verify-resolution.ts';
import { WritError } from '../errors.ts';
import type { FirewallContext } from './firewall-context.ts';
import type { UnfinishedRelease, UnfinishedResolution } from './types.ts';

const MAX_BY = 256;
const MAX_NOTE = MAX_RESOLUTION_NOTE;

/** A resolution checked, with the signed statement's envelope when it was one. */
interface CheckedResolution extends UnfinishedResolution {
  readonly statement?: JsonObject;
}

function invalid(parameter: string, message: string): WritError {
  return new WritError('ERR_INVALID_ARGUMENT', message, { details: { parameter } });
}

/**
 * `{ statement }`: a signed resolution for `tokenId`, verified now; outcome, note and resolver
 * come from it. Nothing else beside it: an `outcome` or `by` that could differ from the signed one
 * is refused rather than silently ignored.
 */
function checkSigned(options: { readonly context: FirewallContext; readonly tokenId: string; readonly resolution: object }): CheckedResolution {
  const { context, tokenId, resolution } = options;
  const extra = Object.keys(resolution).find((key) => key !== 'statement');
  if (extra !== undefined) throw invalid(`resolution.${extra}`, `resolution.${extra} cannot accompany a signed statement: it says what was found, and who found it`);
  const statement = (resolution as { statement: unknown }).statement;
  if (typeof statement !== 'object' || statement === null || Array.isArray(statement)) throw invalid('resolution.statement', 'resolution.statement must be a DSSE resolution envelope');
  const verified = verifyResolutionNow(statement, { trustRoot: context.settings.trustRoot, now: context.now(), tokenId });
  const { payload } = verified;
  return {
    outcome: payload.outcome,
    by: resolutionBy(payload),
    ...(payload.note === undefined ? {} : { note: payload.note }),
    statement: verified.envelope as unknown as JsonObject,
  };
}

/** `resolution`, checked: an own `outcome`, `by` and optional `note` of the documented kinds, or a signed `statement`. */
function checkResolution(options: { readonly context: FirewallContext; readonly tokenId: string; readonly resolution: unknown }): CheckedResolution {
  const { resolution } = options;
  if (typeof resolution !== 'object' || resolution === null || Array.isArray(resolution)) throw invalid('resolution', 'resolution must be an object');
  if (Object.hasOwn(resolution, 'statement')) return checkSigned({ ...options, resolution });
  const own = (key: string): unknown => (Object.hasOwn(resolution, key) ? (resolution as Record<string, unknown>)[key] : undefined);
  const outcome = own('outcome');
  if (outcome !== 'executed' && outcome !== 'not-executed') throw invalid('resolution.outcome', "resolution.outcome must be 'executed' or 'not-executed'");
  const by = own('by');
  if (typeof by !== 'string' || by.trim() === '' || by.length > MAX_BY) throw invalid('resolution.by', `resolution.by must name who checked (1 to ${MAX_BY} characters)`);
  const note = own('note');
  if (note !== undefined && (typeof note !== 'string' || note.length > MAX_NOTE)) throw invalid('resolution.note', `resolution.note must be a string of at most ${MAX_NOTE} characters`);
  return { outcome, by, ...(note === undefined ? {} : { note }) };
}

/**
 * @param unfinished the firewall's unfinished releases by token id; the resolved one leaves it.
 * @throws `ERR_INVALID_ARGUMENT`, the statement's refusal (`ERR_APPROVAL_MALFORMED`,
 *   `ERR_APPROVAL_SIGNER_INVALID`, `ERR_SIGNATURE_INVALID`, `ERR_APPROVAL_TOKEN_MISMATCH`,
 *   `ERR_APPROVAL_EXPIRED`, `ERR_APPROVAL_NOT_YET_VALID`), `ERR_FIREWALL_TOKEN_UNKNOWN`, store
 *   errors (the release then stays unfinished). Nothing is recorded when any is thrown.
 */
export async function resolveUnfinished(options: {
  readonly context: FirewallContext;
  readonly unfinished: Map<string, UnfinishedRelease>;
  readonly tokenId: unknown;
  readonly resolution: unknown;
}): Promise<UnfinishedResolution> {
  const { context, unfinished, tokenId } = options;
  if (typeof tokenId !== 'string' || tokenId === '') throw invalid('tokenId', 'tokenId must be a non-empty string');
  const resolution = checkResolution({ context, tokenId, resolution: options.resolution });
  const release = unfinished.get(tokenId);
  if (release === undefined) throw new WritError('ERR_FIREWALL_TOKEN_UNKNOWN', 'no unfinished release under this token (never one, or resolved already)');
  // Out of the list before the write, so a second resolution of the same release running
  // meanwhile is refused rather than recorded twice; back in if the write fails.
  unfinished.delete(tokenId);
  try {
    await context.recorder.write(
      [
        {
          type: 'release-resolved',
          time: context.now().toISOString(),
          body: {
            tokenId,
            sessionId: release.sessionId,
            callId: release.callId,
            tool: release.tool,
            releasedSeq: release.releasedSeq,
            outcome: resolution.outcome,
            by: resolution.by,
            ...(resolution.note === undefined ? {} : { note: resolution.note }),
            ...(resolution.statement === undefined ? {} : { statement: resolution.statement }),
          },
        },
      ],
      'sync',
    );
  } catch (error) {
    unfinished.set(tokenId, release);
    throw error;
  }
  const holds = context.unfinishedHolds.get(tokenId);
  context.unfinishedHolds.delete(tokenId);
  if (resolution.outcome === 'not-executed') holds?.cancel();
  // Signed at once, as a session's end is: an auditor's copy taken now verifies without waiting
  // for the next checkpoint (the statement itself is recorded; a failed checkpoint is retried
  // by the ledger's own policy and at close).
  await context.ledger.checkpoint().catch(() => undefined);
  return { outcome: resolution.outcome, by: resolution.by, ...(resolution.note === undefined ? {} : { note: resolution.note }) };
}
