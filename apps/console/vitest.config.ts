import { defineConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

// As in packages/postgres: the shared `import`/`module` conditions make `pg` (CommonJS)
// load its ESM build under `require`; keep only the source condition and Node's own.
const conditions = ['@writ/source', 'node', 'default'];

export default defineConfig({
  ...shared,
  resolve: { ...shared.resolve, conditions },
  ssr: { ...shared.ssr, resolve: { ...shared.ssr?.resolve, conditions } },
});
