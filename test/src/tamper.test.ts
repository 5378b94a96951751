/**
 * Tamper suite: generate signed, linked transcripts, mutate them the ways an attacker or a
 * broken disk would, and check that `writ verify` (the command's own action, in-process)
 * rejects every mutation with the check and the first bad entry we expect.
 */
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAction } from '@writ/cli';
import { FileLedgerStore, canonicalize } from '@writ/core';
import type { TranscriptReport } from '@writ/core';
import {
  sampleKeys,
  sampleTrustRootDocument,
  trustEntry,
  writeSampleTranscript,
} from '@writ/core/transcript';
import type { SampleKeys } from '@writ/core/transcript';

interface Base {
  readonly dir: string;
  readonly lines: string[];
  readonly checkpoints: string[];
}

let root: string;
let trustFile: string;
const bases: Base[] = [];
let other: Base;
let counter = 0;

async function generate(
  name: string,
  options: { calls: number; sessionId?: string; keys?: SampleKeys; everyEntries: number },
): Promise<Base> {
  const dir = join(root, name);
  const store = await FileLedgerStore.open({ dir });
  await writeSampleTranscript({
    store,
    calls: options.calls,
    policy: { everyEntries: options.everyEntries },
    ...(options.sessionId && { sessionId: options.sessionId }),
    ...(options.keys && { keys: options.keys }),
  });
  await store.close();
  const lines = (await readFile(join(dir, 'entries.jsonl'), 'utf8')).split('\n').slice(0, -1);
  const checkpoints = (await readdir(join(dir, 'checkpoints'))).sort();
  return { dir, lines, checkpoints };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'writ-tamper-'));
  const keys = sampleKeys();
  trustFile = join(root, 'trust-root.json');
  await writeFile(trustFile, JSON.stringify(sampleTrustRootDocument(keys)));
  bases.push(await generate('small', { calls: 2, everyEntries: 3 }));
  bases.push(await generate('medium', { calls: 5, everyEntries: 7 }));
  bases.push(await generate('large', { calls: 9, everyEntries: 10 }));
  other = await generate('other', { calls: 9, everyEntries: 10, sessionId: 'session-other' });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function copyOf(base: Base): Promise<string> {
  const dir = join(root, `case-${counter++}`);
  await cp(base.dir, dir, { recursive: true });
  return dir;
}

async function writeLines(dir: string, lines: readonly string[], tail = '\n'): Promise<void> {
  await writeFile(join(dir, 'entries.jsonl'), lines.length === 0 ? '' : lines.join('\n') + tail);
}

async function verify(
  dir: string,
  trust = trustFile,
): Promise<{ code: number | undefined; report: TranscriptReport }> {
  let stdout = '';
  let code: number | undefined;
  await verifyAction(
    dir,
    { json: true, trustRoot: trust },
    {
      stdout: (text) => (stdout += text),
      stderr: () => undefined,
      setExitCode: (value) => (code = value),
      cwd: root,
      interactive: false,
    },
  );
  await rm(dir, { recursive: true, force: true });
  return { code, report: JSON.parse(stdout) as TranscriptReport };
}

const base = fc.integer({ min: 0, max: 2 }).map((i) => i);
const RUNS = { numRuns: 25 };

