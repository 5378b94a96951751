import { runQuickstart } from './quickstart.ts';

// The interim demo of ./run demo: mint, verify, refuse. Prints what happened in plain words.
console.log('Writ quickstart — no token, no effect\n');
for (const step of runQuickstart()) {
  const mark = step.outcome === 'accepted' ? 'ACCEPTED' : 'REFUSED ';
  console.log(`${mark}  ${step.title}\n          ${step.detail}`);
}
