/**
 * `@writ/rego` — a Rego v1 engine (parser, compiler, evaluator) in TypeScript.
 * @packageDocumentation
 */
export { compile } from './compile.ts';
export type { CompiledPolicy, CompileOptions, EvaluateOptions, QueryOptions, RegoLimits } from './compile.ts';
export { RegoError } from './errors.ts';
export type { RegoErrorCode, RegoLocation } from './errors.ts';
export {
  BigNum,
  compare,
  equals,
  fromJSON,
  keyOf,
  numberValue,
  RObject,
  RSet,
  toJSON,
  toRegoString,
  typeName,
} from './value.ts';
export type { RegoNumber, Value } from './value.ts';
export { parseModule, parseQuery } from './lang/parser.ts';
