/**
 * Witnessing from the authority: every `everyMs`, the latest checkpoint of the ledger (file
 * store) is submitted to each configured C2SP tlog-witness (`submitTranscriptDirectory`) and
 * the cosigned note kept in `<dataDir>/witnessed/`, where `writ verify --witness` finds it.
 * A checkpoint a witness already cosigned is submitted again once that cosignature is
 * `refreshMs` old, for a fresh one (`writ verify --witnessed-within` bounds their age). With
 * `mirrorOf` (a ledger that is not a file store: PostgreSQL), `store` is a file store at `dir`
 * that each round first brings up to date with it (`copyLedger`, every line chain-checked) and
 * submits from; a database whose entries no longer extend the mirror is logged as an error
 * and nothing is submitted. A
 * witness that refuses or does not answer is logged (`warn`, with its code) and tried again on
 * the next round; the ledger never waits for a witness. Checkpoints signed by the ledger key that
 * disagree with the entries or each other are logged as an `error` and nothing is submitted. A kept note the new cosignature cannot be
 * merged into (damaged, a line by that witness that does not verify, another checkpoint of that
 * size) is set aside as `<size>.note.bad` (one per checkpoint, replaced) and logged as an
 * `error` with the code the merge refused it with; the fresh note takes its place.
 */
import { copyLedger, submitTranscriptDirectory } from '@writ/core';
import type { FileLedgerStore, LedgerStore, TrustRoot } from '@writ/core';
import type { Logger } from './logger.ts';

// What submitTranscriptDirectory refuses when checkpoints the ledger key signed disagree.
const DISAGREEING = new Set(['ERR_TRANSCRIPT_ROOT_MISMATCH', 'ERR_TRANSCRIPT_CHECKPOINT_INCONSISTENT']);

/** A witness the authority submits checkpoints to. */
export interface WitnessTarget {
  /** Submission prefix (`<url>/add-checkpoint`). */
  readonly url: string;
  /** Its cosignature/v1 verifier key. */
  readonly key: string;
}

/** A running witnessing loop. */
export interface Witnessing {
  /** One round now (tests; the timer runs them too). Rounds never overlap. */
  round(): Promise<void>;
  /** Stop the timer and wait for a round in flight. Idempotent. */
  stop(): Promise<void>;
}

/** Start submitting the ledger's checkpoints to `witnesses` every `everyMs`. */
export function startWitnessing(options: {
  readonly dir: string;
  readonly store: LedgerStore;
  /** The ledger `store` (then a file store at `dir`) mirrors, copied into it every round. */
  readonly mirrorOf?: LedgerStore;
  readonly witnesses: readonly WitnessTarget[];
  /**
   * The authority's trust root: only a checkpoint one of its ledger keys signed is submitted
   * (a damaged or forged larger note in `witnessed/` is passed over, and logged).
   */
  readonly trustRoot: TrustRoot;
  readonly everyMs: number;
  /** Re-submit an unchanged checkpoint once its cosignature is this old (ms; default 1 h). */
  readonly refreshMs?: number;
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
  /** Clock (ms since the epoch; tests). */
  readonly now?: () => number;
}): Witnessing {
  const { dir, store, witnesses, logger } = options;
  const refreshMs = options.refreshMs ?? 3_600_000;
  const now = options.now ?? Date.now;
  // The size each witness last cosigned and when (not yet, this process: absent).
  const done = new Map<string, { size: number; at: number }>();
  let running: Promise<void> | undefined;
  let stopped = false;

  async function submitAll(): Promise<void> {
    if (options.mirrorOf !== undefined) {
      try {
        await copyLedger({ from: options.mirrorOf, to: store as FileLedgerStore });
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        logger.error('ledger mirror not updated; nothing submitted to witnesses', { dir, code: typeof code === 'string' ? code : undefined, message: (error as Error).message });
        return;
      }
    }
    const latest = await store.latestCheckpoint();
    if (latest === undefined) return;
    for (const witness of witnesses) {
      if (stopped) return;
      const last = done.get(witness.url);
      if (last !== undefined && last.size >= latest.size && now() - last.at < refreshMs) continue;
      try {
        // setAside: a kept note that cannot take the new cosignature (damaged, a line by this
        // witness that does not verify, another checkpoint of that size) is moved to
        // `<size>.note.bad` and replaced, instead of failing every save — and so resubmitting
        // every round, forever — while `writ verify` keeps reading the damaged note.
        const result = await submitTranscriptDirectory(dir, { url: witness.url, witness: witness.key, trustRoot: options.trustRoot, save: true, setAside: true, ...(last !== undefined && last.size <= latest.size && { oldSize: last.size }), ...(options.fetch && { fetch: options.fetch }) });
        done.set(witness.url, { size: result.size, at: now() });
        if (result.setAside !== undefined) {
          logger.error('kept witness note could not take the new cosignature; set aside and replaced by the fresh one', { witness: witness.url, size: result.size, code: result.setAside.code, path: result.saved, setAside: result.setAside.path });
        }
        logger.info(last !== undefined && last.size === result.size ? 'witness cosigned checkpoint again (refresh)' : 'witness cosigned checkpoint', { witness: witness.url, size: result.size, previousSize: result.oldSize });
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'string' && DISAGREEING.has(code)) {
          // Checkpoints the ledger key signed disagree with the entries or with each other (a
          // fork, rewritten entries, another log's note): evidence of the key's misuse, not a
          // witness's refusal. Nothing is submitted, to this witness or the next.
          const details = (error as { details?: { check?: unknown; size?: unknown; paths?: unknown } }).details;
          logger.error('checkpoints signed by the ledger key disagree; nothing submitted to witnesses (writ verify reports the same)', { dir, code, check: details?.check, size: details?.size, paths: details?.paths });
          return;
        }
        const status = (error as { details?: { status?: unknown } }).details?.status;
        logger.warn('witness did not cosign checkpoint', { witness: witness.url, size: latest.size, code: typeof code === 'string' ? code : undefined, status, message: (error as Error).message });
      }
    }
  }

  function round(): Promise<void> {
    if (running !== undefined) return running;
    running = submitAll()
      .catch((error: unknown) => logger.error('witnessing round failed', { message: (error as Error).message }))
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  const timer = setInterval(() => void round(), options.everyMs);
  timer.unref();
  return {
    round,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
