/**
 * json.verify_schema and json.match_schema over a JSON Schema subset, validated in
 * gojsonschema's order with its error types and wording (what OPA returns). Keywords outside
 * the subset that change validation ($ref, patternProperties, dependencies, if/then/else,
 * format, contains, propertyNames, additionalItems) make match_schema fail with an error
 * instead of silently skipping a constraint.
 */
import type { Value } from '../value.ts';
import { compare, equals, isNumber, numberToString, RObject, RSet, toDecimal } from '../value.ts';
import type { BuiltinTable } from './define.ts';
import { fail } from './failure.ts';
import { goMarshal, parseJSON } from './go-json.ts';
import { compileRegex } from './regex.ts';
import { typeError } from './operands.ts';

const primitiveTypes = ['array', 'boolean', 'integer', 'number', 'null', 'object', 'string'];
const unsupported = ['$ref', 'patternProperties', 'dependencies', 'dependentRequired', 'dependentSchemas', 'if', 'then', 'else',
  'format', 'contains', 'propertyNames', 'additionalItems', 'unevaluatedProperties', 'unevaluatedItems', '$defs'];

/** One validation error, in match_schema's output shape. */
interface SchemaError {
  readonly error: string;
  readonly type: string;
  readonly field: string;
  readonly desc: string;
}

class SchemaInvalid extends Error {}

function schemaValue(v: Value, pos: number): Value {
  if (typeof v === 'string') {
    try {
      return parseJSON(v);
    } catch (error) {
      throw new SchemaInvalid(error instanceof Error ? error.message : String(error));
    }
  }
  if (v instanceof RObject || typeof v === 'boolean') return v;
  throw typeError(pos, v, 'string', 'object');
}

function typesOf(schema: RObject): string[] {
  const t = schema.get('type');
  if (t === undefined) return [];
  const list = typeof t === 'string' ? [t] : Array.isArray(t) ? (t as readonly Value[]) : [t];
  return list.map((x) => {
    if (typeof x !== 'string' || !primitiveTypes.includes(x)) {
      throw new SchemaInvalid(
        `has a primitive type that is NOT VALID -- given: /${typeof x === 'string' ? x : goMarshal(x)}/ Expected valid values are:[${primitiveTypes.join(' ')}]`,
      );
    }
    return x;
  });
}

/** Structural checks gojsonschema performs when loading a schema. */
function checkSchema(schema: Value): void {
  if (typeof schema === 'boolean') return;
  if (!(schema instanceof RObject)) throw new SchemaInvalid('schema must be an object or a boolean');
  typesOf(schema);
  for (const key of ['properties']) {
    const v = schema.get(key);
    if (v === undefined) continue;
    if (!(v instanceof RObject)) throw new SchemaInvalid(`${key} must be of type object`);
    for (const sub of v.values()) checkSchema(sub);
  }
  for (const key of ['additionalProperties', 'not']) {
    const v = schema.get(key);
    if (v !== undefined) checkSchema(v);
  }
  const items = schema.get('items');
  if (Array.isArray(items)) (items as readonly Value[]).forEach(checkSchema);
  else if (items !== undefined) checkSchema(items);
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    const v = schema.get(key);
    if (v === undefined) continue;
    if (!Array.isArray(v) || v.length === 0) throw new SchemaInvalid(`${key} must be a non-empty array`);
    (v as readonly Value[]).forEach(checkSchema);
  }
  const required = schema.get('required');
  if (required !== undefined && (!Array.isArray(required) || !(required as readonly Value[]).every((x) => typeof x === 'string'))) {
    throw new SchemaInvalid('required must be an array of strings');
  }
}

interface Context {
  readonly path: string; // "(root)" or "(root).a.0"
  readonly errors: SchemaError[];
}

function field(path: string): string {
  return path === '(root)' ? path : path.replace(/^\(root\)\./, '');
}

function report(ctx: Context, options: { type: string; desc: string }): void {
  const name = field(ctx.path);
  ctx.errors.push({ error: `${name}: ${options.desc}`, type: options.type, field: name, desc: options.desc });
}

function jsonType(v: Value): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'string') return 'string';
  if (isNumber(v)) return toDecimal(v).isInteger() ? 'integer' : 'number';
  if (Array.isArray(v) || v instanceof RSet) return 'array';
  return 'object';
}

const numText = (v: Value): string => (isNumber(v) ? numberToString(v) : goMarshal(v));

