/**
 * Transcript benchmarks, each next to a baseline measured in the same run:
 *
 * 1. appends/s — MemoryLedgerStore, and FileLedgerStore with durable (fdatasync) commits,
 *    against a bare `write` + `fdatasync` of the same sealed lines at the same batch size,
 *    appending, and the same bare loop writing into zeros it pre-wrote (as the store does,
 *    ADR 0028); plus concurrent single-entry appends (group commit) against the bare loops.
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
const APPEND_ROUNDS = 5;
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

// CPU µs per entry of the last timed append loop (user + system, this process), next to the
// wall rate: with the fsync amortized over a batch, CPU is what sealing adds.
let lastCpuPerEntry = 0;

async function timeAppends(store: LedgerStore, options: { batches: number; batch: number }): Promise<number> {
  let n = 0;
  // Only the store's work is timed (seal, encode, write, sync), as the bare baseline times only
  // its write + sync: each batch's drafts are built just before its append, off the clock —
  // young objects, as a caller's drafts are.
  let wall = 0n;
  let cpu = 0;
  for (let i = 0; i < options.batches; i++) {
    const batch = Array.from({ length: options.batch }, () => draft(n++));
    const cpu0 = process.cpuUsage();
    const start = process.hrtime.bigint();
    await store.append(batch);
    wall += process.hrtime.bigint() - start;
    const used = process.cpuUsage(cpu0);
    cpu += used.user + used.system;
  }
  const entries = options.batches * options.batch;
  lastCpuPerEntry = cpu / entries;
  return entries / (Number(wall) / 1e9);
}

// The bare baselines' input: the same sealed lines the store writes, one buffer per batch,
// built before their clocks start.
function sealedBatches(options: { batches: number; batch: number }): Buffer[] {
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
  return buffers;
}

// Bare baseline: the same sealed lines, one write + fdatasync per batch, nothing else.
async function timeBare(dir: string, options: { batches: number; batch: number }): Promise<number> {
  const handle = await open(join(dir, 'bare.jsonl'), 'a');
  const buffers = sealedBatches(options);
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (const buffer of buffers) {
    await handle.write(buffer);
    await handle.datasync();
  }
  const rate = (options.batches * options.batch) / seconds(start);
  const used = process.cpuUsage(cpu);
  lastCpuPerEntry = (used.user + used.system) / (options.batches * options.batch);
  await handle.close();
  return rate;
}

// The bare baseline writing into space it pre-wrote (zeros, fsync'd) beforehand, as the file
// store does since ADR 0028: the same lines and syscalls as timeBare, without a file size
// to journal on each fdatasync.
async function timeBareOverwrite(dir: string, options: { batches: number; batch: number }): Promise<number> {
  const path = join(dir, 'bare-prewritten.jsonl');
  const buffers = sealedBatches(options);
  const total = buffers.reduce((sum, buffer) => sum + buffer.length, 0);
  const handle = await open(path, 'w+');
  await handle.write(Buffer.alloc(total));
  await handle.sync();
  let position = 0;
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (const buffer of buffers) {
    await handle.write(buffer, 0, buffer.length, position);
    position += buffer.length;
    await handle.datasync();
  }
  const rate = (options.batches * options.batch) / seconds(start);
  const used = process.cpuUsage(cpu);
  lastCpuPerEntry = (used.user + used.system) / (options.batches * options.batch);
  await handle.close();
  await rm(path);
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
      // Interleave the two so machine load affects both alike; the bare fsync rate varies a
      // lot between rounds on a shared disk, so five rounds and the median.
      const file: number[] = [];
      const bare: number[] = [];
      const overwrite: number[] = [];
      const fileCpu: number[] = [];
      const bareCpu: number[] = [];
      for (let round = 0; round < APPEND_ROUNDS; round++) {
        const store = await FileLedgerStore.open({ dir: join(dir, `store-${round}`) });
        file.push(await timeAppends(store, { batches, batch }));
        fileCpu.push(lastCpuPerEntry);
        await store.close();
        bare.push(await timeBare(dir, { batches, batch }));
        bareCpu.push(lastCpuPerEntry);
        overwrite.push(await timeBareOverwrite(dir, { batches, batch }));
      }
      const median = (values: number[]): number => [...values].sort((a, b) => a - b)[(values.length - 1) >> 1]!;
      console.log(
        `file store (fdatasync), batch ${batch}: ${format(median(file))} entries/s · bare write+fdatasync: ${format(median(bare))} entries/s · bare/file = ${(median(bare) / median(file)).toFixed(2)}x · CPU µs/entry file ${median(fileCpu).toFixed(1)}, bare ${median(bareCpu).toFixed(1)} · per-round bare/file ${file.map((_, i) => (bare[i]! / file[i]!).toFixed(1)).join(' ')}`,
      );
      console.log(
        `  bare write+fdatasync into pre-written zeros (as the store writes since ADR 0028), batch ${batch}: ${format(median(overwrite))} entries/s · that/file = ${(median(overwrite) / median(file)).toFixed(2)}x · per-round ${file.map((_, i) => (overwrite[i]! / file[i]!).toFixed(1)).join(' ')}`,
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
    const overwrite = await timeBareOverwrite(dir, { batches: 300, batch: 1 });
    console.log(`file store, 32 concurrent single-entry appends (group commit): ${format(grouped)} entries/s · bare one-fdatasync-per-entry: ${format(bare)} entries/s · file/bare = ${(grouped / bare).toFixed(2)}x · bare into pre-written zeros ${format(overwrite)} entries/s, file/that = ${(grouped / overwrite).toFixed(2)}x`);
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

function cpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

interface Timing {
  readonly wall: number;
  readonly cpu: number;
}

async function rawHash(path: string): Promise<{ stream: Timing; perLine: Timing }> {
  // Streamed, so the baseline holds no more memory than the verifier does.
  let start = process.hrtime.bigint();
  let cpu = cpuSeconds();
  const whole = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) whole.update(chunk as Buffer);
  whole.digest();
  const stream = { wall: seconds(start), cpu: cpuSeconds() - cpu };
  const handle = await open(path, 'r');
  start = process.hrtime.bigint();
  cpu = cpuSeconds();
  for await (const line of readLines(handle)) createHash('sha256').update(line.bytes).digest();
  const perLine = { wall: seconds(start), cpu: cpuSeconds() - cpu };
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
  const cpu = cpuSeconds();
  const directory = await openTranscriptDirectory(dir);
  const report = await verifyTranscript({ entries: directory.entries, checkpoints: directory.checkpoints, trustRoot });
  const elapsed = seconds(start);
  const cpuElapsed = cpuSeconds() - cpu;
  clearInterval(sampler);
  process.stdout.write(JSON.stringify({ report, elapsed, cpu: cpuElapsed, maxRssKiB: process.resourceUsage().maxRSS, peakHeap }));
}

async function verifyBench(count: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'writ-bench-verify-'));
  try {
    const start = process.hrtime.bigint();
    await buildTranscript(dir, count);
    console.log(`\n## verification, ${format(count)} entries (built in ${seconds(start).toFixed(1)} s)`);
    const path = join(dir, 'entries.jsonl');
    const size = (await stat(path)).size;
    // Three interleaved rounds (verifier child, then the raw hashes), medians reported, so
    // load from other processes hits both alike; CPU time is the steadier figure on a shared box.
    const rounds: { verify: Timing; stream: Timing; perLine: Timing; rss: number; heap: number; checkpoints: number }[] = [];
    for (let round = 0; round < 3; round++) {
      const child = spawnSync(process.execPath, ['--conditions=@writ/source', fileURLToPath(import.meta.url), '--verify', dir], { encoding: 'utf8', maxBuffer: 1 << 20 });
      if (child.status !== 0) throw new Error(`verifier child failed: ${child.stderr}`);
      const { report, elapsed, cpu, maxRssKiB, peakHeap } = JSON.parse(child.stdout) as { report: { valid: boolean; checkpoints: number; failure?: unknown }; elapsed: number; cpu: number; maxRssKiB: number; peakHeap: number };
      if (!report.valid) throw new Error(`benchmark transcript did not verify: ${JSON.stringify(report.failure)}`);
      const raw = await rawHash(path);
      rounds.push({ verify: { wall: elapsed, cpu }, ...raw, rss: maxRssKiB * 1024, heap: peakHeap, checkpoints: report.checkpoints });
    }
    const median = (pick: (round: (typeof rounds)[number]) => number): number => rounds.map(pick).sort((a, b) => a - b)[1]!;
    const verify = { wall: median((r) => r.verify.wall), cpu: median((r) => r.verify.cpu) };
    const stream = { wall: median((r) => r.stream.wall), cpu: median((r) => r.stream.cpu) };
    const perLine = { wall: median((r) => r.perLine.wall), cpu: median((r) => r.perLine.cpu) };
    const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
    console.log(`file: ${mb(size)} MiB, ${rounds[0]!.checkpoints} checkpoints; medians of 3 interleaved rounds`);
    console.log(`verifyTranscript: ${format(count / verify.wall)} entries/s (${verify.wall.toFixed(2)} s wall, ${verify.cpu.toFixed(2)} s CPU), ${mb(size / verify.wall)} MiB/s`);
    console.log(`raw SHA-256, one stream over the file: ${stream.wall.toFixed(2)} s wall, ${stream.cpu.toFixed(2)} s CPU · verify/raw = ${(verify.wall / stream.wall).toFixed(1)}x wall, ${(verify.cpu / stream.cpu).toFixed(1)}x CPU`);
    console.log(`raw SHA-256, one hash per line: ${perLine.wall.toFixed(2)} s wall, ${perLine.cpu.toFixed(2)} s CPU · verify/raw = ${(verify.wall / perLine.wall).toFixed(2)}x wall, ${(verify.cpu / perLine.cpu).toFixed(2)}x CPU`);
    console.log(`verifier process: peak RSS ${mb(median((r) => r.rss))} MiB, peak heap used ${mb(median((r) => r.heap))} MiB`);
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
