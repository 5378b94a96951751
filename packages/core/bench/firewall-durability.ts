/**
 * Where the `sync` durability cost of the enforce path goes: the same A3 call (TypeScript
 * policy, so the policy engine is not what is measured) with a file or memory ledger and
 * `sync` or `batched` durability, in interleaved rounds in one process, against the
 * floors of the same run (one durable append done the way the file store does it: a
 * thread-pool write on an O_DSYNC file; one `writeSync` + `fdatasyncSync`; and one Ed25519
 * sign plus that write — the `sync` goal's floor). The file ledger runs both ways of its
 * durable write (`durableWrite`: thread pool, the default, or main thread).
 * Reports wall p50/p90 and CPU per call (process.cpuUsage: all threads, user + system).
 *
 *   node --conditions=@writ/source bench/firewall-durability.ts   (ROUNDS=n, CALLS=n per round, BENCH_MAX_BATCH=n)
 */
import { closeSync, constants, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
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
  createToolRegistry,
  createTrustRoot,
  toBase64Url,
} from '@writ/core';
import type { FirewallPolicy } from '@writ/core';

const ROUNDS = Number(process.env.ROUNDS ?? 6);
const CALLS = Number(process.env.CALLS ?? 250);
// BENCH_MAX_BATCH overrides `durability.maxBatch` (the batched cases' flush size).
const MAX_BATCH = process.env.BENCH_MAX_BATCH === undefined ? undefined : Number(process.env.BENCH_MAX_BATCH);
const authority = createSigner(PrivateKey.fromSeed(new Uint8Array(32).fill(3)));
const trustRoot = createTrustRoot({
  type: 'writ.trust-root/v1',
  version: 1,
  issuedAt: '2026-01-01T00:00:00Z',
  threshold: 1,
  keys: [{ keyId: authority.keyId, publicKey: toBase64Url(authority.publicKey), roles: ['root', 'authority', 'gateway', 'ledger'], owner: 'bench', validFrom: '2026-01-01T00:00:00Z', status: 'active' }],
});
const registry = createToolRegistry({ tools: [{ name: 'email.send', actionClass: 'A3', effects: ['customer-visible'], audience: 'customer', consequential: { to: 'email' } }] });
const decide = (): unknown => ({ decision: 'allow-with-constraints', reasons: [{ code: 'basis.sufficient', text: 'sufficient' }], constraints: { ttlSeconds: 300, maxUses: 1, secrets: false } });
const policy: FirewallPolicy = { digest: `sha256:${'cd'.repeat(32)}`, evaluate: () => Promise.resolve(decide()), evaluateSync: decide };
const dir = mkdtempSync(join(tmpdir(), 'writ-bench-durability-'));
const args = { to: 'bob@example.com', body: 'Your order shipped.' };

async function path(ledger: 'file' | 'file, main-thread write' | 'memory', durability: 'sync' | 'batched'): Promise<{ run: () => Promise<void>; close: () => Promise<void> }> {
  const store =
    ledger === 'memory'
      ? new MemoryLedgerStore()
      : await FileLedgerStore.open({ dir: join(dir, `ledger-${durability}-${ledger === 'file' ? 'pool' : 'main'}`), durableWrite: ledger === 'file' ? 'thread-pool' : 'main-thread' });
  const firewall = await createFirewall({ policy, keys: { authority }, trustRoot, stores: { ledger: store, nonces: new MemoryNonceStore(), approvals: new MemoryApprovalStore() }, tools: registry, mode: 'enforce', env: {}, durability: { default: durability, ...(MAX_BATCH === undefined ? {} : { maxBatch: MAX_BATCH }) } });
  let session = await firewall.openSession({ principal: { id: 'alice', tenant: 'acme' }, agent: { id: 'bench' } });
  await session.addUserTurn('Email bob@example.com that the order shipped.');
  let calls = 0;
  return {
    run: async () => {
      if (++calls % 1000 === 0) {
        await session.end();
        session = await firewall.openSession({ principal: { id: 'alice', tenant: 'acme' }, agent: { id: 'bench' } });
        await session.addUserTurn('Email bob@example.com that the order shipped.');
      }
      const result = await session.execute({ tool: 'email.send', args, callId: `c${calls}` }, (a) => a);
      if (result.status !== 'executed') throw new Error(`expected executed, got ${result.status}`);
    },
    close: async () => {
      await firewall.close();
      if (ledger !== 'memory') await store.close();
    },
  };
}

const line = Buffer.from(`${JSON.stringify({ pad: 'x'.repeat(3850) })}\n`);
const message = new TextEncoder().encode('x'.repeat(700));
const dsync = await open(join(dir, 'floor-dsync'), constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | (constants.O_DSYNC ?? 0));
const blocking = openSync(join(dir, 'floor-blocking'), 'a');
const cases: [string, () => Promise<void>][] = [
  ['floor: durable append, thread pool, O_DSYNC (~3.9 KB)', async () => void (await dsync.write(line))],
  ['floor: writeSync + fdatasyncSync (~3.9 KB)', () => (writeSync(blocking, line), fdatasyncSync(blocking), Promise.resolve())],
  ['floor: Ed25519 sign + writeSync + fdatasyncSync (~3.9 KB)', () => (authority.sign(message), writeSync(blocking, line), fdatasyncSync(blocking), Promise.resolve())],
];
const paths = [];
for (const [ledger, durability] of [['file', 'sync'], ['file, main-thread write', 'sync'], ['memory', 'sync'], ['file', 'batched'], ['memory', 'batched']] as const) {
  const p = await path(ledger, durability);
  paths.push(p);
  cases.push([`A3 enforce, ${ledger} ledger, ${durability}`, p.run]);
}
const samples = new Map<string, number[]>(cases.map(([name]) => [name, []]));
const cpu = new Map<string, number>(cases.map(([name]) => [name, 0]));
try {
  for (const [, run] of cases) for (let i = 0; i < 100; i++) await run();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of cases) {
      const out = samples.get(name)!;
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < CALLS; i++) {
        const start = process.hrtime.bigint();
        await run();
        out.push(Number(process.hrtime.bigint() - start) / 1000);
      }
      const used = process.cpuUsage(cpu0);
      cpu.set(name, cpu.get(name)! + used.user + used.system);
    }
  }
} finally {
  for (const p of paths) await p.close();
  await dsync.close();
  closeSync(blocking);
  rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(`Node ${process.version}, ${ROUNDS} interleaved rounds x ${CALLS} calls, maxBatch ${MAX_BATCH ?? 'default'}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n\n`);
process.stdout.write('| case | p50 µs | p90 µs | CPU µs/call |\n|---|---:|---:|---:|\n');
for (const [name] of cases) {
  const sorted = samples.get(name)!.sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  process.stdout.write(`| ${name} | ${at(0.5).toFixed(0)} | ${at(0.9).toFixed(0)} | ${(cpu.get(name)! / sorted.length).toFixed(0)} |\n`);
}
