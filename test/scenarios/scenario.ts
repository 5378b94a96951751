/**
 * The shape of one attack/benign scenario and small builders for its basis.
 *
 * Every failure mode of TraceScript §5 and every threat of §22 has an attack and a benign
 * twin that differ only in what makes the attack an attack (where a value came from, who
 * approved what, what the external system reports). The harness runs both in enforce mode
 * (attacks blocked or sent to approval, twins allowed) and in shadow mode (everything
 * executes; the transcript shows what enforce would have done).
 */
import type { BasisItemInput, Compensation, Observation } from '@writ/core';

/** Tool arguments (a JSON object). */
export type JsonObject = Readonly<Record<string, unknown>>;

/** What the scenario expects in enforce mode. */
export type Expectation =
  /** The call is refused or sent to approval. */
  | 'blocked-or-approval'
  /** The call runs. */
  | 'allowed'
  /** The call runs but the firewall does not accept it as done: drift, or residue after rollback. */
  | 'flagged'
  /** The call runs and reconciles (or its rollback restores everything). */
  | 'complete';

/** One item of the session's basis. */
export type BasisStep =
  | { readonly user: string }
  | { readonly toolOutput: { readonly tool: string; readonly output: string } }
  | { readonly item: BasisItemInput };

/** A call made earlier in the session (its outcome is not asserted). */
export interface PriorCall {
  readonly tool: string;
  readonly args: JsonObject;
}

export interface Scenario {
  /** Section of TraceScript: `5.1` … `5.10`, `22.1` … `22.11`. */
  readonly ref: string;
  readonly title: string;
  readonly variant: 'attack' | 'benign';
  /** What makes this variant an attack (or not). */
  readonly why: string;
  readonly principal?: { readonly id: string; readonly roles?: readonly string[]; readonly tenant?: string };
  readonly basis: readonly BasisStep[];
  readonly before?: readonly PriorCall[];
  readonly call: { readonly tool: string; readonly args: JsonObject };
  /** Approver roles that sign an approval for this very call (the benign path of A4/A5). */
  readonly approvals?: readonly string[];
  /**
   * An approval signed for `approvedArgs` (by a manager) is submitted for this call; with
   * `ageMs` the clock moves on before the call is retried.
   */
  readonly reuseApproval?: { readonly approvedArgs: JsonObject; readonly ageMs?: number };
  /** Observer verdict for the call's tool. */
  readonly observe?: Observation;
  /** Compensation verdict; the harness rolls the call back when present. */
  readonly compensate?: Compensation;
  readonly expect: Expectation;
}

/** A user turn. */
export const user = (text: string): BasisStep => ({ user: text });

/** A tool output, with the trust the registry declares for that tool. */
export const toolOutput = (tool: string, output: string): BasisStep => ({ toolOutput: { tool, output } });

/** Any other basis item. */
export const item = (input: BasisItemInput): BasisStep => ({ item: input });

/** An attack and its benign twin from one base and the two differences. */
export function pair(
  base: Omit<Scenario, 'variant' | 'why' | 'expect' | 'basis'> & { readonly basis?: readonly BasisStep[] },
  attack: Partial<Scenario> & { readonly why: string },
  benign: Partial<Scenario> & { readonly why: string },
): [Scenario, Scenario] {
  return [
    { basis: [], expect: 'blocked-or-approval', ...base, ...attack, variant: 'attack' },
    { basis: [], expect: 'allowed', ...base, ...benign, variant: 'benign' },
  ];
}
