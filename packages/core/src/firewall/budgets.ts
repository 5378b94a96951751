/**
 * Capability budgets (TraceScript §15, "Capability Treasury"): spend limits per principal,
 * agent or session — e.g. total refund amount per day, emails per hour. A call reserves
 * its amount when its token is released, settles at the outcome (a failed call frees the
 * reservation), and for rules with `escrow` the spent amount stays held in escrow until
 * reconciliation confirms it (or a compensation frees it).
 *
 * The state is sliding-window; policies see it as `input.context.budgets` and the firewall
 * refuses a release the budget cannot cover. Every release records what it reserved
 * ({@link BudgetHoldRecord}, the `budgets` field of its `token-issued` entry, or of the
 * `decision-made` entry of a token-free release), and a firewall rebuilds its budgets from
 * its ledger on open ({@link CapabilityBudgets.restore}): a restart does not hand out a
 * window's budget a second time.
 *
 * Bounded: a spent hold leaves once past its window, a reservation once its release can no
 * longer run (its token expired, never admitted: {@link BudgetReservation.expiresAt}), looked
 * at or not — every budget's holds are swept now and then, so the holds of a session that
 * ended, or a principal that never calls again, do not stay for the life of the process.
 */
import { WritError } from '../errors.ts';
import type { JsonObject } from '../stores/types.ts';
import type { BudgetHoldRecord } from '../transcript/entry-types.ts';

export type { BudgetHoldRecord } from '../transcript/entry-types.ts';

/** One budget rule. */
export interface BudgetRule {
  /** Stable id, shown to policy and in reasons. */
  readonly id: string;
  /** Whose spending is counted together. */
  readonly scope: 'principal' | 'agent' | 'session';
  /** Tools that draw on this budget (default: every tool). */
  readonly tools?: readonly string[];
  /** `count` counts calls; `{ argument }` sums that numeric argument. */
  readonly measure: 'count' | { readonly argument: string };
  /** Maximum per window. */
  readonly limit: number;
  /** Sliding window length. */
  readonly windowMs: number;
  /** Hold spent amounts in escrow until reconciliation. */
  readonly escrow?: boolean;
}

/** Who is spending. */
export interface BudgetParty {
  readonly tool: string;
  readonly args: JsonObject;
  readonly principal: string;
  readonly agent: string;
  readonly session: string;
}

/** A budget as policy sees it for one prospective call. */
export interface BudgetView {
  readonly id: string;
  readonly limit: number;
  /** Settled in the window (escrowed amounts included). */
  readonly used: number;
  /** Reserved by released calls without an outcome yet. */
  readonly reserved: number;
  /** What this call would draw. */
  readonly requested: number;
  /** `limit - used - reserved - requested` (negative when it would overrun). */
  readonly remaining: number;
}

type Phase = 'reserved' | 'escrow' | 'spent' | 'gone';
interface Hold {
  readonly rule: BudgetRule;
  readonly key: string;
  readonly holder: string;
  readonly amount: number;
  readonly at: number;
  phase: Phase;
  /** A reservation no longer counts from this time (ms) on: its release can no longer run. */
  expiresAt: number | undefined;
}

/** True when `hold` no longer counts at `now` (ms) and leaves the budget. */
function lapsed(hold: Hold, now: number): boolean {
  if (hold.phase === 'spent') return now - hold.at >= hold.rule.windowMs;
  return hold.phase === 'reserved' && hold.expiresAt !== undefined && now >= hold.expiresAt;
}

/** Reservations between sweeps of every budget's holds (at least). */
const SWEEP_EVERY = 1024;

function holderOf(rule: BudgetRule, party: BudgetParty): string {
  return rule.scope === 'principal' ? party.principal : rule.scope === 'agent' ? party.agent : party.session;
}

function scopeKey(rule: BudgetRule, holder: string): string {
  return `${rule.id}\u0000${holder}`;
}

