/**
 * Transcript benchmarks, each next to a baseline measured in the same run:
 *
 * 1. appends/s — MemoryLedgerStore, and FileLedgerStore with durable (fdatasync) commits,
 *    against a bare `write` + `fdatasync` of the same sealed lines at the same batch size;
 *    plus concurrent single-entry appends (group commit) against the same bare loop.
 * 2. verification — `verifyTranscript` over a file-store directory of N entries (default
 *    1,000,000) against raw SHA-256 over the same bytes (one stream over the file, and one
 *    hash per line), with peak RSS and heap growth while verifying.
 *
 *   pnpm --filter @writ/core bench:transcript
 *   WRIT_BENCH_ENTRIES=100000 (quick run) · WRIT_BENCH_SKIP_APPENDS=1 · WRIT_BENCH_SKIP_SMALL=1
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FileLedgerStore,
  GENESIS_HASH,
  Ledger,
  MemoryLedgerStore,
  openTranscriptDirectory,
  sealEntry,
  verifyTranscript,
} from '@writ/core';
import { readLines } from '../src/stores/line-reader.ts';
import type { EntryDraft, LedgerStore } from '@writ/core';
import { sampleKeys, sampleTrustRootDocument } from '@writ/core/transcript';
import { createTrustRoot } from '@writ/core';

const ENTRIES = Number(process.env.WRIT_BENCH_ENTRIES ?? 1_000_000);
const keys = sampleKeys();
const trustRoot = createTrustRoot(sampleTrustRootDocument(keys));
const TIME = '2026-01-01T00:00:00.000Z';

function draft(n: number): EntryDraft {
  return {
    type: 'decision-made',
    time: TIME,
    body: {
      sessionId: 'bench-session',
      callId: `call-${n}`,
      decisionId: `decision-${n}`,
      tool: 'email.send',
      intentDigest: `sha256:${'ab'.repeat(32)}`,
      policyDigest: `sha256:${'cd'.repeat(32)}`,
      decision: 'allow',
      mode: 'enforce',
      verdict: 'block',
      reasons: [{ code: 'bench', text: 'benchmark entry' }],
    },
  };
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const format = (value: number): string => Math.round(value).toLocaleString('en-US');

async function timeAppends(store: LedgerStore, options: { batches: number; batch: number }): Promise<number> {
  let n = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < options.batches; i++) await store.append(Array.from({ length: options.batch }, () => draft(n++)));
  return (options.batches * options.batch) / seconds(start);
}

// Bare baseline: the same sealed lines, one write + fdatasync per batch, nothing else.
async function timeBare(dir: string, options: { batches: number; batch: number }): Promise<number> {
  const handle = await open(join(dir, 'bare.jsonl'), 'a');
  let prev = GENESIS_HASH;
  const buffers: Buffer[] = [];
  for (let i = 0, n = 0; i < options.batches; i++) {
    let text = '';
    for (let j = 0; j < options.batch; j++, n++) {
      const sealed = sealEntry({ draft: draft(n), seq: n, prev });
      prev = sealed.hash;
      text += `${sealed.line}\n`;
    }
    buffers.push(Buffer.from(text));
  }
  const start = process.hrtime.bigint();
  for (const buffer of buffers) {
    await handle.write(buffer);
    await handle.datasync();
  }
  const rate = (options.batches * options.batch) / seconds(start);
  await handle.close();
  return rate;
}

async function timeConcurrent(store: LedgerStore, options: { total: number; lanes: number }): Promise<number> {
  let n = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: options.lanes }, async () => {
      while (n < options.total) await store.append([draft(n++)]);
    }),
  );
  return options.total / seconds(start);
}

async function appendBench(): Promise<void> {
  console.log('## appends/s');
  const memory = await timeAppends(new MemoryLedgerStore(), { batches: 2000, batch: 32 });
  console.log(`memory store, batch 32: ${format(memory)} entries/s`);
  for (const [batch, batches] of [
    [1, 300],
    [32, 300],
    [256, 60],
  ] as const) {
    const dir = await mkdtemp(join(tmpdir(), 'writ-bench-append-'));
    try {
      // Interleave the two so machine load affects both alike.
      const file: number[] = [];
      const bare: number[] = [];
      for (let round = 0; round < 3; round++) {
        const store = await FileLedgerStore.open({ dir: join(dir, `store-${round}`) });
        file.push(await timeAppends(store, { batches, batch }));
        await store.close();
        bare.push(await timeBare(dir, { batches, batch }));
      }
      const median = (values: number[]): number => values.sort((a, b) => a - b)[1]!;
      console.log(
        `file store (fdatasync), batch ${batch}: ${format(median(file))} entries/s · bare write+fdatasync: ${format(median(bare))} entries/s · bare/file = ${(median(bare) / median(file)).toFixed(2)}x`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const dir = await mkdtemp(join(tmpdir(), 'writ-bench-group-'));
  try {
    const store = await FileLedgerStore.open({ dir });
    const grouped = await timeConcurrent(store, { total: 3000, lanes: 32 });
    await store.close();
    const bare = await timeBare(dir, { batches: 300, batch: 1 });
    console.log(`file store, 32 concurrent single-entry appends (group commit): ${format(grouped)} entries/s · bare one-fdatasync-per-entry: ${format(bare)} entries/s · file/bare = ${(grouped / bare).toFixed(2)}x`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function buildTranscript(dir: string, count: number): Promise<void> {
  const store = await FileLedgerStore.open({ dir });
  const ledger = await Ledger.open({ store, origin: 'writ.bench/ledger', signer: keys.ledger, policy: { everyEntries: 100_000 }, now: () => new Date(TIME) });
  const batch = 10_000;
  for (let n = 0; n < count; n += batch) await ledger.append(Array.from({ length: Math.min(batch, count - n) }, (_, i) => draft(n + i)));
  await ledger.close();
}

async function rawHash(path: string): Promise<{ stream: number; perLine: number }> {
  // Streamed, so the baseline holds no more memory than the verifier does.
  let start = process.hrtime.bigint();
  const whole = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) whole.update(chunk as Buffer);
  whole.digest();
  const stream = seconds(start);
  const handle = await open(path, 'r');
  start = process.hrtime.bigint();
  for await (const line of readLines(handle)) createHash('sha256').update(line.bytes).digest();
  const perLine = seconds(start);
  await handle.close();
  return { stream, perLine };
}

// Runs in a fresh child process so its peak RSS is the verifier's alone.
async function verifyChild(dir: string): Promise<void> {
  let peakHeap = process.memoryUsage().heapUsed;
  const sampler = setInterval(() => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, 20);
  const start = process.hrtime.bigint();
  const directory = await openTranscriptDirectory(dir);
  const report = await verifyTranscript({ entries: directory.entries, checkpoints: directory.checkpoints, trustRoot });
  const elapsed = seconds(start);
  clearInterval(sampler);
  process.stdout.write(JSON.stringify({ report, elapsed, maxRssKiB: process.resourceUsage().maxRSS, peakHeap }));
}

async function verifyBench(count: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'writ-bench-verify-'));
  try {
    const start = process.hrtime.bigint();
    await buildTranscript(dir, count);
    console.log(`\n## verification, ${format(count)} entries (built in ${seconds(start).toFixed(1)} s)`);
    const path = join(dir, 'entries.jsonl');
    const size = (await stat(path)).size;
    const child = spawnSync(process.execPath, ['--conditions=@writ/source', fileURLToPath(import.meta.url), '--verify', dir], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (child.status !== 0) throw new Error(`verifier child failed: ${child.stderr}`);
    const { report, elapsed, maxRssKiB, peakHeap } = JSON.parse(child.stdout) as { report: { valid: boolean; checkpoints: number; failure?: unknown }; elapsed: number; maxRssKiB: number; peakHeap: number };
    if (!report.valid) throw new Error(`benchmark transcript did not verify: ${JSON.stringify(report.failure)}`);
    const raw = await rawHash(path);
    const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
    console.log(`file: ${mb(size)} MiB, ${report.checkpoints} checkpoints`);
    console.log(`verifyTranscript: ${format(count / elapsed)} entries/s (${elapsed.toFixed(2)} s), ${mb(size / elapsed)} MiB/s`);
    console.log(`raw SHA-256, one stream over the file: ${raw.stream.toFixed(2)} s · verify/raw = ${(elapsed / raw.stream).toFixed(1)}x`);
    console.log(`raw SHA-256, one hash per line: ${raw.perLine.toFixed(2)} s · verify/raw = ${(elapsed / raw.perLine).toFixed(1)}x`);
    console.log(`verifier process: peak RSS ${mb(maxRssKiB * 1024)} MiB, peak heap used ${mb(peakHeap)} MiB`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--verify') {
  await verifyChild(process.argv[3]!);
  process.exit(0);
}

console.log(`# transcript benchmarks — node ${process.version}, ${new Date().toISOString()}\n`);
if (process.env.WRIT_BENCH_SKIP_APPENDS !== '1') await appendBench();
if (ENTRIES > 100_000 && process.env.WRIT_BENCH_SKIP_SMALL !== '1') await verifyBench(100_000);
await verifyBench(ENTRIES);
