// The garbage sweep the packages' public-exports.malformed.test.ts files share (@writ/postgres,
// @writ/langgraph, @writ/ai-sdk, @writ/openai-agents): every export, called with garbage, answers
// with a value or a WritError — never a raw error, a hang or a polluted Object.prototype.
// Same garbage and rules as packages/core/src/public-exports.malformed.test.ts, which keeps a
// richer harness of its own (more garbage shapes, drained iterators, a per-subpath guard).
// Imported as `@writ/test-suites/sweep-harness`; this package is private, so none of it is
// ever published (docs/decisions/0031-shared-sweep-harness.md).
import { MemoryApprovalStore, MemoryLedgerStore, MemoryNonceStore, PrivateKey, createFirewall, createSigner, createTrustRoot, isWritError, toBase64Url } from '@writ/core';
import type { FirewallSession } from '@writ/core';

export const garbage: unknown[] = [
  undefined, null, 0, -1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '', 'x', 'A'.repeat(100_000),
  {}, [], [null], Symbol('s'), 10n, () => 1, new Date(Number.NaN), new Uint8Array(0), new Uint8Array(64),
  JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'),
  Object.create(null),
];
/** How long one call may take before it counts as a hang. */
export const HANG_MS = 3_000;
export const HANG = Symbol('hang');
const prototypeKeys = Reflect.ownKeys(Object.prototype).length;

/** A short description of a garbage value for a failure message. */
export function label(value: unknown): string {
  if (typeof value === 'string') return value.length > 20 ? `string(${value.length})` : JSON.stringify(value);
  if (typeof value === 'symbol' || typeof value === 'bigint' || typeof value === 'function') return typeof value;
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
  if (Array.isArray(value)) return `[${value.map(label).join(',')}]`;
  if (typeof value === 'object' && value !== null) return `{${Object.keys(value).join(',')}}`;
  return String(value);
}

export function withTimeout<T>(promise: PromiseLike<T>): Promise<T | typeof HANG> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    Promise.resolve(promise).finally(() => clearTimeout(timer)),
    new Promise<typeof HANG>((resolve) => (timer = setTimeout(() => resolve(HANG), HANG_MS))),
  ]);
}

/** @returns a failure description, or undefined for a value or a WritError. Returned closables are closed. */
export async function probe(name: string, run: () => unknown): Promise<string | undefined> {
  let outcome: string | undefined;
  try {
    let result = run();
    if (typeof (result as { then?: unknown } | null)?.then === 'function') {
      result = await withTimeout(result as PromiseLike<unknown>);
      if (result === HANG) return `${name}: hang`;
    }
    const close = (result as { close?: unknown } | null)?.close;
    if (typeof close === 'function') await withTimeout(Promise.resolve(close.call(result)));
  } catch (error) {
    if (!isWritError(error)) outcome = `${name}: raw ${error instanceof Error ? `${error.name}: ${error.message.slice(0, 120)}` : String(error)}`;
  }
  if (({} as Record<string, unknown>).polluted !== undefined || Reflect.ownKeys(Object.prototype).length !== prototypeKeys) {
    delete (Object.prototype as Record<string, unknown>).polluted;
    return `${name}: polluted Object.prototype`;
  }
  return outcome;
}

/**
 * `call` with each garbage value as sole and as both of two arguments (unless `bare` is false),
 * then with each argument of `valid` and each field of an object argument replaced by garbage in turn.
 * @returns the failures
 */
export async function sweep(name: string, call: (...args: unknown[]) => unknown, valid?: readonly unknown[], bare = true): Promise<string[]> {
  const sets: unknown[][] = bare ? garbage.flatMap((g) => [[g], [g, g]]) : [];
  valid?.forEach((value, position) => {
    for (const g of garbage) {
      sets.push(Object.assign([...valid], { [position]: g }));
      if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
        for (const field of Object.keys(value)) sets.push(Object.assign([...valid], { [position]: { ...(value), [field]: g } }));
      }
    }
  });
  const failures: string[] = [];
  for (const args of sets) {
    const failure = await probe(`${name}(${args.map(label).join(', ')})`, () => call(...args));
    if (failure !== undefined) failures.push(failure);
  }
  return failures;
}

