/**
 * The output-adding flow (docs/benchmarks.md, "## firewall", issue 5 second and third
 * passes): A3 and A0 calls in sessions that add each call's output to the basis after the
 * call, as the adapters do, ending the session every SESSION calls (default 1000), so the
 * basis grows from 2 to SESSION + 2 items. Prints the median CPU per call (process.cpuUsage)
 * in units of one node:crypto Ed25519 sign measured in the same process, interleaved.
 *
 *   node --conditions=@writ/source bench/firewall-outputs.ts
 *   SESSION=100 OUTPUTS=0 PER=200 ROUNDS=9 node --conditions=@writ/source bench/firewall-outputs.ts
 *
 * Compare two trees in alternating separate processes (e.g. `git archive` copies).
 */
import { sign as nodeSign, generateKeyPairSync } from 'node:crypto';
import { MemoryApprovalStore, MemoryLedgerStore, MemoryNonceStore, PrivateKey, createFirewall, createSigner, createToolRegistry, createTrustRoot, toBase64Url } from '@writ/core';
const authority = createSigner(PrivateKey.fromSeed(new Uint8Array(32).fill(3)));
const trustRoot = createTrustRoot({ type: 'writ.trust-root/v1', version: 1, issuedAt: '2026-01-01T00:00:00Z', threshold: 1,
  keys: [{ keyId: authority.keyId, publicKey: toBase64Url(authority.publicKey), roles: ['root', 'authority', 'gateway', 'ledger'], owner: 'bench', validFrom: '2026-01-01T00:00:00Z', status: 'active' }] });
const registry = createToolRegistry({ tools: [
  { name: 'email.send', actionClass: 'A3', effects: ['customer-visible'], audience: 'customer', consequential: { to: 'email' } },
  { name: 'search', actionClass: 'A0', effects: ['read'], audience: 'self', trust: 'untrusted' } ] });
const tsDecide = (input: any): unknown => Number(input.action.class.slice(1)) < 3
  ? { decision: 'allow', reasons: [] }
  : { decision: 'allow-with-constraints', reasons: [{ code: 'basis.sufficient', text: 'sufficient' }], constraints: { ttlSeconds: 300, maxUses: 1, secrets: false } };
const policy: any = { digest: `sha256:${'cd'.repeat(32)}`, evaluate: (i: unknown) => Promise.resolve(tsDecide(i)), evaluateSync: (i: unknown) => tsDecide(i) };
const fw = await createFirewall({ policy, keys: { authority }, trustRoot, stores: { ledger: new MemoryLedgerStore(), nonces: new MemoryNonceStore(), approvals: new MemoryApprovalStore() }, tools: registry, mode: 'enforce', env: {}, durability: { default: 'batched' } } as any);
const open = async () => { const s = await fw.openSession({ principal: { id: 'alice', tenant: 'acme' }, agent: { id: 'bench' } }); await s.addSystemPrompt('You are the support agent.'); await s.addUserTurn('Email bob@example.com that the order shipped.'); return s; };
const SESSION = Number(process.env.SESSION ?? 1000);
const OUTPUTS = process.env.OUTPUTS !== '0';
const tool = (a: unknown) => ({ ok: true, echo: a });
let n = 0;
const sessions: Record<string, any> = { a3: await open(), a0: await open() };
const counts: Record<string, number> = { a3: 0, a0: 0 };
async function run(kind: 'a3' | 'a0', calls: number) {
  const t = kind === 'a3' ? 'email.send' : 'search';
  const args = kind === 'a3' ? { to: 'bob@example.com', body: 'Your order shipped.' } : { q: 'order 7781' };
  for (let i = 0; i < calls; i++) {
    if (++counts[kind]! % SESSION === 0) { await sessions[kind].end(); sessions[kind] = await open(); }
    const callId = `c${n++}`;
    const r = await sessions[kind].execute({ tool: t, args, callId }, tool);
    if (r.status !== 'executed') throw new Error(r.status);
    if (OUTPUTS) await sessions[kind].addToolOutput({ tool: t, callId, output: r.result });
  }
}
const { privateKey } = generateKeyPairSync('ed25519');
const msg = Buffer.alloc(700, 7);
const signs = (k: number) => { for (let i = 0; i < k; i++) nodeSign(null, msg, privateKey); };
const cpu = () => { const u = process.cpuUsage(); return u.user + u.system; };
const PER = Number(process.env.PER ?? 200), ROUNDS = Number(process.env.ROUNDS ?? 9);
await run('a3', 200); await run('a0', 200); signs(200);
const res: Record<string, number[]> = { sign: [], a3: [], a0: [] };
for (let r = 0; r < ROUNDS; r++) {
  let c = cpu(); signs(PER); res.sign!.push((cpu() - c) / PER);
  c = cpu(); await run('a3', PER); res.a3!.push((cpu() - c) / PER);
  c = cpu(); await run('a0', PER); res.a0!.push((cpu() - c) / PER);
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
const s = med(res.sign!), a3 = med(res.a3!), a0 = med(res.a0!);
console.log(`outputs ${process.env.OUTPUTS ?? '1'} session ${SESSION} sign ${s.toFixed(1)}µs  A3 ${a3.toFixed(1)}µs=${(a3 / s).toFixed(2)}  A0 ${a0.toFixed(1)}µs=${(a0 / s).toFixed(2)}`);
await fw.close();
