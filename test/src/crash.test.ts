/**
 * Crash test: a child appends in a loop and is killed with SIGKILL at a random moment,
 * many times over the same directory. After every kill: reopening repairs the tail, no
 * acknowledged entry is lost or changed, the ledger verifies, and appending continues.
 * Run once with the default pre-written space (ADR 0028) and once with 64 MiB of it, so
 * that most kills land while the child is still writing its zeros.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FileLedgerStore, Ledger, openTranscriptDirectory, verifyTranscript } from '@writ/core';
import { sampleKeys } from '@writ/core/transcript';
import { createTrustRoot } from '@writ/core';
import { sampleTrustRootDocument } from '@writ/core/transcript';

const child = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const RUNS = Number(process.env.WRIT_CRASH_RUNS ?? 10);
let dir: string;
const dirs: string[] = [];

afterAll(async () => {
  for (const each of dirs) await rm(each, { recursive: true, force: true });
});

/** Run the child until `killAfterMs` after it is ready, SIGKILL it, return its acks. */
function runAndKill(
  run: number,
  killAfterMs: number,
  preallocate?: number,
): Promise<Map<number, number>> {
  return new Promise((resolve, reject) => {
    const args = [child, dir, String(run), ...(preallocate === undefined ? [] : [String(preallocate)])];
    const proc = spawn(process.execPath, ['--conditions=@writ/source', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acks = new Map<number, number>();
    let buffer = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        if (line === 'ready') setTimeout(() => proc.kill('SIGKILL'), killAfterMs);
        const match = /^ack (\d+) (\d+)$/.exec(line);
        if (match) acks.set(Number(match[1]), Number(match[2]));
      }
    });
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acks);
      else reject(new Error(`child exited with ${code}: ${stderr}`));
    });
  });
}

describe('FileLedgerStore + Ledger under SIGKILL', () => {
  it.each([
    { label: 'default pre-written space', preallocate: undefined, killMs: () => 20 + Math.floor(Math.random() * 250) },
    // 64 MiB of zeros take the child far longer to write than it lives: killed mid-pre-write.
    { label: 'killed while pre-writing 64 MiB', preallocate: 64 << 20, killMs: () => Math.floor(Math.random() * 60) },
  ])(`loses no acknowledged entry over ${RUNS} random kills, verifies and keeps appending ($label)`, async ({ preallocate, killMs }) => {
    dir = await mkdtemp(join(tmpdir(), 'writ-crash-'));
    dirs.push(dir);
    const trustRoot = createTrustRoot(sampleTrustRootDocument(sampleKeys()));
    const acknowledged = new Map<number, { run: number; n: number }>();
    let previousSize = 0;
    for (let run = 0; run < RUNS; run++) {
      const acks = await runAndKill(run, killMs(), preallocate);
      for (const [seq, n] of acks) acknowledged.set(seq, { run, n });
      // The child died with zeros after its lines (never more than it was asked to write).
      const left = await readFile(join(dir, 'entries.jsonl'));
      const lineEnd = left.lastIndexOf(10) + 1;
      expect(left.subarray(lineEnd).every((byte) => byte === 0)).toBe(true);
      if (preallocate !== undefined) {
        expect(left.length).toBeGreaterThan(lineEnd);
        expect(left.length).toBeLessThan(lineEnd + preallocate);
      }
      // Reopen as the writer: repairs a torn tail, then the ledger checkpoints what it holds.
      const ledger = await Ledger.open({
        store: await FileLedgerStore.open({ dir }),
        origin: 'writ.test/crash',
        signer: sampleKeys().ledger,
      });
      const head = await ledger.head();
      expect(head.size).toBeGreaterThanOrEqual(
        Math.max(previousSize, ...[...acks.keys()].map((seq) => seq + 1)),
      );
      await ledger.checkpoint();
      await ledger.close();
      previousSize = head.size;
      const lines = (await readFile(join(dir, 'entries.jsonl'), 'utf8')).split('\n');
      expect(lines.at(-1)).toBe('');
      for (const [seq, expected] of acknowledged) {
        expect(JSON.parse(lines[seq]!).body).toMatchObject(expected);
      }
      const directory = await openTranscriptDirectory(dir);
      const report = await verifyTranscript({
        entries: directory.entries,
        checkpoints: directory.checkpoints,
        trustRoot,
      });
      expect(report.failure).toBeUndefined();
      expect(report.entries).toBe(head.size);
    }
    expect(acknowledged.size).toBeGreaterThan(RUNS);
  }, 120_000);
});
