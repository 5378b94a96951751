import {
  describeApprovalStoreConformance,
  describeLedgerStoreConformance,
  describeNonceStoreConformance,
} from './conformance.ts';
import { MemoryApprovalStore } from './memory-approval-store.ts';
import { MemoryLedgerStore } from './memory-ledger-store.ts';
import { MemoryNonceStore } from './memory-nonce-store.ts';

describeLedgerStoreConformance('MemoryLedgerStore', () =>
  Promise.resolve({ store: new MemoryLedgerStore() }),
);
describeNonceStoreConformance('MemoryNonceStore', () =>
  Promise.resolve({ store: new MemoryNonceStore() }),
);
describeApprovalStoreConformance('MemoryApprovalStore', () =>
  Promise.resolve({ store: new MemoryApprovalStore() }),
);
