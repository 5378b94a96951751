/**
 * Firewall benchmark: the full enforce path per tool call (normalize, classify, basis,
 * policy, mint, gateway check, receipt, transcript append) against the floors measured in
 * the same run — a bare call of the same tool, one node:crypto Ed25519 sign (+ verify), and
 * one fdatasync'd append of a ledger-sized line.
 *
 *   node --conditions=@writ/source bench/firewall.ts      (BENCH_CALLS=n, BENCH_MAX_BATCH=n override)
 *
 * The policy is the shared Rego library (policies/) through @writ/policy; the same run also
 * measures a plain TypeScript policy of the same decision to separate the Rego cost.
 *
 * The firewall cases of one group (batched, then sync) share most of their code, and V8 keeps
 * tiering it up for ~2,000–2,500 calls. Measured one after the other with 500 warm-up calls,
 * the first case paid for that warm-up and the next ones did not (the Rego rows, measured
 * first, by ~100 µs of CPU per call). So every case of a group is first warmed up, in turns,
 * on paths of its own that are then closed; then each is measured on a fresh path (a new
 * ledger, its own 500 warm-up calls), one at a time as before, so no other case's ledger is
 * alive in the heap while it is measured.
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { sign as nodeSign, verify as nodeVerify, createPrivateKey, createPublicKey } from 'node:crypto';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FileLedgerStore,
  MemoryApprovalStore,
  MemoryLedgerStore,
  MemoryNonceStore,
  PrivateKey,
  createFirewall,
  createSigner,
  createTrustRoot,
  createToolRegistry,
  toBase64Url,
} from '@writ/core';
import type { CreateFirewallOptions, FirewallPolicy, LedgerStore } from '@writ/core';
// @writ/policy depends on @writ/core, so core cannot depend on it; the benchmark reaches it by path.
import { loadPolicy } from '../../policy/src/index.ts';

const CALLS = Number(process.env.BENCH_CALLS ?? 3000);
const WARMUP = Math.min(500, Math.floor(CALLS / 4));
// Firewall cases: warm-up calls per case (in turns with the other cases of its group) and
// the number of rounds its measured calls are split into.
const CASE_WARMUP = Number(process.env.BENCH_WARMUP ?? 2500);
const ROUNDS = 10;
// BENCH_MAX_BATCH overrides `durability.maxBatch` of the batched cases (A/B of the flush size).
const maxBatch = process.env.BENCH_MAX_BATCH === undefined ? undefined : Number(process.env.BENCH_MAX_BATCH);

interface Stats {
  readonly name: string;
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
  /** CPU time (user + system) of this process per call: less sensitive to other load than wall time. */
  readonly cpu: number;
}

function stats(name: string, samples: number[], cpu: number): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { name, p50: at(0.5), p99: at(0.99), mean: samples.reduce((a, b) => a + b, 0) / samples.length, cpu };
}

async function measure(name: string, run: (i: number) => unknown, count = CALLS): Promise<Stats> {
  for (let i = 0; i < WARMUP; i++) await run(-1 - i);
  const samples: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    await run(i);
    samples.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  const cpu = process.cpuUsage(cpu0);
  return stats(name, samples, (cpu.user + cpu.system) / count);
}

interface CasePath {
  readonly run: (i: number) => Promise<void>;
  close(): Promise<void>;
}

interface Case {
  readonly name: string;
  readonly count: number;
  /** A fresh path of the case (its own firewall and ledger). */
  open(): Promise<CasePath>;
}

/**
 * Measures cases that share code fairly: each is warmed up for `CASE_WARMUP` calls in turns of
 * `ROUNDS` with the others (so all reach V8's steady state together) on paths that are then
 * closed; then each is measured on a fresh path of its own, one case at a time.
 */
async function measureGroup(cases: readonly Case[]): Promise<Stats[]> {
  const warm: CasePath[] = [];
  for (const c of cases) warm.push(await c.open());
  for (let round = 0; round < ROUNDS; round++) {
    for (const path of warm) {
      for (let i = 0; i < Math.ceil(CASE_WARMUP / ROUNDS); i++) await path.run(-1 - round * CASE_WARMUP - i);
    }
  }
  for (const path of warm) await path.close();
  const out: Stats[] = [];
  for (const c of cases) {
    const path = await c.open();
    out.push(await measure(c.name, path.run, c.count));
    await path.close();
  }
  return out;
}

// ---- keys and trust root -------------------------------------------------------------
const authority = createSigner(PrivateKey.fromSeed(new Uint8Array(32).fill(3)));
const trustRoot = createTrustRoot({
  type: 'writ.trust-root/v1',
  version: 1,
  issuedAt: '2026-01-01T00:00:00Z',
  threshold: 1,
  keys: [
    { keyId: authority.keyId, publicKey: toBase64Url(authority.publicKey), roles: ['root', 'authority', 'gateway', 'ledger'], owner: 'bench', validFrom: '2026-01-01T00:00:00Z', status: 'active' },
  ],
});

