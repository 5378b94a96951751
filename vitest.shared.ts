import { defineConfig } from 'vitest/config';

// Sibling packages resolve to their TypeScript sources through the `@writ/source`
// export condition, so tests never need a build (see docs/decisions/0001). No
// `import`/`module` here: Vite adds `import` to ESM imports itself, and listing it would
// also apply it to a CommonJS `require` (pg then gets pg-pool's ESM namespace).
export const conditions = ['@writ/source', 'node', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@writ/source'] } },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
    testTimeout: 30_000,
  },
});