describe('writ verify — tamper suite', () => {
  it('accepts every unmodified transcript', async () => {
    for (const candidate of [...bases, other]) {
      const result = await verify(await copyOf(candidate));
      expect(result.code).toBe(0);
    }
  });

  it('detects a flipped byte anywhere in the entries at that entry or the next', async () => {
    await fc.assert(
      fc.asyncProperty(
        base,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (index, position, mask) => {
          const b = bases[index]!;
          const dir = await copyOf(b);
          const bytes = await readFile(join(dir, 'entries.jsonl'));
          const at = position % bytes.length;
          bytes[at] = bytes[at]! ^ mask;
          await writeFile(join(dir, 'entries.jsonl'), bytes);
          const seq = bytes.subarray(0, at).filter((byte) => byte === 10).length;
          const { code, report } = await verify(dir);
          expect(code).toBe(1);
          const failure = report.failure!;
          // A damaged line is malformed, or parses but no longer hashes to what the next
          // entry links to (or, for the last entry, to what the checkpoint signed).
          if (failure.check === 'checkpoint-root') expect(failure.seq).toBeGreaterThanOrEqual(seq);
          else expect([seq, seq + 1]).toContain(failure.seq);
          expect([
            'entry-format',
            'sequence',
            'chain',
            'checkpoint-root',
            'environment-digest',
            'signature',
            'linkage',
          ]).toContain(failure.check);
        },
      ),
      RUNS,
    );
  });

  it('detects a deleted entry', async () => {
    await fc.assert(
      fc.asyncProperty(base, fc.nat(), async (index, k) => {
        const b = bases[index]!;
        const at = k % b.lines.length;
        const dir = await copyOf(b);
        await writeLines(
          dir,
          b.lines.filter((_, i) => i !== at),
        );
        const { code, report } = await verify(dir);
        expect(code).toBe(1);
        if (at === b.lines.length - 1)
          expect(report.failure).toMatchObject({ check: 'checkpoint-beyond-end', seq: at });
        else
          expect(report.failure).toMatchObject({
            check: 'sequence',
            code: 'ERR_TRANSCRIPT_SEQUENCE',
            seq: at,
          });
      }),
      RUNS,
    );
  });

  it('detects an inserted entry, even one forged with the right seq and prev', async () => {
    await fc.assert(
      fc.asyncProperty(base, fc.nat(), fc.boolean(), async (index, k, forge) => {
        const b = bases[index]!;
        const at = k % b.lines.length;
        let inserted = b.lines[(at + 1) % b.lines.length]!;
        if (forge) {
          const entry = JSON.parse(b.lines[at]!);
          entry.body = { sessionId: 'session-1', note: 'forged' };
          inserted = canonicalize({
            body: entry.body,
            prev: entry.prev,
            seq: entry.seq,
            time: entry.time,
            type: 'note-added',
          });
        }
        const dir = await copyOf(b);
        await writeLines(dir, [...b.lines.slice(0, at), inserted, ...b.lines.slice(at)]);
        const { code, report } = await verify(dir);
        expect(code).toBe(1);
        // A forged entry that links correctly is caught by the next entry's seq, or first by
        // a checkpoint that covered the original entry at that position.
        if (forge && report.failure!.check === 'checkpoint-root')
          expect(report.failure!.seq).toBe(at);
        else if (forge) expect(report.failure).toMatchObject({ check: 'sequence', seq: at + 1 });
        else expect(report.failure).toMatchObject({ check: 'sequence', seq: at });
      }),
      RUNS,
    );
  });

  it('detects reordered entries at the first displaced one', async () => {
    await fc.assert(
      fc.asyncProperty(base, fc.nat(), fc.nat(), async (index, a, c) => {
        const b = bases[index]!;
        const i = a % b.lines.length;
        const j = c % b.lines.length;
        fc.pre(i !== j);
        const lines = [...b.lines];
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
        const dir = await copyOf(b);
        await writeLines(dir, lines);
        const { code, report } = await verify(dir);
        expect(code).toBe(1);
        expect(report.failure).toMatchObject({ check: 'sequence', seq: Math.min(i, j) });
      }),
      RUNS,
    );
  });

  it('detects a duplicated entry', async () => {
    await fc.assert(
      fc.asyncProperty(base, fc.nat(), async (index, k) => {
        const b = bases[index]!;
        const at = k % b.lines.length;
        const dir = await copyOf(b);
        await writeLines(dir, [
          ...b.lines.slice(0, at + 1),
          b.lines[at]!,
          ...b.lines.slice(at + 1),
        ]);
        const { code, report } = await verify(dir);
        expect(code).toBe(1);
        expect(report.failure).toMatchObject({ check: 'sequence', seq: at + 1 });
      }),
      RUNS,
    );
  });

  it('detects truncation at a line boundary or mid-line', async () => {
    await fc.assert(
      fc.asyncProperty(base, fc.nat(), fc.boolean(), async (index, k, midLine) => {
        const b = bases[index]!;
        const keep = k % b.lines.length;
        const dir = await copyOf(b);
        if (midLine)
          await writeLines(dir, [...b.lines.slice(0, keep), b.lines[keep]!.slice(0, 10)], '');
        else await writeLines(dir, b.lines.slice(0, keep));
        const { code, report } = await verify(dir);
        expect(code).toBe(1);
        if (midLine) expect(report.failure).toMatchObject({ check: 'entry-format', seq: keep });
        else
          expect(report.failure).toMatchObject({
            check: 'checkpoint-beyond-end',
            code: 'ERR_TRANSCRIPT_CHECKPOINT_BEYOND_END',
            seq: keep,
          });
      }),
      RUNS,
    );
  });

  it('detects two transcripts spliced together at the splice point', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.boolean(),
        async (k, keepOthersCheckpoints) => {
          const b = bases[2]!;
          const at = k % b.lines.length || 1;
          const dir = await copyOf(b);
          await writeLines(dir, [...b.lines.slice(0, at), ...other.lines.slice(at)]);
          if (keepOthersCheckpoints) {
            await rm(join(dir, 'checkpoints'), { recursive: true });
            await cp(join(other.dir, 'checkpoints'), join(dir, 'checkpoints'), { recursive: true });
          }
          const { code, report } = await verify(dir);
          expect(code).toBe(1);
          // The first entry of the second transcript does not link to the last of the first;
          // with the second transcript's checkpoints, an early one may fail first.
          if (keepOthersCheckpoints)
            expect(['chain', 'checkpoint-root']).toContain(report.failure!.check);
          else
            expect(report.failure).toMatchObject({
              check: 'chain',
              code: 'ERR_TRANSCRIPT_CHAIN',
              seq: at,
            });
        },
      ),
      RUNS,
    );
  });

  it('detects a checkpoint swapped for another transcript’s checkpoint of the same size', async () => {
    const b = bases[2]!;
    for (const name of b.checkpoints.filter((file) => other.checkpoints.includes(file))) {
      const dir = await copyOf(b);
      await cp(join(other.dir, 'checkpoints', name), join(dir, 'checkpoints', name));
      const { code, report } = await verify(dir);
      expect(code).toBe(1);
      expect(report.failure).toMatchObject({
        check: 'checkpoint-root',
        code: 'ERR_TRANSCRIPT_ROOT_MISMATCH',
        checkpointSize: Number(name.slice(0, 16)),
      });
    }
  });

  it('detects a checkpoint signed by a key outside the trust root', async () => {
    const forger = sampleKeys(42);
    const forged = await generate('forged', {
      calls: 2,
      everyEntries: 3,
      keys: { ...sampleKeys(), ledger: forger.ledger },
    });
    const { code, report } = await verify(await copyOf(forged));
    expect(code).toBe(1);
    expect(report.failure).toMatchObject({
      check: 'checkpoint-signature',
      code: 'ERR_TRANSCRIPT_CHECKPOINT_SIGNATURE',
    });
  });

  it('detects a transcript re-signed with a ledger key that was not valid at the signing time', async () => {
    const keys = sampleKeys();
    const late = sampleKeys(43).ledger;
    const compromised = sampleKeys(44).ledger;
    const retired = sampleKeys(45).ledger;
    const document = sampleTrustRootDocument(keys, [
      trustEntry(late, { roles: ['ledger'], validFrom: '2030-01-01T00:00:00Z' }),
      trustEntry(compromised, {
        roles: ['ledger'],
        status: 'compromised',
        since: '2025-01-01T00:00:00Z',
      }),
      trustEntry(retired, { roles: ['ledger'], status: 'retired', since: '2025-06-01T00:00:00Z' }),
      trustEntry(sampleKeys(46).authority, {
        roles: ['authority'],
        validUntil: '2025-01-01T00:00:00Z',
      }),
    ]);
    const pinned = join(root, 'trust-with-invalid-keys.json');
    await writeFile(pinned, JSON.stringify(document));
    for (const [name, ledger, cause] of [
      ['late', late, 'ERR_KEY_NOT_VALID_AT'],
      ['compromised', compromised, 'ERR_KEY_COMPROMISED'],
      ['retired', retired, 'ERR_KEY_NOT_VALID_AT'],
    ] as const) {
      const resigned = await generate(`resigned-${name}`, {
        calls: 3,
        everyEntries: 4,
        keys: { ...keys, ledger },
      });
      const { code, report } = await verify(await copyOf(resigned), pinned);
      expect(code).toBe(1);
      expect(report.failure).toMatchObject({
        check: 'checkpoint-key',
        code: 'ERR_TRANSCRIPT_CHECKPOINT_KEY',
        cause,
      });
    }
    // A token minted with an authority key past its validity fails inside the entries.
    const stale = await generate('stale-authority', {
      calls: 1,
      everyEntries: 4,
      keys: { ...keys, authority: sampleKeys(46).authority },
    });
    const { report } = await verify(await copyOf(stale), pinned);
    expect(report.failure).toMatchObject({
      check: 'signature',
      code: 'ERR_TRANSCRIPT_SIGNATURE',
      entryType: 'token-issued',
      cause: 'ERR_KEY_NOT_VALID_AT',
    });
  });
});
