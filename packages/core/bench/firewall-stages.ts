/**
 * Stage costs of the firewall's enforce path, in CPU time (process.cpuUsage), same process,
 * interleaved rounds, median of rounds, as multiples of one Ed25519 sign measured in the
 * same run. The whole call is measured too, so "the parts in isolation" can be compared
 * with the call: on the loaded shared machine the parts run hot in a tight loop and sum to
 * well under the whole call.
 *
 *   node --conditions=@writ/source bench/firewall-stages.ts      (ROUNDS=n overrides, default 5)
 */
import {
  MemoryApprovalStore,
  MemoryLedgerStore,
  MemoryNonceStore,
  PrivateKey,
  canonicalize,
  createFirewall,
  createSigner,
  createToolRegistry,
  createTrustRoot,
  digest,
  mintToken,
  parseDecision,
  toBase64Url,
  verifyToken,
} from '@writ/core';
import type { FirewallPolicy, Sha256Digest } from '@writ/core';
import { verifyHeldToken } from '../src/token/verify-token.ts';
import { SessionHistory } from '../src/firewall/session-history.ts';
import { BasisLedger } from '../src/basis/basis-ledger.ts';
import { BasisReportCache } from '../src/basis/basis-report-cache.ts';
import { BasisScoringState } from '../src/basis/basis-scoring-state.ts';
import { scoreBasis } from '../src/basis/score-basis.ts';
// @writ/policy depends on @writ/core, so core cannot depend on it; the benchmark reaches it by path.
import { loadPolicy } from '../../policy/src/index.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const authority = createSigner(PrivateKey.fromSeed(new Uint8Array(32).fill(3)));
const trustRoot = createTrustRoot({
  type: 'writ.trust-root/v1',
  version: 1,
  issuedAt: '2026-01-01T00:00:00Z',
  threshold: 1,
  keys: [{ keyId: authority.keyId, publicKey: toBase64Url(authority.publicKey), roles: ['root', 'authority', 'gateway', 'ledger'], owner: 'bench', validFrom: '2026-01-01T00:00:00Z', status: 'active' }],
});
const registry = createToolRegistry({
  tools: [
    { name: 'email.send', actionClass: 'A3', effects: ['customer-visible'], audience: 'customer', consequential: { to: 'email' } },
    { name: 'search', actionClass: 'A0', effects: ['read'], audience: 'self', trust: 'untrusted' },
  ],
});
const tsDecide = (input: unknown): unknown =>
  Number((input as { action: { class: string } }).action.class.slice(1)) < 3
    ? { decision: 'allow', reasons: [] }
    : { decision: 'allow-with-constraints', reasons: [{ code: 'basis.sufficient', text: 'sufficient' }], constraints: { ttlSeconds: 300, maxUses: 1, secrets: false } };
const tsPolicy: FirewallPolicy = { digest: `sha256:${'cd'.repeat(32)}`, evaluate: (i) => Promise.resolve(tsDecide(i)), evaluateSync: (i) => tsDecide(i) };
const rego = await loadPolicy({ paths: [new URL('../../../policies/writ', import.meta.url).pathname, new URL('../../../policies/data.json', import.meta.url).pathname] });
const regoSync = rego.evaluateSync!;
let captured: unknown;
const capturing: FirewallPolicy = { digest: rego.digest, evaluate: (i) => ((captured = i), rego.evaluate(i)), evaluateSync: (i) => ((captured = i), regoSync(i)) };

async function path(tool: 'email.send' | 'search', policy: FirewallPolicy): Promise<() => Promise<void>> {
  const firewall = await createFirewall({
    policy,
    keys: { authority },
    trustRoot,
    stores: { ledger: new MemoryLedgerStore(), nonces: new MemoryNonceStore(), approvals: new MemoryApprovalStore() },
    tools: registry,
    mode: 'enforce',
    env: {},
    durability: { default: 'batched' },
  });
  const open = async () => {
    const s = await firewall.openSession({ principal: { id: 'alice', tenant: 'acme' }, agent: { id: 'bench' } });
    await s.addSystemPrompt('You are the support agent.');
    await s.addUserTurn('Email bob@example.com that the order shipped.');
    return s;
  };
  let session = await open();
  let calls = 0;
  const args = tool === 'email.send' ? { to: 'bob@example.com', body: 'Your order shipped.' } : { q: 'order 7781' };
  return async () => {
    if (++calls % 1000 === 0) {
      await session.end();
      session = await open();
    }
    const result = await session.execute({ tool, args, callId: `c${calls}` }, (a: unknown) => ({ ok: true, echo: a }));
    if (result.status !== 'executed') throw new Error(`expected executed, got ${result.status}`);
  };
}

