import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileLedgerStore } from '../stores/file-ledger-store.ts';
import { writeSampleTranscript } from './sample-transcript.ts';
import { openTranscriptDirectory } from './transcript-directory.ts';
import { verifyTranscript } from './verify-transcript.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'writ-transcript-dir-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function sample(name: string): Promise<{ path: string; verify: () => ReturnType<typeof verifyTranscript>; entries: number }> {
  const path = join(dir, name);
  const { trustRoot, entries } = await writeSampleTranscript({ store: await FileLedgerStore.open({ dir: path }), calls: 40 });
  const verify = async (): ReturnType<typeof verifyTranscript> => {
    const directory = await openTranscriptDirectory(path);
    return verifyTranscript({ entries: directory.entries, checkpoints: directory.checkpoints, trustRoot });
  };
  return { path, verify, entries };
}

describe('openTranscriptDirectory', () => {
  it('streams every entry line of the file to the verifier', async () => {
    const { verify, entries } = await sample('whole');
    const report = await verify();
    expect(report.valid).toBe(true);
    expect(report.entries).toBe(entries);
  });
  it('reports a torn final line as entry-format at the first missing entry', async () => {
    const { path, verify, entries } = await sample('torn');
    await appendFile(join(path, 'entries.jsonl'), '{"body":');
    const report = await verify();
    expect(report.valid).toBe(false);
    expect(report.failure).toMatchObject({ check: 'entry-format', seq: entries });
  });
});
