// Shared set-up for Writ's examples and adapter integration tests.
export { createKit, sharedPolicies } from './kit.ts';
export type { Kit, KitOptions } from './kit.ts';
export { createWorld, APPROVERS } from './world.ts';
export type { World } from './world.ts';
export { describeCall, describeVerdict, modeFromArgs, transcriptDir, verifyWithCli } from './narrate.ts';
