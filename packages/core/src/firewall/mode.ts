/**
 * Mode resolution: shadow / advisory / enforce, set globally, per tool and per action
 * class, from configuration and from the `WRIT_MODE` environment variable.
 *
 * Precedence (specific beats general; at the same level the environment beats config):
 * tool (env, config) → action class (env, config) → global (env, config) → `enforce`.
 * So `WRIT_MODE=shadow` rolls a deployment back to shadow without a code change, while a
 * tool pinned to `enforce` in either place stays enforced.
 *
 * `WRIT_MODE` grammar: comma-separated items, each `MODE` (global), `tool:NAME=MODE` or
 * `class:A0..A5=MODE`, e.g. `WRIT_MODE=shadow,class:A5=enforce,tool:send_email=advisory`.
 */
import { WritError } from '../errors.ts';
import type { ActionClassId, FirewallMode } from './types.ts';
import { assertOptions, assertParameterName, invalidArgument } from '../invalid-argument.ts';

/** Modes from configuration. */
export interface ModeConfig {
  /** Global mode. Default `enforce`. */
  readonly default?: FirewallMode;
  /** Per tool name. */
  readonly tools?: Readonly<Record<string, FirewallMode>>;
  /** Per action class. */
  readonly classes?: Readonly<Partial<Record<ActionClassId, FirewallMode>>>;
}

/** A resolved mode table (configuration merged with the environment). */
export interface ModeTable {
  readonly config: ModeConfig;
  readonly env: ModeConfig;
}

const MODES: readonly string[] = ['shadow', 'advisory', 'enforce'];
const CLASSES: readonly string[] = ['A0', 'A1', 'A2', 'A3', 'A4', 'A5'];

/** True when `value` is a {@link FirewallMode}. */
export function isFirewallMode(value: unknown): value is FirewallMode {
  return typeof value === 'string' && MODES.includes(value);
}

function mode(value: unknown, parameter: string): FirewallMode {
  if (!isFirewallMode(value)) {
    throw new WritError('ERR_FIREWALL_MODE_INVALID', `${parameter} must be shadow, advisory or enforce`, {
      details: { parameter },
    });
  }
  return value;
}

function record(value: unknown, parameter: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WritError('ERR_INVALID_ARGUMENT', `${parameter} must be an object`, { details: { parameter } });
  }
  return value as Record<string, unknown>;
}

/**
 * Validate a mode configuration (a bare mode string means a global mode).
 * @throws `ERR_FIREWALL_MODE_INVALID`, `ERR_INVALID_ARGUMENT`.
 */
export function parseModeConfig(value: unknown, parameter = 'mode'): ModeConfig {
  assertParameterName(parameter);
  if (value === undefined) return {};
  if (typeof value === 'string') return { default: mode(value, parameter) };
  const input = record(value, parameter);
  const tools = new Map<string, FirewallMode>();
  for (const [name, m] of Object.entries(record(input.tools, `${parameter}.tools`))) {
    tools.set(name, mode(m, `${parameter}.tools.${name}`));
  }
  const classes = new Map<ActionClassId, FirewallMode>();
  for (const [name, m] of Object.entries(record(input.classes, `${parameter}.classes`))) {
    if (!CLASSES.includes(name)) {
      throw new WritError('ERR_INVALID_ARGUMENT', `${parameter}.classes keys must be A0..A5`, {
        details: { parameter: `${parameter}.classes` },
      });
    }
    classes.set(name as ActionClassId, mode(m, `${parameter}.classes.${name}`));
  }
  return {
    ...(input.default === undefined ? {} : { default: mode(input.default, `${parameter}.default`) }),
    tools: Object.fromEntries(tools),
    classes: Object.fromEntries(classes),
  };
}

/**
 * Parse the `WRIT_MODE` environment variable (undefined or empty → no override).
 * @throws `ERR_FIREWALL_MODE_INVALID` naming `WRIT_MODE` when an item is malformed.
 */
export function parseModeEnv(value: string | undefined): ModeConfig {
  if (value !== undefined && typeof value !== 'string') throw invalidArgument('value', 'must be a string or undefined');
  if (value === undefined || value.trim() === '') return {};
  if (value.length > 10_000) throw new WritError('ERR_FIREWALL_MODE_INVALID', 'WRIT_MODE is too long');
  let global: FirewallMode | undefined;
  const tools = new Map<string, FirewallMode>();
  const classes = new Map<ActionClassId, FirewallMode>();
  for (const raw of value.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq < 0) {
      global = mode(item, 'WRIT_MODE');
      continue;
    }
    const key = item.slice(0, eq);
    const m = mode(item.slice(eq + 1), 'WRIT_MODE');
    if (key.startsWith('tool:') && key.length > 5) tools.set(key.slice(5), m);
    else if (key.startsWith('class:') && CLASSES.includes(key.slice(6))) classes.set(key.slice(6) as ActionClassId, m);
    else throw new WritError('ERR_FIREWALL_MODE_INVALID', 'WRIT_MODE items must be MODE, tool:NAME=MODE or class:A0..A5=MODE');
  }
  return { ...(global === undefined ? {} : { default: global }), tools: Object.fromEntries(tools), classes: Object.fromEntries(classes) };
}

function own<T>(table: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return table !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

/** The mode in force for one call. */
export function resolveMode(table: ModeTable, call: { readonly tool: string; readonly actionClass: ActionClassId }): FirewallMode {
  assertOptions(table, 'table');
  assertOptions(table.env, 'table.env');
  assertOptions(table.config, 'table.config');
  assertOptions(call, 'call');
  if (typeof call.tool !== 'string') throw invalidArgument('call.tool', 'must be a string');
  if (typeof call.actionClass !== 'string') throw invalidArgument('call.actionClass', 'must be a string');
  return (
    own(table.env.tools, call.tool) ??
    own(table.config.tools, call.tool) ??
    own(table.env.classes, call.actionClass) ??
    own(table.config.classes, call.actionClass) ??
    table.env.default ??
    table.config.default ??
    'enforce'
  );
}
