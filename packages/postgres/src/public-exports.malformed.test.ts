// Every runtime export of @writ/postgres — functions, constructors, static methods, and the
// methods of each store built over a migrated test schema — answers garbage with a value or
// a WritError: never a raw error, a hang or a polluted Object.prototype. The coverage guard
// fails when an export is neither swept nor allowlisted with a reason. The store sweeps need
// PostgreSQL (see testing/postgres-harness.ts); the export sweep runs without it.
import { afterAll, describe, expect, it } from 'vitest';
import { isWritError } from '@writ/core';
import * as postgres from './index.ts';
import { createTestSchema, describeWithPostgres, type TestSchema } from './testing/postgres-harness.ts';

// ---- sweep harness (same garbage and rules as packages/core/src/public-exports.malformed.test.ts) ----
const garbage: unknown[] = [
  undefined, null, 0, -1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '', 'x', 'A'.repeat(100_000),
  {}, [], [null], Symbol('s'), 10n, () => 1, new Date(Number.NaN), new Uint8Array(0), new Uint8Array(64),
  JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'),
  Object.create(null),
];
const HANG_MS = 3_000;
const HANG = Symbol('hang');
const prototypeKeys = Reflect.ownKeys(Object.prototype).length;

function label(value: unknown): string {
  if (typeof value === 'string') return value.length > 20 ? `string(${value.length})` : JSON.stringify(value);
  if (typeof value === 'symbol' || typeof value === 'bigint' || typeof value === 'function') return typeof value;
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
  if (Array.isArray(value)) return `[${value.map(label).join(',')}]`;
  if (typeof value === 'object' && value !== null) return `{${Object.keys(value).join(',')}}`;
  return String(value);
}

function withTimeout<T>(promise: PromiseLike<T>): Promise<T | typeof HANG> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    Promise.resolve(promise).finally(() => clearTimeout(timer)),
    new Promise<typeof HANG>((resolve) => (timer = setTimeout(() => resolve(HANG), HANG_MS))),
  ]);
}

/** @returns a failure description, or undefined for a value or a WritError. Returned closables are closed. */
async function probe(name: string, run: () => unknown): Promise<string | undefined> {
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

async function sweep(name: string, call: (...args: unknown[]) => unknown, valid?: readonly unknown[], bare = true): Promise<string[]> {
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

function isClass(value: unknown): value is new (...args: unknown[]) => unknown {
  return typeof value === 'function' && /^class\b/.test(Function.prototype.toString.call(value));
}

function methodNames(object: object): string[] {
  const names = new Set<string>();
  for (let proto = Object.getPrototypeOf(object) as object | null; proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    for (const name of Object.getOwnPropertyNames(proto)) if (name !== 'constructor' && typeof Object.getOwnPropertyDescriptor(proto, name)?.value === 'function') names.add(name);
  }
  for (const [name, value] of Object.entries(object)) if (typeof value === 'function') names.add(name);
  return [...names].sort();
}

/** Every export swept: functions and constructors (with `valid` arguments when given) and static methods. */
async function sweepExports(module: Record<string, unknown>, options: { allowlist: Record<string, string>; valid: Record<string, () => unknown[]> }): Promise<{ failures: string[]; unswept: string[] }> {
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
async function sweepInstance(name: string, factory: () => Promise<object>): Promise<string[]> {
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

/** Exports not swept generically, and why. */
const allowlist: Record<string, string> = {
  MAX_NONCE_ID_LENGTH: 'constant',
  LATEST_SCHEMA_VERSION: 'constant',
  DEFAULT_SCHEMA: 'constant',
  DEFAULT_CONNECTION_STRING: 'constant',
  // Reaching a database with garbage options would open pools against the shared test
  // database; their option checks are swept below over the test schema instead.
  openPostgresStores: 'swept in the PostgreSQL block with a test pool (opens connections)',
  migrate: 'swept in the PostgreSQL block with a test pool (writes a schema)',
};

describe('@writ/postgres exports answer garbage with a value or a WritError', () => {
  it('sweeps the exports that need no database, and every export is swept or allowlisted', async () => {
    const { failures, unswept } = await sweepExports(postgres, {
      allowlist,
      // Constructors take a pool: without one they must refuse before connecting.
      valid: {},
    });
    expect(failures).toEqual([]);
    expect(unswept).toEqual([]);
    expect(Object.keys(allowlist).filter((name) => !(name in postgres))).toEqual([]);
  }, 120_000);
});

describeWithPostgres('@writ/postgres stores answer garbage with a value or a WritError', () => {
  let test: TestSchema | undefined;
  const schema = (): TestSchema => (test ??= createTestSchema({ max: 4 }));
  afterAll(async () => {
    await test?.drop();
  });

  it('migrate and openPostgresStores with a test pool', async () => {
    const failures = [
      ...(await sweep('migrate', (...args) => postgres.migrate(...(args as [never])), [{ pool: schema().pool, schema: schema().schema }])),
      // Bare garbage such as {} or undefined is a valid "all defaults" call that would open
      // the shared default schema: only the option fields over the test schema are swept.
      ...(await sweep('openPostgresStores', (...args) => postgres.openPostgresStores(...(args as [never])), [{ pool: schema().pool, schema: schema().schema, migrate: true }], false)),
    ];
    expect(failures).toEqual([]);
  }, 300_000);

  const stores: Record<string, () => Promise<object>> = {
    PostgresLedgerStore: async () => {
      await postgres.migrate({ pool: schema().pool, schema: schema().schema });
      return new postgres.PostgresLedgerStore({ pool: schema().pool, schema: schema().schema });
    },
    PostgresNonceStore: () => Promise.resolve(new postgres.PostgresNonceStore({ pool: schema().pool, schema: schema().schema })),
    PostgresApprovalStore: () => Promise.resolve(new postgres.PostgresApprovalStore({ pool: schema().pool, schema: schema().schema })),
  };
  for (const [name, factory] of Object.entries(stores)) {
    it(`sweeps the methods of ${name}`, async () => {
      // close() of a store over a caller's pool leaves the pool open, so a fresh instance per call is cheap.
      expect(await sweepInstance(name, factory)).toEqual([]);
    }, 300_000);
  }
});