function validate(schema: Value, value: Value, ctx: Context): void {
  if (schema === true) return;
  if (schema === false) {
    report(ctx, { type: 'false', desc: 'False always fails validation' });
    return;
  }
  const s = schema as RObject;
  for (const key of unsupported) if (s.has(key)) fail(`JSON schema keyword ${key} is not supported`);
  const types = typesOf(s);
  const given = jsonType(value);
  if (types.length > 0 && !types.includes(given) && !(given === 'integer' && types.includes('number'))) {
    const expected = types.length === 1 ? types[0]! : `[${types.join(',')}]`;
    report(ctx, { type: 'invalid_type', desc: `Invalid type. Expected: ${expected}, given: ${given}` });
    return;
  }
  validateCombinators(s, value, ctx);
  if (given === 'array') validateArray(s, value instanceof RSet ? value.sorted() : (value as readonly Value[]), ctx);
  if (given === 'object') validateObject(s, value as RObject, ctx);
  validateCommon(s, value, ctx);
  if (given === 'string') validateString(s, value as string, ctx);
  if (given === 'integer' || given === 'number') validateNumber(s, value, ctx);
  if (given === 'object') {
    const properties = s.get('properties');
    if (properties instanceof RObject) {
      for (const [name, sub] of properties.entries()) {
        const next = (value as RObject).get(name);
        if (next !== undefined) validate(sub, next, { path: `${ctx.path}.${typeof name === 'string' ? name : goMarshal(name)}`, errors: ctx.errors });
      }
    }
  }
}

function passes(schema: Value, value: Value, path: string): boolean {
  const errors: SchemaError[] = [];
  validate(schema, value, { path, errors });
  return errors.length === 0;
}

function validateCombinators(s: RObject, value: Value, ctx: Context): void {
  const list = (key: string): readonly Value[] => (s.get(key) as readonly Value[] | undefined) ?? [];
  if (s.has('anyOf') && !list('anyOf').some((sub) => passes(sub, value, ctx.path))) {
    report(ctx, { type: 'number_any_of', desc: 'Must validate at least one schema (anyOf)' });
  }
  if (s.has('oneOf') && list('oneOf').filter((sub) => passes(sub, value, ctx.path)).length !== 1) {
    report(ctx, { type: 'number_one_of', desc: 'Must validate one and only one schema (oneOf)' });
  }
  if (s.has('allOf')) {
    const before = ctx.errors.length;
    for (const sub of list('allOf')) validate(sub, value, ctx);
    if (ctx.errors.length > before) report(ctx, { type: 'number_all_of', desc: 'Must validate all the schemas (allOf)' });
  }
  const not = s.get('not');
  if (not !== undefined && passes(not, value, ctx.path)) report(ctx, { type: 'number_not', desc: 'Must not validate the schema (not)' });
}

function validateCommon(s: RObject, value: Value, ctx: Context): void {
  const constant = s.get('const');
  if (constant !== undefined && !equals(constant, value)) {
    report(ctx, { type: 'const', desc: `${field(ctx.path)} does not match: ${goMarshal(constant)}` });
  }
  const allowed = s.get('enum');
  if (Array.isArray(allowed) && !(allowed as readonly Value[]).some((x) => equals(x, value))) {
    const text = (allowed as readonly Value[]).map((x) => goMarshal(x)).join(', ');
    report(ctx, { type: 'enum', desc: `${field(ctx.path)} must be one of the following: ${text}` });
  }
}

function limit(s: RObject, key: string): number | undefined {
  const v = s.get(key);
  return isNumber(v ?? null) ? toDecimal(v as never).toNumber() : undefined;
}

function validateArray(s: RObject, items: readonly Value[], ctx: Context): void {
  const min = limit(s, 'minItems');
  if (min !== undefined && items.length < min) report(ctx, { type: 'array_min_items', desc: `Array must have at least ${min} items` });
  const max = limit(s, 'maxItems');
  if (max !== undefined && items.length > max) report(ctx, { type: 'array_max_items', desc: `Array must have at most ${max} items` });
  if (s.get('uniqueItems') === true) {
    outer: for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        if (equals(items[i]!, items[j]!)) {
          report(ctx, { type: 'unique', desc: `array items[${i},${j}] must be unique` });
          break outer;
        }
      }
    }
  }
  const schema = s.get('items');
  if (schema === undefined) return;
  items.forEach((item, i) => {
    const sub = Array.isArray(schema) ? (schema as readonly Value[])[i] : schema;
    if (sub !== undefined) validate(sub, item, { path: `${ctx.path}.${i}`, errors: ctx.errors });
  });
}

