// Run by bench.test.ts: interleave with isolated cases, then print the samples as JSON.
import { interleave } from './bench.ts';

const inChild = () => {
  if (process.env.WRIT_BENCH_CHILD === undefined) throw new Error('case ran in the parent process');
  return Promise.resolve();
};
const first = await interleave({ rounds: 2, calls: 1, warmup: 1, isolate: true, cases: { a: inChild, b: inChild } });
const failing = process.argv[2] === 'fail';
const second = await interleave({
  rounds: 3,
  calls: 2,
  warmup: 0,
  isolate: true,
  cases: { c: inChild, d: (round) => (failing && round === 1 ? Promise.reject(new Error('case d broke')) : inChild()) },
});
// Two processes per case: round r must reach process r mod 2 (warm-up rounds reach both).
const replica = () => (JSON.parse(process.env.WRIT_BENCH_CHILD ?? '{}') as { replica?: number }).replica;
const third = await interleave({
  rounds: 4,
  calls: 1,
  warmup: 1,
  isolate: true,
  processes: 2,
  cases: { e: (round) => (round >= 0 && round % 2 !== replica() ? Promise.reject(new Error(`round ${round} reached process ${replica()}`)) : inChild()) },
});
console.log(JSON.stringify({ first, second, third }));
