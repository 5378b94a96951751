/**
 * Build the console: bundle src/app.ts (with @writ/core's verifier and approval signing)
 * for the browser into dist/app.js and copy static/ next to it. Core reaches node:crypto
 * only through `process.getBuiltinModule`, so the browser bundle falls back to noble.
 */
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'rolldown';

const root = new URL('.', import.meta.url).pathname;
const dist = join(root, 'dist');
await mkdir(dist, { recursive: true });
await build({
  input: join(root, 'src/app.ts'),
  platform: 'browser',
  resolve: {
    conditionNames: ['@writ/source', 'browser', 'import', 'default'],
    // The bare node: imports of core's store and firewall modules become throwing stubs (never
    // called). Without them the build still drops that code, but warns "Module not found" for
    // each import on every `pnpm --filter @writ/authority start`.
    alias: Object.fromEntries(
      ['node:fs/promises', 'node:fs', 'node:path', 'node:crypto', 'node:os', 'node:buffer', 'node:timers/promises'].map((name) => [
        name,
        join(root, 'src/shims/empty.ts'),
      ]),
    ),
  },
  output: { file: join(dist, 'app.js'), format: 'esm', minify: true, sourcemap: false },
  logLevel: 'warn',
});
for (const name of await readdir(join(root, 'static'))) await copyFile(join(root, 'static', name), join(dist, name));
process.stdout.write(`console built into ${dist}\n`);
