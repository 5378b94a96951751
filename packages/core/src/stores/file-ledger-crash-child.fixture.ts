/**
 * Child process for the file store's SIGKILL tests: appends in a loop (batches of 1–8
 * entries, several in flight at once) and prints each acknowledged entry's seq; the parent
 * kills it. Prints `open` once the store is open (its first pre-written piece is durable).
 * Usage: node --conditions=@writ/source file-ledger-crash-child.fixture.ts DIR PREALLOCATE
 */
import { FileLedgerStore } from './file-ledger-store.ts';

const [dir, preallocate] = process.argv.slice(2);
if (dir === undefined || preallocate === undefined) throw new Error('usage: DIR PREALLOCATE');
const store = await FileLedgerStore.open({ dir, preallocate: Number(preallocate) });
process.stdout.write('open\n');
let n = 0;
const one = async (): Promise<void> => {
  const size = 1 + (n % 8);
  n += 1;
  const batch = await store.append(
    Array.from({ length: size }, () => ({ type: 'crash-entry', time: '2026-01-01T00:00:00.000Z', body: { pad: 'x'.repeat(300 + (n % 7) * 200) } })),
  );
  process.stdout.write(`${batch.at(-1)!.seq}\n`);
};
for (;;) await Promise.all([one(), one(), one()]);