function amountOf(rule: BudgetRule, args: JsonObject): number | undefined {
  if (rule.measure === 'count') return 1;
  const value = Object.hasOwn(args, rule.measure.argument) ? args[rule.measure.argument] : undefined;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function validRule(rule: unknown, index: number): BudgetRule {
  const r = rule as Partial<BudgetRule> | null;
  const ok =
    typeof r === 'object' &&
    r !== null &&
    typeof r.id === 'string' &&
    r.id !== '' &&
    (r.scope === 'principal' || r.scope === 'agent' || r.scope === 'session') &&
    (r.measure === 'count' || (typeof r.measure === 'object' && r.measure !== null && typeof r.measure.argument === 'string')) &&
    typeof r.limit === 'number' &&
    r.limit >= 0 &&
    typeof r.windowMs === 'number' &&
    r.windowMs > 0 &&
    (r.tools === undefined || (Array.isArray(r.tools) && r.tools.every((t) => typeof t === 'string')));
  if (!ok) {
    throw new WritError('ERR_INVALID_ARGUMENT', `budgets[${index}] is not a valid budget rule`, {
      details: { parameter: `budgets[${index}]` },
    });
  }
  return r as BudgetRule;
}

/** The budget ledger of one firewall. */
export class CapabilityBudgets {
  readonly #rules: readonly BudgetRule[];
  readonly #holds = new Map<string, Hold[]>();
  /** Reservations since the last sweep, and the holds that sweep kept. */
  #sinceSweep = 0;
  #keptAtSweep = 0;

  /** @throws `ERR_INVALID_ARGUMENT` when a rule is malformed. */
  constructor(rules: unknown = []) {
    if (!Array.isArray(rules)) {
      throw new WritError('ERR_INVALID_ARGUMENT', 'budgets must be an array', { details: { parameter: 'budgets' } });
    }
    this.#rules = rules.map((rule, index) => validRule(rule, index));
  }

  #applicable(party: BudgetParty): BudgetRule[] {
    return this.#rules.filter((rule) => rule.tools === undefined || rule.tools.includes(party.tool));
  }

  #sum(key: string, rule: BudgetRule, now: number): { used: number; reserved: number } {
    let used = 0;
    let reserved = 0;
    const list = this.#holds.get(key);
    if (list === undefined) return { used, reserved };
    // Spent holds that left the window and expired reservations never count again: dropped
    // here, so a budget's holds are those of one window, not every call ever made (memory and
    // the cost of this sum).
    this.#prune(key, list, now);
    for (const hold of list) {
      if (hold.rule !== rule) continue;
      if (hold.phase === 'reserved') reserved += hold.amount;
      else used += hold.amount;
    }
    return { used, reserved };
  }

  /** Drop the holds of `list` (the holds of `key`) that lapsed at `now`; @returns how many are kept. */
  #prune(key: string, list: Hold[], now: number): number {
    let kept = 0;
    for (const hold of list) {
      if (lapsed(hold, now)) {
        hold.phase = 'gone';
        continue;
      }
      list[kept++] = hold;
    }
    list.length = kept;
    if (kept === 0) this.#holds.delete(key);
    return kept;
  }

  /**
   * Every so often, prune every budget's holds — the keys no call looks at again (a session
   * that ended, a principal gone) included. Runs once the reservations since the last sweep
   * outnumber the holds that sweep kept (at least {@link SWEEP_EVERY}): a sweep visits those
   * and the holds added since, so its cost is a few hold visits per reservation, amortized, and
   * the holds kept are at most those counting now plus those of the reservations since the last
   * sweep.
   */
  #maybeSweep(now: number): void {
    if (++this.#sinceSweep <= Math.max(SWEEP_EVERY, this.#keptAtSweep)) return;
    let kept = 0;
    for (const [key, list] of this.#holds) kept += this.#prune(key, list, now);
    this.#sinceSweep = 0;
    this.#keptAtSweep = kept;
  }

  /** Holds kept across all budgets (tests, diagnostics). */
  get holds(): number {
    let count = 0;
    for (const list of this.#holds.values()) count += list.length;
    return count;
  }

  /** The budgets this call draws on, as policy sees them. */
  view(party: BudgetParty, now: Date): BudgetView[] {
    return this.#applicable(party).map((rule) => {
      const { used, reserved } = this.#sum(scopeKey(rule, holderOf(rule, party)), rule, now.getTime());
      // A call that does not say how much it spends draws the whole budget.
      const requested = amountOf(rule, party.args) ?? rule.limit + 1;
      return { id: rule.id, limit: rule.limit, used, reserved, requested, remaining: rule.limit - used - reserved - requested };
    });
  }

  /**
   * Reserve this call's amounts on every budget it draws on, atomically.
   * @returns a handle to settle; `undefined` when no budget applies.
   * @throws `ERR_FIREWALL_BUDGET_EXCEEDED` (details: budget id) when any budget cannot cover it.
   */
  reserve(party: BudgetParty, now: Date): BudgetReservation | undefined {
    const views = this.view(party, now);
    if (views.length === 0) return undefined;
    const over = views.find((v) => v.remaining < 0);
    if (over !== undefined) {
      throw new WritError('ERR_FIREWALL_BUDGET_EXCEEDED', `budget ${over.id} cannot cover this call`, {
        details: { budget: over.id },
      });
    }
    this.#maybeSweep(now.getTime());
    const holds = this.#applicable(party).map((rule, i) => {
      const holder = holderOf(rule, party);
      return this.#add({ rule, key: scopeKey(rule, holder), holder, amount: views[i]!.requested, at: now.getTime(), phase: 'reserved', expiresAt: undefined });
    });
    return new BudgetReservation(holds, (hold) => this.#drop(hold));
  }

  #add(hold: Hold): Hold {
    const list = this.#holds.get(hold.key);
    if (list === undefined) this.#holds.set(hold.key, [hold]);
    else list.push(hold);
    return hold;
  }

  /**
   * Reserve again what a release recorded before a restart (its entry's `budgets`), as of its
   * release time `at`: the holds of rules still configured with the same scope, each with
   * the amount recorded (a rule no longer configured, or now counted under another scope, no
   * longer counts what it recorded). Never refused: it was within the budget when released.
   * The caller settles the reservation as the ledger goes on (outcome, reconciliation,
   * rollback); one without an outcome is settled as performed — it may have run.
   * @returns `undefined` when none of the records applies any more.
   * @throws `ERR_INVALID_ARGUMENT` when `records` is not a list of {@link BudgetHoldRecord}s
   *   (see {@link parseBudgetHolds}) or `at` is not a valid Date.
   */
  restore(records: readonly BudgetHoldRecord[], at: Date): BudgetReservation | undefined {
    const parsed = parseBudgetHolds(records);
    if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
      throw new WritError('ERR_INVALID_ARGUMENT', 'at must be a valid Date', { details: { parameter: 'at' } });
    }
    const holds: Hold[] = [];
    for (const record of parsed) {
      const rule = this.#rules.find((r) => r.id === record.id);
      if (rule === undefined || rule.scope !== record.scope) continue;
      holds.push(this.#add({ rule, key: scopeKey(rule, record.holder), holder: record.holder, amount: record.amount, at: at.getTime(), phase: 'reserved', expiresAt: undefined }));
    }
    this.#maybeSweep(at.getTime());
    return holds.length === 0 ? undefined : new BudgetReservation(holds, (hold) => this.#drop(hold));
  }

  #drop(hold: Hold): void {
    hold.phase = 'gone';
    const list = this.#holds.get(hold.key);
    if (list === undefined) return;
    const index = list.indexOf(hold);
    if (index >= 0) list.splice(index, 1);
    if (list.length === 0) this.#holds.delete(hold.key);
  }
}

