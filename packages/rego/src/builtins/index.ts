/**
 * The builtin function registry of `@writ/rego`, keyed by full dotted name. A builtin that
 * is absent here is reported by the evaluator as unsupported — never answered wrongly.
 *
 * @packageDocumentation
 */
import { aggregates } from './aggregates.ts';
import { arithmetic } from './arithmetic.ts';
import { aws } from './aws.ts';
import { bits } from './bits.ts';
import { cryptoHashes } from './crypto.ts';
import type { BuiltinTable } from './define.ts';
import { defineAll } from './define.ts';
import { encoding } from './encoding.ts';
import { glob } from './glob.ts';
import { graph } from './graph.ts';
import { graphql } from './graphql.ts';
import { identifiers } from './identifiers.ts';
import { jsonPaths } from './json-paths.ts';
import { jsonSchema } from './json-schema.ts';
import { jwt } from './jwt.ts';
import { netCidr } from './net-cidr.ts';
import { objects } from './objects.ts';
import { regex } from './regex.ts';
import { runtime } from './runtime.ts';
import { strings } from './strings.ts';
import { time } from './time.ts';
import { typeBuiltins } from './type-builtins.ts';
import { units } from './units.ts';
import type { BuiltinDef } from './types.ts';

export type { BuiltinContext, BuiltinDef } from './types.ts';

const families: readonly BuiltinTable[] = [
  aggregates, arithmetic, aws, bits, cryptoHashes, encoding, glob, graph, graphql, identifiers, jsonPaths, jsonSchema, jwt,
  netCidr, objects, regex, runtime, strings, time, typeBuiltins, units,
];

/** Every builtin this engine implements, keyed by full dotted name (e.g. `io.jwt.decode`). */
export const builtins: ReadonlyMap<string, BuiltinDef> = new Map(
  families.flatMap((family) => defineAll(family)).map((def) => [def.name, def]),
);