const registry = createToolRegistry({
  tools: [
    { name: 'email.send', actionClass: 'A3', effects: ['customer-visible'], audience: 'customer', consequential: { to: 'email' } },
    { name: 'search', actionClass: 'A0', effects: ['read'], audience: 'self', trust: 'untrusted' },
  ],
});

const tsPolicy: FirewallPolicy = {
  digest: `sha256:${'cd'.repeat(32)}`,
  evaluate: (input) => Promise.resolve(tsDecide(input)),
  evaluateSync: (input) => tsDecide(input),
};

function tsDecide(input: unknown): unknown {
  const { action, basis } = input as { action: { class: string }; basis: { sufficient: boolean; tainted: string[] } };
  const rank = Number(action.class.slice(1));
  if (rank >= 3 && basis.tainted.length > 0) return { decision: 'deny', reasons: [{ code: 'basis.tainted-argument', text: 'tainted' }] };
  if (rank >= 3 && !basis.sufficient) return { decision: 'deny', reasons: [{ code: 'basis.insufficient', text: 'insufficient' }] };
  if (rank < 3) return { decision: 'allow', reasons: [] };
  return { decision: 'allow-with-constraints', reasons: [{ code: 'basis.sufficient', text: 'sufficient' }], constraints: { ttlSeconds: 300, maxUses: 1, secrets: false } };
}

async function firewallPath(options: { policy: FirewallPolicy; ledger: LedgerStore; durability: CreateFirewallOptions['durability']; tool: 'email.send' | 'search' }) {
  const firewall = await createFirewall({
    policy: options.policy,
    keys: { authority },
    trustRoot,
    stores: { ledger: options.ledger, nonces: new MemoryNonceStore(), approvals: new MemoryApprovalStore() },
    tools: registry,
    mode: 'enforce',
    env: {},
    ...(options.durability === undefined ? {} : { durability: options.durability }),
  });
  let session = await firewall.openSession({ principal: { id: 'alice', tenant: 'acme' }, agent: { id: 'bench' } });
  const prime = async () => {
    await session.addSystemPrompt('You are the support agent.');
    await session.addUserTurn('Email bob@example.com that the order shipped.');
  };
  await prime();
  let calls = 0;
  const args = options.tool === 'email.send' ? { to: 'bob@example.com', body: 'Your order shipped.' } : { q: 'order 7781' };
  const tool = (a: unknown) => ({ ok: true, echo: a });
  const run = async (i: number) => {
    if (++calls % 1000 === 0) {
      await session.end();
      session = await firewall.openSession({ principal: { id: 'alice', tenant: 'acme' }, agent: { id: 'bench' } });
      await prime();
    }
    const result = await session.execute({ tool: options.tool, args, callId: `c${i}` }, tool);
    if (result.status !== 'executed') throw new Error(`expected executed, got ${result.status}: ${JSON.stringify(result.guard.reasons)}`);
  };
  return { run, firewall };
}

// ---- floors -------------------------------------------------------------------------
const line = JSON.stringify({ type: 'token-issued', seq: 1, time: new Date().toISOString(), prev: `sha256:${'0'.repeat(64)}`, body: { pad: 'x'.repeat(900) } });
const message = new TextEncoder().encode(line.slice(0, 700));
const nodeKey = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.alloc(32, 3)]), format: 'der', type: 'pkcs8' });
const nodePub = createPublicKey(nodeKey);
const signature = nodeSign(null, message, nodeKey);
const dir = mkdtempSync(join(tmpdir(), 'writ-bench-firewall-'));

