/**
 * Child process of the crash test: appends to a file-store ledger in a loop through a
 * checkpointing Ledger, with several appends in flight (group commit), and prints
 * `ack <seq> <n>` for every entry only after its append resolved (durable).
 * Usage: node --conditions=@writ/source crash-child.ts <dir> <run> [<preallocate bytes>]
 */
import { FileLedgerStore, Ledger } from '@writ/core';
import { sampleKeys } from '@writ/core/transcript';

const [dir, run, preallocate] = process.argv.slice(2) as [string, string, string | undefined];
const store = await FileLedgerStore.open({
  dir,
  ...(preallocate !== undefined && { preallocate: Number(preallocate) }),
});
const ledger = await Ledger.open({
  store,
  origin: 'writ.test/crash',
  signer: sampleKeys().ledger,
  policy: { everyEntries: 25 },
});
process.stdout.write('ready\n');
let n = 0;
async function writer(lane: number): Promise<never> {
  for (;;) {
    const batch = 1 + ((n + lane) % 3);
    const drafts = Array.from({ length: batch }, () => ({
      type: 'test-entry',
      time: new Date().toISOString(),
      body: { run: Number(run), lane, n: n++ },
    }));
    const stored = await ledger.append(drafts);
    process.stdout.write(
      stored.map((entry, i) => `ack ${entry.seq} ${drafts[i]!.body.n}\n`).join(''),
    );
  }
}
await Promise.all([0, 1, 2, 3].map(writer));