export function isClass(value: unknown): value is new (...args: unknown[]) => unknown {
  return typeof value === 'function' && /^class\b/.test(Function.prototype.toString.call(value));
}

/** The method names of an object: its prototype chain's and its own function-valued properties. */
export function methodNames(object: object): string[] {
  const names = new Set<string>();
  for (let proto = Object.getPrototypeOf(object) as object | null; proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    for (const name of Object.getOwnPropertyNames(proto)) if (name !== 'constructor' && typeof Object.getOwnPropertyDescriptor(proto, name)?.value === 'function') names.add(name);
  }
  for (const [name, value] of Object.entries(object)) if (typeof value === 'function') names.add(name);
  return [...names].sort();
}

/**
 * Every export swept: functions and constructors (with `valid` arguments when given) and static
 * methods. The coverage guard: `unswept` names each export that is neither swept nor allowlisted.
 */
export async function sweepExports(module: Record<string, unknown>, options: { allowlist: Record<string, string>; valid: Record<string, () => unknown[]> }): Promise<{ failures: string[]; unswept: string[] }> {
  const failures: string[] = [];
  const unswept: string[] = [];
  for (const [name, value] of Object.entries(module)) {
    if (name in options.allowlist) continue;
    if (isClass(value)) {
      failures.push(...(await sweep(`new ${name}`, (...args) => new value(...args), options.valid[name]?.())));
      for (const statik of Object.getOwnPropertyNames(value)) {
        const member = (value as unknown as Record<string, unknown>)[statik];
        if (!['length', 'name', 'prototype'].includes(statik) && typeof member === 'function') {
          failures.push(...(await sweep(`${name}.${statik}`, (...args) => (member as (...a: unknown[]) => unknown).apply(value, args), options.valid[`${name}.${statik}`]?.())));
        }
      }
    } else if (typeof value === 'function') {
      failures.push(...(await sweep(name, value as (...args: unknown[]) => unknown, options.valid[name]?.())));
    } else {
      unswept.push(name);
    }
  }
  return { failures, unswept };
}

/** Each method of a fresh instance per call, with garbage. */
export async function sweepInstance(name: string, factory: () => Promise<object>): Promise<string[]> {
  const failures: string[] = [];
  for (const method of methodNames(await factory())) {
    for (const args of garbage.flatMap((g) => [[g], [g, g]])) {
      const instance = (await factory()) as Record<string, (...args: unknown[]) => unknown>;
      const failure = await probe(`${name}.${method}(${args.map(label).join(', ')})`, () => instance[method]!(...args));
      if (failure !== undefined) failures.push(failure);
    }
  }
  return failures;
}

/** A firewall session over memory stores, with a policy that allows everything (the adapters' sweeps). */
export async function openTestSession(): Promise<FirewallSession> {
  const key = createSigner(PrivateKey.fromSeed(new Uint8Array(32).fill(9)));
  const trustRoot = createTrustRoot({
    type: 'writ.trust-root/v1',
    version: 1,
    issuedAt: '2026-01-01T00:00:00Z',
    threshold: 1,
    keys: [{ keyId: key.keyId, publicKey: toBase64Url(key.publicKey), roles: ['root', 'authority', 'ledger', 'gateway'], owner: 'o', validFrom: '2026-01-01T00:00:00Z', status: 'active' }],
  });
  const firewall = await createFirewall({
    keys: { authority: key },
    trustRoot,
    stores: { ledger: new MemoryLedgerStore(), nonces: new MemoryNonceStore(), approvals: new MemoryApprovalStore() },
    tools: { tools: [{ name: 'search', actionClass: 'A0', effects: ['read'], audience: 'self' }] },
    policy: { digest: `sha256:${'ab'.repeat(32)}`, evaluate: () => Promise.resolve({ decision: 'allow', reasons: [] }) },
    env: {},
  });
  return firewall.openSession({ principal: { id: 'alice' }, agent: { id: 'bot' } });
}
