/**
 * Trust-primitive benchmarks: Ed25519 on both back-ends, action token mint/verify, and
 * jose EdDSA compact JWS over a payload of the same size, with ratios to the raw
 * node:crypto sign+verify floor measured in the same run.
 *
 *   pnpm --filter @writ/core bench
 */
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { CompactSign, compactVerify } from 'jose';
import { Bench } from 'tinybench';
import {
  ACTION_TOKEN_PAYLOAD_TYPE,
  PrivateKey,
  createSigner,
  createTrustRoot,
  digest,
  fromBase64,
  mintToken,
  nobleBackend,
  nodeBackend,
  pae,
  toBase64Url,
  verifySignature,
  verifyToken,
} from '@writ/core';
import type { TokenCall } from '@writ/core';

const key = PrivateKey.fromSeed(new Uint8Array(32).fill(7));
const signer = createSigner(key, nodeBackend);
const nobleSigner = createSigner(key, nobleBackend);
const trustRoot = createTrustRoot({
  type: 'writ.trust-root/v1',
  version: 1,
  issuedAt: '2026-01-01T00:00:00Z',
  threshold: 1,
  keys: [{ keyId: key.keyId, publicKey: toBase64Url(key.publicKey), roles: ['root', 'authority'], owner: 'bench', validFrom: '2026-01-01T00:00:00Z', status: 'active' }],
});
const intent = digest({ tool: 'payments.transfer', args: { to: 'acct:bob', amount: 42 } });
const now = new Date();
const mintOptions = {
  signer,
  issuer: 'orchestrator:eu-1/7f3a',
  subject: 'agent:treasury-assistant',
  actor: 'user:alice@example.com',
  audience: 'payments-gateway',
  command: 'payments.transfer',
  resource: 'ledger:acct:alice/main',
  intent,
  now,
  policy: { digest: digest({ policy: 'bundle' }), decision: 'dec_01J9Z8Q4W6' },
  basis: { digest: digest({ basis: 'items' }), score: 0.92 },
  env: digest({ model: 'm', tools: ['t@1'] }),
  summary: 'Transfer 42 EUR from Alice to Bob',
};
const token = mintToken(mintOptions);
const serialized = JSON.stringify(token.envelope);
const call: TokenCall = { command: 'payments.transfer', resource: 'ledger:acct:alice/main', intent };
const verifyOptions = { trustRoot, now, audience: 'payments-gateway', call };

// The exact bytes a token signature covers, for the raw and back-end rows.
const message = pae(ACTION_TOKEN_PAYLOAD_TYPE, fromBase64(token.envelope.payload));
const payloadBytes = fromBase64(token.envelope.payload);
const signature = signer.sign(message);

// Raw node:crypto floor: prepared KeyObjects, no encoding, no checks.
const seed = key.exportSeed();
const rawPrivate = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
const rawPublic = createPublicKey(rawPrivate);
const jws = await new CompactSign(payloadBytes).setProtectedHeader({ alg: 'EdDSA' }).sign(rawPrivate);

// Tasks run in interleaved rounds and each reports the median of its per-round means, so
// load from other processes on a shared machine biases every task alike instead of one.
// The clock is this process's CPU time (all threads, so jose's WebCrypto work counts too):
// on a shared, oversubscribed machine wall time mostly measures the neighbours.
// WRIT_BENCH_CLOCK=wall switches to wall time.
const cpuClock = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
const CLOCK = process.env.WRIT_BENCH_CLOCK === 'wall' ? 'wall' : 'cpu';
const tasks: [string, () => unknown][] = [
  ['raw node:crypto sign', () => nodeSign(null, message, rawPrivate)],
  ['raw node:crypto verify', () => nodeVerify(null, message, rawPublic, signature)],
  ['node back-end sign', () => signer.sign(message)],
  ['node back-end verify', () => verifySignature({ publicKey: key.publicKey, message, signature, backend: nodeBackend })],
  ['noble back-end sign', () => nobleSigner.sign(message)],
  ['noble back-end verify', () => verifySignature({ publicKey: key.publicKey, message, signature, backend: nobleBackend })],
  ['writ token mint (node)', () => mintToken(mintOptions)],
  ['writ token verify (node)', () => verifyToken(serialized, verifyOptions)],
  ['jose EdDSA compact sign', () => new CompactSign(payloadBytes).setProtectedHeader({ alg: 'EdDSA' }).sign(rawPrivate)],
  ['jose EdDSA compact verify', () => compactVerify(jws, rawPublic)],
];
const ROUNDS = Number(process.env.WRIT_BENCH_ROUNDS ?? 12);
const samples = new Map<string, number[]>(tasks.map(([name]) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  const bench = new Bench({ time: 150, warmupTime: 30, ...(CLOCK === 'cpu' ? { now: cpuClock } : {}) });
  for (const [name, fn] of tasks) bench.add(name, fn);
  await bench.run();
  for (const task of bench.tasks) {
    const result = task.result;
    if (result.state !== 'completed') throw new Error(`${task.name}: ${result.state}`);
    samples.get(task.name)!.push(result.period);
  }
}
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const period = new Map<string, number>([...samples].map(([name, values]) => [name, median(values)]));
const ms = (name: string): number => period.get(name)!;
const opsPerSecond = (name: string): string => Math.round(1000 / ms(name)).toLocaleString('en-US');
const floor = ms('raw node:crypto sign') + ms('raw node:crypto verify');
const pair = (sign: string, verify: string): number => ms(sign) + ms(verify);

console.log(`node ${process.versions.node}, ${process.platform}/${process.arch}, ${ROUNDS} interleaved rounds (median), ${CLOCK} time; typical token ${serialized.length} bytes (payload ${payloadBytes.length}), JWS ${jws.length} bytes`);
console.log('');
console.log('| operation | ops/s | µs/op |');
console.log('|---|---:|---:|');
for (const name of period.keys()) console.log(`| ${name} | ${opsPerSecond(name)} | ${(ms(name) * 1000).toFixed(1)} |`);
console.log('');
console.log('| pair (sign + verify) | µs | × raw node:crypto floor |');
console.log('|---|---:|---:|');
const rows: [string, number][] = [
  ['raw node:crypto', floor],
  ['node back-end', pair('node back-end sign', 'node back-end verify')],
  ['noble back-end', pair('noble back-end sign', 'noble back-end verify')],
  ['writ token mint + verify (node)', pair('writ token mint (node)', 'writ token verify (node)')],
  ['jose EdDSA compact sign + verify', pair('jose EdDSA compact sign', 'jose EdDSA compact verify')],
];
for (const [name, total] of rows) console.log(`| ${name} | ${(total * 1000).toFixed(1)} | ${(total / floor).toFixed(2)} |`);
