import { defineConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

// As in packages/postgres: the shared `import`/`module` conditions make `pg` (CommonJS)
// load its ESM build under `require`; keep only the source condition and Node's own.
const conditions = ['@writ/source', 'node', 'default'];

export default defineConfig({
  ...shared,
  resolve: { ...shared.resolve, conditions },
  ssr: { ...shared.ssr, resolve: { ...shared.ssr?.resolve, conditions } },
  // One browser test file at a time: each launches Chromium and an authority, and with four
  // files side by side on this 2-core machine (beside the other packages' tests in CI) the
  // approve-in-Chromium test once ran past its 30 s. Sequential, they take ~10 s in all.
  test: { ...shared.test, fileParallelism: false },
});