/** Reserved amounts of one released call. */
export class BudgetReservation {
  readonly #holds: Hold[];
  readonly #drop: (hold: Hold) => void;

  constructor(holds: Hold[], drop: (hold: Hold) => void) {
    this.#holds = holds;
    this.#drop = drop;
  }

  /** What this reservation holds, as its release's ledger entry records it (`budgets`). */
  get records(): BudgetHoldRecord[] {
    return this.#holds.map((hold) => ({ id: hold.rule.id, scope: hold.rule.scope, holder: hold.holder, amount: hold.amount }));
  }

  /** True while some hold awaits the outcome (reserved, not settled). */
  get unsettled(): boolean {
    return this.#holds.some((hold) => hold.phase === 'reserved');
  }

  /**
   * The release did not run after all (an unfinished release found `not-executed`): every hold
   * it still has leaves the budgets, whatever its phase.
   */
  cancel(): void {
    for (const hold of this.#holds) if (hold.phase !== 'gone') this.#drop(hold);
  }

  /** True when some budget holds this call in escrow. */
  get escrowed(): boolean {
    return this.#holds.some((hold) => hold.phase === 'escrow');
  }

  /**
   * The release this reserves for can no longer run from `at` on (its token expired): unless
   * {@link admit}ted before, the reservation stops counting then and leaves the budget.
   */
  expiresAt(at: Date): void {
    for (const hold of this.#holds) if (hold.phase === 'reserved') hold.expiresAt = at.getTime();
  }

  /** The gateway admitted the call: the reservation counts until the outcome, however long it runs. */
  admit(): void {
    for (const hold of this.#holds) hold.expiresAt = undefined;
  }

  /**
   * At the outcome: a performed effect is spent (or escrowed); a failed one frees its
   * reservation. A reservation that expired unadmitted is gone and stays gone.
   */
  settle(performed: boolean): void {
    for (const hold of this.#holds) {
      if (hold.phase !== 'reserved') continue;
      if (!performed) this.#drop(hold);
      else hold.phase = hold.rule.escrow === true ? 'escrow' : 'spent';
    }
  }

  /** After reconciliation: `confirmed` turns escrow into spent; otherwise (compensated) frees it. */
  release(confirmed: boolean): void {
    for (const hold of this.#holds) {
      if (hold.phase !== 'escrow') continue;
      if (confirmed) hold.phase = 'spent';
      else this.#drop(hold);
    }
  }
}

/**
 * The `budgets` of a release entry, checked: a list of {@link BudgetHoldRecord}s (a holder and
 * id that are non-empty strings, a scope of a budget rule, a finite amount >= 0).
 * @throws `ERR_INVALID_ARGUMENT` (`details.parameter`: `budgets` or `budgets[i]`).
 */
export function parseBudgetHolds(value: unknown): BudgetHoldRecord[] {
  if (!Array.isArray(value)) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'budgets must be a list of budget holds', { details: { parameter: 'budgets' } });
  }
  return Array.from(value as unknown[], (item, index) => {
    const r = item as Partial<BudgetHoldRecord> | null | undefined;
    if (
      typeof r !== 'object' ||
      r === null ||
      Array.isArray(r) ||
      typeof r.id !== 'string' ||
      r.id === '' ||
      (r.scope !== 'principal' && r.scope !== 'agent' && r.scope !== 'session') ||
      typeof r.holder !== 'string' ||
      r.holder === '' ||
      typeof r.amount !== 'number' ||
      !Number.isFinite(r.amount) ||
      r.amount < 0
    ) {
      throw new WritError('ERR_INVALID_ARGUMENT', `budgets[${index}] is not a budget hold (id, scope, holder, amount)`, { details: { parameter: `budgets[${index}]` } });
    }
    return { id: r.id, scope: r.scope, holder: r.holder, amount: r.amount };
  });
}