function validateObject(s: RObject, object: RObject, ctx: Context): void {
  const max = limit(s, 'maxProperties');
  if (max !== undefined && object.size > max) report(ctx, { type: 'array_max_properties', desc: `Must have at most ${max} properties` });
  const min = limit(s, 'minProperties');
  if (min !== undefined && object.size < min) report(ctx, { type: 'array_min_properties', desc: `Must have at least ${min} properties` });
  const required = s.get('required');
  if (Array.isArray(required)) {
    for (const name of required as readonly Value[]) {
      if (!object.has(name)) report(ctx, { type: 'required', desc: `${typeof name === 'string' ? name : goMarshal(name)} is required` });
    }
  }
  const additional = s.get('additionalProperties');
  if (additional === undefined || additional === true) return;
  const properties = s.get('properties');
  for (const key of object.sortedKeys()) {
    if (properties instanceof RObject && properties.has(key)) continue;
    const name = typeof key === 'string' ? key : goMarshal(key);
    if (additional === false) report(ctx, { type: 'additional_property_not_allowed', desc: `Additional property ${name} is not allowed` });
    else validate(additional, object.get(key)!, { path: `${ctx.path}.${name}`, errors: ctx.errors });
  }
}

function validateString(s: RObject, text: string, ctx: Context): void {
  const length = [...text].length;
  const min = limit(s, 'minLength');
  if (min !== undefined && length < min) report(ctx, { type: 'string_gte', desc: `String length must be greater than or equal to ${min}` });
  const max = limit(s, 'maxLength');
  if (max !== undefined && length > max) report(ctx, { type: 'string_lte', desc: `String length must be less than or equal to ${max}` });
  const pattern = s.get('pattern');
  if (typeof pattern === 'string' && !compileRegex(pattern).re2().match(text)) {
    report(ctx, { type: 'pattern', desc: `Does not match pattern '${pattern}'` });
  }
}

function validateNumber(s: RObject, value: Value, ctx: Context): void {
  const n = value as Parameters<typeof toDecimal>[0];
  const multiple = s.get('multipleOf');
  if (multiple !== undefined && isNumber(multiple) && !toDecimal(n).mod(toDecimal(multiple)).isZero()) {
    report(ctx, { type: 'multiple_of', desc: `Must be a multiple of ${numText(multiple)}` });
  }
  const bound = (key: string, exclusiveKey: string, upper: boolean): void => {
    const exclusive = s.get(exclusiveKey);
    const inclusive = s.get(key);
    // Draft 6+: exclusiveMaximum is a number; draft 4: a boolean modifying maximum.
    const strictLimit = isNumber(exclusive ?? null) ? exclusive! : exclusive === true ? inclusive : undefined;
    const looseLimit = exclusive === true ? undefined : inclusive;
    const word = upper ? 'less' : 'greater';
    if (strictLimit !== undefined && isNumber(strictLimit)) {
      const c = compare(n, strictLimit);
      if (upper ? c >= 0 : c <= 0) report(ctx, { type: upper ? 'number_lt' : 'number_gt', desc: `Must be ${word} than ${numText(strictLimit)}` });
    }
    if (looseLimit !== undefined && isNumber(looseLimit)) {
      const c = compare(n, looseLimit);
      if (upper ? c > 0 : c < 0) {
        report(ctx, { type: upper ? 'number_lte' : 'number_gte', desc: `Must be ${word} than or equal to ${numText(looseLimit)}` });
      }
    }
  };
  bound('maximum', 'exclusiveMaximum', true);
  bound('minimum', 'exclusiveMinimum', false);
}

function documentValue(v: Value): Value {
  if (typeof v !== 'string') return v;
  return parseJSON(v);
}

/** The JSON schema builtins. */
export const jsonSchema: BuiltinTable = {
  'json.verify_schema': [1, ([v]) => {
    try {
      checkSchema(schemaValue(v!, 1));
      return [true, null];
    } catch (error) {
      if (error instanceof SchemaInvalid) return [false, `jsonschema: ${error.message}`];
      throw error;
    }
  }],
  'json.match_schema': [2, ([document, schema]) => {
    let parsed: Value;
    try {
      parsed = schemaValue(schema!, 2);
      checkSchema(parsed);
    } catch (error) {
      if (error instanceof SchemaInvalid) fail(error.message);
      throw error;
    }
    const errors: SchemaError[] = [];
    validate(parsed, documentValue(document!), { path: '(root)', errors });
    return [errors.length === 0, errors.map((e) => new RObject(Object.entries(e)))];
  }],
};
