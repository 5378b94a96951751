/**
 * The tool registry: declarations by name, the registry-wide egress allowlist, and what
 * an unregistered tool is treated as (the highest class unless configured otherwise).
 */
import { WritError } from '../errors.ts';
import type { ActionClassId, Audience, EffectClass } from './action-class.ts';
import { isActionClass } from './action-class.ts';
import type { Classification } from './classify-tool-call.ts';
import { classifyToolCall } from './classify-tool-call.ts';
import type { ToolDeclaration } from './tool-declaration.ts';
import { isPlainObject, parseToolDeclaration } from './tool-declaration.ts';
import { assertObject } from './assert-input.ts';

/** How a tool that is not in the registry is treated. */
export interface UnregisteredToolPolicy {
  readonly actionClass: ActionClassId;
  readonly effects: readonly EffectClass[];
  readonly audience: Audience;
}

/** Options of {@link createToolRegistry}. */
export interface ToolRegistryOptions {
  /** Tool declarations (checked; may come from an untrusted JSON file). */
  readonly tools: readonly unknown[];
  /** Hosts every tool may reach (`api.example.com`, `*.example.com`). Default: none. */
  readonly egressAllowlist?: readonly string[];
  /**
   * The organisation's own email domains (`example.com`, `*.example.com`). When set, an
   * email address outside them in the arguments of a tool whose audience is `none`, `self`
   * or `internal` is detected as an undeclared customer-visible effect.
   */
  readonly internalDomains?: readonly string[];
  /** Class of unregistered tools. Default `A5`: unknown means the most dangerous. */
  readonly unregisteredClass?: ActionClassId;
  /** Default bulk-read threshold for tools that declare none. Default 1000. */
  readonly bulkReadThreshold?: number;
}

/** A checked, immutable tool registry. */
export interface ToolRegistry {
  /** The declaration of `name`, or `undefined` when the tool is unregistered. */
  get(name: string): ToolDeclaration | undefined;
  /** Every declaration, in registration order. */
  list(): readonly ToolDeclaration[];
  /** The registry-wide egress allowlist. */
  readonly egressAllowlist: readonly string[];
  /** The organisation's own email domains (empty: external-recipient detection is off). */
  readonly internalDomains: readonly string[];
  /** How unregistered tools are treated. */
  readonly unregistered: UnregisteredToolPolicy;
  /** Default bulk-read threshold. */
  readonly bulkReadThreshold: number | undefined;
  /**
   * Classifies one proposed call: declared class, effects and audience, plus the effects
   * detection finds in the arguments.
   * @throws WritError `ERR_INVALID_ARGUMENT` when `tool` is not a string or `args` not a JSON object.
   */
  classify(call: { readonly tool: string; readonly args: unknown }): Classification;
}

/**
 * Builds a registry from declarations.
 * @throws WritError `ERR_TOOL_DECLARATION_INVALID` naming the offending declaration field
 * (also for duplicate names) and `ERR_INVALID_ARGUMENT` for malformed options.
 * @example
 * ```ts
 * const registry = createToolRegistry({
 *   tools: [{ name: 'payments.transfer', actionClass: 'A5', effects: ['financial'], audience: 'partner',
 *             consequential: { iban: 'iban', amount: 'amount' } }],
 *   egressAllowlist: ['api.bank.example'],
 * });
 * registry.classify({ tool: 'payments.transfer', args: { iban: 'DE89…', amount: 120 } });
 * ```
 */
export function createToolRegistry(options: ToolRegistryOptions): ToolRegistry {
  if (!isPlainObject(options)) throw argument('options', 'must be an object');
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key)) throw argument(`options.${key}`, 'is not a known option');
  }
  const {
    tools,
    egressAllowlist = [],
    internalDomains = [],
    unregisteredClass = 'A5',
    bulkReadThreshold,
  } = options;
  if (!Array.isArray(tools)) throw argument('options.tools', 'must be an array');
  if (
    !Array.isArray(egressAllowlist) ||
    !egressAllowlist.every((entry) => typeof entry === 'string')
  ) {
    throw argument('options.egressAllowlist', 'must be an array of host patterns');
  }
  if (
    !Array.isArray(internalDomains) ||
    !internalDomains.every((entry) => typeof entry === 'string')
  ) {
    throw argument('options.internalDomains', 'must be an array of domain patterns');
  }
  if (!isActionClass(unregisteredClass))
    throw argument('options.unregisteredClass', 'must be one of A0..A5');
  if (
    bulkReadThreshold !== undefined &&
    (!Number.isSafeInteger(bulkReadThreshold) || bulkReadThreshold < 0)
  ) {
    throw argument('options.bulkReadThreshold', 'must be a non-negative integer');
  }
  const byName = new Map<string, ToolDeclaration>();
  tools.forEach((raw, index) => {
    const declaration = parseToolDeclaration(raw, `tools[${index}]`);
    if (byName.has(declaration.name)) {
      throw new WritError(
        'ERR_TOOL_DECLARATION_INVALID',
        `tools[${index}].name duplicates an earlier tool`,
        {
          details: { parameter: `tools[${index}].name` },
        },
      );
    }
    byName.set(declaration.name, declaration);
  });
  const list = Object.freeze([...byName.values()]);
  const registry: ToolRegistry = {
    get: (name) => byName.get(name),
    list: () => list,
    egressAllowlist: Object.freeze([...egressAllowlist]),
    internalDomains: Object.freeze([...internalDomains]),
    unregistered: Object.freeze({
      actionClass: unregisteredClass,
      effects: [],
      audience: 'public',
    }),
    bulkReadThreshold,
    classify: (call) => {
      assertObject(call, 'call');
      return classifyToolCall({ registry, tool: call.tool, args: call.args });
    },
  };
  return Object.freeze(registry);
}

/**
 * Reads a tools file (`{ "tools": [...], "egressAllowlist": [...], "unregisteredClass": "A5" }`
 * or a bare array of declarations) from parsed JSON.
 * @throws WritError `ERR_TOOL_DECLARATION_INVALID` / `ERR_INVALID_ARGUMENT` as {@link createToolRegistry}.
 */
export function parseToolRegistry(value: unknown): ToolRegistry {
  if (Array.isArray(value)) return createToolRegistry({ tools: value });
  if (!isPlainObject(value))
    throw argument('registry', 'must be an object or an array of tool declarations');
  return createToolRegistry(value as unknown as ToolRegistryOptions);
}

const OPTION_KEYS = [
  'tools',
  'egressAllowlist',
  'internalDomains',
  'unregisteredClass',
  'bulkReadThreshold',
];

function argument(parameter: string, message: string): WritError {
  return new WritError('ERR_INVALID_ARGUMENT', `${parameter} ${message}`, {
    details: { parameter },
  });
}
