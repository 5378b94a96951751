// Adds up the JSON reports each package's vitest run wrote and prints one closing
// line "N passed, N failed, N skipped" so CI reads a single verdict for the workspace.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['packages', 'apps', 'examples'];
const single = ['policies', 'test'];
const dirs = [];
for (const r of roots) {
  if (!existsSync(r)) continue;
  for (const d of readdirSync(r)) dirs.push(join(r, d));
}
for (const s of single) if (existsSync(s)) dirs.push(s);

let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
for (const dir of dirs) {
  const file = join(dir, '.vitest-report.json');
  if (!existsSync(join(dir, 'package.json'))) continue;
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (!pkg.scripts?.test) continue;
  if (!existsSync(file)) {
    rows.push([dir, 'no report']);
    failed += 1;
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
  rows.push([dir, `${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests + report.numTodoTests} skipped`]);
}
for (const [dir, text] of rows) console.log(`  ${dir.padEnd(28)} ${text}`);
if (passed === 0) {
  console.log('no tests ran');
  failed += 1;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
