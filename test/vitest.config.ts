import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../vitest.shared.ts';

// The scenario suite lives in scenarios/ beside src/ (see scenarios/run-scenarios.ts).
export default mergeConfig(shared, defineConfig({ test: { include: ['src/**/*.test.ts', 'scenarios/**/*.test.ts'] } }));
