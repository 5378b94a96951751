import { defineConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

// The shared condition list includes `import`/`module`, which Vitest also applies to
// CommonJS `require` calls under Node 24 (require(esm)); `pg` then gets pg-pool's ESM
// namespace instead of its class. Vite adds `import` for ESM imports on its own, so
// dropping those two keeps `@writ/source` resolution and lets `pg` load its CJS graph.
const conditions = ['@writ/source', 'node', 'default'];

export default defineConfig({
  ...shared,
  resolve: { ...shared.resolve, conditions },
  ssr: { ...shared.ssr, resolve: { ...shared.ssr?.resolve, conditions } },
});