const args = { to: 'bob@example.com', body: 'Your order shipped.' };
const intent = { v: 'writ.intent/v1', tool: 'email.send', args, audience: 'gw', principal: 'alice', tenant: 'acme' };
const intentDigest = digest(intent);
const mintOptions = () => ({
  signer: authority,
  issuer: 'writ',
  subject: 'bench',
  actor: 'alice',
  audience: 'gw',
  command: 'email.send',
  intent: intentDigest,
  now: new Date('2026-06-01T00:00:00Z'),
  ttlSeconds: 300,
  constraints: { maxUses: 1, secrets: false },
  policy: { digest: `sha256:${'cd'.repeat(32)}` as Sha256Digest, decision: `sha256:${'ab'.repeat(32)}` },
  basis: { digest: `sha256:${'ef'.repeat(32)}` as Sha256Digest, score: 0.6 },
  summary: 'email.send(to="bob@example.com")',
});
const token = mintToken(mintOptions());
const history = new SessionHistory();
const t0 = Date.parse('2026-06-01T00:00:00Z');
for (let i = 0; i < 300; i++) history.record({ at: t0 + i, tool: 'email.send', actionClass: 'A3', intentDigest, decision: 'allow-with-constraints', effects: ['customer-visible'], args });
const message = new TextEncoder().encode('x'.repeat(700));
// The bench session's basis (system prompt, user turn) and the A3 call's consequential value.
const basisLedger = new BasisLedger({ tenant: 'acme' });
basisLedger.addSystemPrompt('You are the support agent.');
basisLedger.addUserTurn('Email bob@example.com that the order shipped.');
const basisCache = new BasisReportCache({ ledger: basisLedger, tenant: 'acme' });
const consequential = [{ path: 'to', kind: 'email' as const, value: 'bob@example.com' }];
const basisNow = new Date();
// A session that added each call's output to its basis (the adapters do), 100 and 1000 calls in:
// every output echoes the call's arguments, so every item holds the A3 call's value.
const grownItems = (outputs: number) => {
  const ledger = new BasisLedger({ tenant: 'acme' });
  ledger.addSystemPrompt('You are the support agent.');
  ledger.addUserTurn('Email bob@example.com that the order shipped.');
  for (let i = 0; i < outputs; i++) ledger.addToolOutput({ tool: 'email.send', callId: `c${i}`, output: { ok: true, echo: { to: 'bob@example.com', body: 'Your order shipped.' } } });
  return ledger.items();
};
const grown100 = grownItems(100);
const grown1000 = grownItems(1000);
const state100 = new BasisScoringState({ items: grown100, tenant: 'acme' });
const state1000 = new BasisScoringState({ items: grown1000, tenant: 'acme' });

const a3Rego = await path('email.send', capturing);
await a3Rego();
const input = captured;
const regoResult = regoSync(input);

const cases: [string, () => unknown, number][] = [
  ['whole call: A3 enforce (TS policy)', await path('email.send', tsPolicy), 300],
  ['whole call: A3 enforce (Rego policy)', a3Rego, 300],
  ['whole call: A0 observation (TS policy)', await path('search', tsPolicy), 300],
  ['Ed25519 sign (writ signer, 700 bytes)', () => authority.sign(message), 300],
  ['mintToken (includes one sign)', () => mintToken(mintOptions()), 300],
  [
    'verifyHeldToken (the gateway check of a token this process minted)',
    () =>
      verifyHeldToken(token, {
        trustRoot,
        now: new Date('2026-06-01T00:00:10Z'),
        audience: 'gw',
        call: { command: 'email.send', intent: intentDigest, args, touchesSecrets: false, requestBytes: 50 },
      }),
    3000,
  ],
  [
    'verifyToken (full, with the Ed25519 verify)',
    () =>
      verifyToken(token, {
        trustRoot,
        now: new Date('2026-06-01T00:00:10Z'),
        audience: 'gw',
        call: { command: 'email.send', intent: intentDigest, args, touchesSecrets: false, requestBytes: 50 },
      }),
    300,
  ],
  ['Rego data.writ.decision (policies/writ, the firewall input)', () => regoSync(input), 300],
  ['parseDecision (the Rego result, with its id digest)', () => parseDecision(regoResult), 3000],
  ['digest(intent) (canonicalize + SHA-256)', () => digest(intent), 3000],
  ['canonicalize(policy input, ~1.7 KB)', () => canonicalize(input), 1000],
  ['scoreBasis (A3 call, 2 items: a report scored afresh)', () => scoreBasis({ items: basisLedger.items(), actionClass: 'A3', consequential, tenant: 'acme', now: basisNow }), 3000],
  ['BasisReportCache.report (A3 call, item set unchanged: remembered)', () => basisCache.report({ actionClass: 'A3', consequential, now: basisNow }), 3000],
  ['scoreBasis (A3 call, 102 items: a grown session scored afresh)', () => scoreBasis({ items: grown100, actionClass: 'A3', consequential, tenant: 'acme', now: basisNow }), 300],
  ['BasisScoringState.score (A3 call, 102 items: the per-call part of incremental scoring)', () => state100.score({ actionClass: 'A3', consequential, now: basisNow }), 1000],
  ['scoreBasis (A3 call, 1002 items: a grown session scored afresh)', () => scoreBasis({ items: grown1000, actionClass: 'A3', consequential, tenant: 'acme', now: basisNow }), 30],
  ['BasisScoringState.score (A3 call, 1002 items: the per-call part of incremental scoring)', () => state1000.score({ actionClass: 'A3', consequential, now: basisNow }), 300],
  ['BasisScoringState.score (A0 call, 1002 items)', () => state1000.score({ actionClass: 'A0', consequential: [], now: basisNow }), 300],
  ['registry.classify (A3 call)', () => registry.classify({ tool: 'email.send', args }), 3000],
  ['SessionHistory.view (256 events)', () => history.view({ at: t0 + 400, tool: 'email.send', intentDigest, effects: ['customer-visible'], args }), 3000],
];
for (const [, run, n] of cases) for (let i = 0; i < n; i++) await run();
const samples = new Map<string, number[]>();
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, run, n] of cases) {
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < n; i++) await run();
    const cpu = process.cpuUsage(cpu0);
    const list = samples.get(name) ?? [];
    list.push((cpu.user + cpu.system) / n);
    samples.set(name, list);
  }
}
const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const sign = median(samples.get('Ed25519 sign (writ signer, 700 bytes)')!);
process.stdout.write(`Node ${process.version}, ${ROUNDS} rounds\n\n| stage | CPU µs/op | × one sign |\n|---|---:|---:|\n`);
for (const [name] of cases) {
  const m = median(samples.get(name)!);
  process.stdout.write(`| ${name} | ${m.toFixed(1)} | ${(m / sign).toFixed(2)} |\n`);
}
process.exit(0);
