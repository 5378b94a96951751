import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  describeApprovalStoreConformance,
  describeLedgerStoreConformance,
  describeNonceStoreConformance,
} from './conformance.ts';
import { FileApprovalStore } from './file-approval-store.ts';
import { FileNonceStore } from './file-nonce-store.ts';
import { FileLedgerStore } from './file-ledger-store.ts';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'writ-file-store-'));
}

describeLedgerStoreConformance('FileLedgerStore', async () => {
  const dir = await tempDir();
  return {
    store: await FileLedgerStore.open({ dir }),
    reopen: () => FileLedgerStore.open({ dir }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describeLedgerStoreConformance('FileLedgerStore (durableWrite: main-thread)', async () => {
  const dir = await tempDir();
  return {
    store: await FileLedgerStore.open({ dir, durableWrite: 'main-thread' }),
    reopen: () => FileLedgerStore.open({ dir, durableWrite: 'main-thread' }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describeLedgerStoreConformance('FileLedgerStore (preallocate: 4096, pre-written space always short)', async () => {
  const dir = await tempDir();
  return {
    store: await FileLedgerStore.open({ dir, preallocate: 4096 }),
    reopen: () => FileLedgerStore.open({ dir, preallocate: 4096 }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describeLedgerStoreConformance('FileLedgerStore (main-thread write, preallocate: 4096)', async () => {
  const dir = await tempDir();
  return {
    store: await FileLedgerStore.open({ dir, durableWrite: 'main-thread', preallocate: 4096 }),
    reopen: () => FileLedgerStore.open({ dir, durableWrite: 'main-thread', preallocate: 4096 }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describeLedgerStoreConformance('FileLedgerStore (preallocate: 0, appending)', async () => {
  const dir = await tempDir();
  return {
    store: await FileLedgerStore.open({ dir, preallocate: 0 }),
    reopen: () => FileLedgerStore.open({ dir, preallocate: 0 }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describeNonceStoreConformance('FileNonceStore', async () => {
  const dir = await tempDir();
  return {
    store: await FileNonceStore.open({ dir }),
    another: () => FileNonceStore.open({ dir }),
    reopen: () => FileNonceStore.open({ dir }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describeApprovalStoreConformance('FileApprovalStore', async () => {
  const dir = await tempDir();
  return {
    store: await FileApprovalStore.open({ dir }),
    another: () => FileApprovalStore.open({ dir }),
    reopen: () => FileApprovalStore.open({ dir }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});