const results: Stats[] = [];
try {
  const bareTool = (a: unknown) => ({ ok: true, echo: a });
  results.push(await measure('floor: bare tool call', () => bareTool({ to: 'bob@example.com' })));
  results.push(await measure('floor: Ed25519 sign (node:crypto)', () => nodeSign(null, message, nodeKey)));
  results.push(await measure('floor: Ed25519 sign + verify', () => nodeVerify(null, message, nodePub, nodeSign(null, message, nodeKey))));
  void signature;
  const fd = openSync(join(dir, 'floor.jsonl'), 'a');
  results.push(await measure('floor: fdatasync\'d append (1 line)', () => {
    writeSync(fd, `${line}\n`);
    fdatasyncSync(fd);
  }, Math.min(CALLS, 1000)));
  closeSync(fd);

  const rego = await loadPolicy({ paths: [new URL('../../../policies/writ', import.meta.url).pathname, new URL('../../../policies/data.json', import.meta.url).pathname] });
  const batched = { default: 'batched', ...(maxBatch === undefined ? {} : { maxBatch }) } as const;
  const batchedCases: Case[] = [];
  for (const [name, policy] of [['Rego', rego], ['TS', tsPolicy]] as const) {
    for (const [label, tool] of [['A3 enforce, memory ledger, batched', 'email.send'], ['A0 observation, no token', 'search']] as const) {
      const open = async (): Promise<CasePath> => {
        const path = await firewallPath({ policy, ledger: new MemoryLedgerStore(), durability: batched, tool });
        return { run: path.run, close: () => path.firewall.close() };
      };
      batchedCases.push({ name: `firewall ${label} (${name} policy)`, count: CALLS, open });
    }
  }
  results.push(...(await measureGroup(batchedCases)));
  // The `sync` goal names no policy: both are measured, each with both durable-write modes,
  // and the same TS path over a memory ledger (same write-ahead ordering, no disk) shows what
  // the durable write adds. One call's durable write is ~3.9 KB (its release and the previous
  // call's receipt), so a floor of that size is measured too (next to the 1-line one).
  const callFd = openSync(join(dir, 'floor-call.jsonl'), 'a');
  const callBytes = Buffer.from(`${'x'.repeat(3925)}\n`);
  results.push(await measure("floor: fdatasync'd append of one sync call's bytes (~3.9 KB)", () => {
    writeSync(callFd, callBytes);
    fdatasyncSync(callFd);
  }, Math.min(CALLS, 1000)));
  closeSync(callFd);
  // The same bytes overwriting zeros written and fsync'd beforehand, as the file store writes
  // since ADR 0028: no file size to journal in the fdatasync.
  const zeroFd = openSync(join(dir, 'floor-call-prewritten.jsonl'), 'w+');
  const calls = Math.min(CALLS, 1000) + WARMUP;
  writeSync(zeroFd, Buffer.alloc(callBytes.length * (calls + 10)));
  fdatasyncSync(zeroFd);
  let zeroAt = 0;
  results.push(await measure("floor: fdatasync'd overwrite of one sync call's bytes in pre-written zeros", () => {
    writeSync(zeroFd, callBytes, 0, callBytes.length, zeroAt);
    zeroAt += callBytes.length;
    fdatasyncSync(zeroFd);
  }, Math.min(CALLS, 1000)));
  closeSync(zeroFd);
  const syncCases: Case[] = [];
  let ledgers = 0;
  for (const [name, policy] of [['Rego', rego], ['TS', tsPolicy]] as const) {
    for (const durableWrite of ['thread-pool', 'main-thread'] as const) {
      const open = async (): Promise<CasePath> => {
        const store = await FileLedgerStore.open({ dir: join(dir, `ledger-${++ledgers}`), durableWrite });
        const sync = await firewallPath({ policy, ledger: store, durability: { default: 'sync' }, tool: 'email.send' });
        const close = async () => {
          await sync.firewall.close();
          await store.close();
        };
        return { run: sync.run, close };
      };
      syncCases.push({ name: `firewall A3 enforce, file ledger, sync, ${durableWrite} write (${name} policy)`, count: Math.min(CALLS, 1000), open });
    }
  }
  const openMemorySync = async (): Promise<CasePath> => {
    const path = await firewallPath({ policy: tsPolicy, ledger: new MemoryLedgerStore(), durability: { default: 'sync' }, tool: 'email.send' });
    return { run: path.run, close: () => path.firewall.close() };
  };
  syncCases.push({ name: 'firewall A3 enforce, memory ledger, sync (TS policy)', count: Math.min(CALLS, 1000), open: openMemorySync });
  results.push(...(await measureGroup(syncCases)));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const floor = (name: string) => results.find((r) => r.name.startsWith(name))!;
const bare = floor('floor: bare');
const sign = floor('floor: Ed25519 sign (');
const fsync = floor("floor: fdatasync'd append (1 line)");
process.stdout.write(`Node ${process.version}, ${CALLS} calls per case (floors ${WARMUP} warm-up; firewall cases ${CASE_WARMUP} warm-up calls in turns, then each measured on a fresh path after ${WARMUP}), batched maxBatch ${maxBatch ?? 'default'}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n\n`);
process.stdout.write('| case | p50 µs | p99 µs | mean µs | CPU µs/call | p50 / bare call | p50 / (sign + fdatasync) |\n|---|---:|---:|---:|---:|---:|---:|\n');
for (const r of results) {
  process.stdout.write(
    `| ${r.name} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.mean.toFixed(1)} | ${r.cpu.toFixed(1)} | ${(r.p50 / Math.max(bare.p50, 0.01)).toFixed(0)}x | ${(r.p50 / (sign.p50 + fsync.p50)).toFixed(2)} |\n`,
  );
}
