/**
 * Prints a gqlparser-shaped AST object (as graphql.parse_* return them) back to GraphQL
 * text, so the GraphQL builtins accept AST objects as OPA does: the text then goes through
 * the same parser and validator as a document string.
 */
import type { Value } from '../value.ts';
import { toJSON } from '../value.ts';

type Node = Record<string, unknown>;

const list = (v: unknown): Node[] => (Array.isArray(v) ? (v as Node[]) : []);
const text = (v: unknown): string => (typeof v === 'string' ? v : '');

function block(description: unknown): string {
  const d = text(description);
  return d === '' ? '' : `"""${d.replaceAll('"""', '\\"""')}"""\n`;
}

function type(node: unknown): string {
  const t = (node ?? {}) as Node;
  const base = text(t['NamedType']) !== '' ? text(t['NamedType']) : `[${type(t['Elem'])}]`;
  return t['NonNull'] === true ? `${base}!` : base;
}

function value(node: unknown): string {
  const v = (node ?? {}) as Node;
  const raw = text(v['Raw']);
  switch (v['Kind']) {
    case 0:
      return `$${raw}`;
    case 3:
      return JSON.stringify(raw);
    case 4:
      return block(raw).trimEnd();
    case 6:
      return 'null';
    case 8:
      return `[${list(v['Children']).map((c) => value(c['Value'])).join(', ')}]`;
    case 9:
      return `{${list(v['Children']).map((c) => `${text(c['Name'])}: ${value(c['Value'])}`).join(', ')}}`;
    default:
      return raw;
  }
}

function directives(v: unknown): string {
  return list(v).map((d) => ` @${text(d['Name'])}${args(d['Arguments'])}`).join('');
}

function args(v: unknown): string {
  const items = list(v);
  return items.length === 0 ? '' : `(${items.map((a) => `${text(a['Name'])}: ${value(a['Value'])}`).join(', ')})`;
}

function inputValues(v: unknown): string {
  const items = list(v).map((a) => {
    const fallback = a['DefaultValue'] === undefined ? '' : ` = ${value(a['DefaultValue'])}`;
    return `${block(a['Description'])}${text(a['Name'])}: ${type(a['Type'])}${fallback}${directives(a['Directives'])}`;
  });
  return items.length === 0 ? '' : `(${items.join(', ')})`;
}

function fields(v: unknown, input: boolean): string {
  const items = list(v).map((f) => {
    const fallback = f['DefaultValue'] === undefined ? '' : ` = ${value(f['DefaultValue'])}`;
    const argumentList = input ? '' : inputValues(f['Arguments']);
    return `  ${block(f['Description'])}${text(f['Name'])}${argumentList}: ${type(f['Type'])}${fallback}${directives(f['Directives'])}`;
  });
  return items.length === 0 ? '' : ` {\n${items.join('\n')}\n}`;
}

const keywords: Record<string, string> = {
  OBJECT: 'type', INTERFACE: 'interface', UNION: 'union', ENUM: 'enum', INPUT_OBJECT: 'input', SCALAR: 'scalar',
};

function definition(d: Node, extension: boolean): string {
  const kind = text(d['Kind']);
  const keyword = keywords[kind] ?? 'type';
  let out = `${extension ? 'extend ' : block(d['Description'])}${keyword} ${text(d['Name'])}`;
  const interfaces = list(d['Interfaces']) as unknown as string[];
  if (interfaces.length > 0) out += ` implements ${interfaces.join(' & ')}`;
  out += directives(d['Directives']);
  if (kind === 'UNION') {
    const members = list(d['Types']) as unknown as string[];
    if (members.length > 0) out += ` = ${members.join(' | ')}`;
  } else if (kind === 'ENUM') {
    const values = list(d['EnumValues']).map((e) => `  ${block(e['Description'])}${text(e['Name'])}${directives(e['Directives'])}`);
    if (values.length > 0) out += ` {\n${values.join('\n')}\n}`;
  } else if (kind !== 'SCALAR') out += fields(d['Fields'], kind === 'INPUT_OBJECT');
  return out;
}

function schemaBlock(s: Node, extension: boolean): string {
  const operations = list(s['OperationTypes']).map((o) => `  ${text(o['Operation'])}: ${text(o['Type'])}`);
  const body = operations.length === 0 ? '' : ` {\n${operations.join('\n')}\n}`;
  return `${extension ? 'extend ' : block(s['Description'])}schema${directives(s['Directives'])}${body}`;
}

/** GraphQL SDL text for a gqlparser SchemaDocument object. */
export function printSchemaDocument(v: Value): string {
  const doc = toJSON(v) as Node;
  return [
    ...list(doc['Schema']).map((s) => schemaBlock(s, false)),
    ...list(doc['SchemaExtension']).map((s) => schemaBlock(s, true)),
    ...list(doc['Directives']).map((d) => {
      const repeatable = d['IsRepeatable'] === true ? ' repeatable' : '';
      const locations = (list(d['Locations']) as unknown as string[]).join(' | ');
      return `${block(d['Description'])}directive @${text(d['Name'])}${inputValues(d['Arguments'])}${repeatable} on ${locations}`;
    }),
    ...list(doc['Definitions']).map((d) => definition(d, false)),
    ...list(doc['Extensions']).map((d) => definition(d, true)),
  ].join('\n\n');
}

function selections(v: unknown): string {
  const items = list(v).map((s): string => {
    if ('Alias' in s) {
      const alias = text(s['Alias']) !== text(s['Name']) && text(s['Alias']) !== '' ? `${text(s['Alias'])}: ` : '';
      return `${alias}${text(s['Name'])}${args(s['Arguments'])}${directives(s['Directives'])}${selections(s['SelectionSet'])}`;
    }
    if ('Name' in s) return `...${text(s['Name'])}${directives(s['Directives'])}`;
    const condition = text(s['TypeCondition']) === '' ? '' : ` on ${text(s['TypeCondition'])}`;
    return `...${condition}${directives(s['Directives'])}${selections(s['SelectionSet'])}`;
  });
  return items.length === 0 ? '' : ` { ${items.join(' ')} }`;
}

function variables(v: unknown): string {
  const items = list(v).map((d) => {
    const fallback = d['DefaultValue'] === undefined ? '' : ` = ${value(d['DefaultValue'])}`;
    return `$${text(d['Variable'])}: ${type(d['Type'])}${fallback}${directives(d['Directives'])}`;
  });
  return items.length === 0 ? '' : `(${items.join(', ')})`;
}

/** GraphQL query text for a gqlparser QueryDocument object. */
export function printQueryDocument(v: Value): string {
  const doc = toJSON(v) as Node;
  return [
    ...list(doc['Operations']).map((o) => {
      const name = text(o['Name']);
      const operation = text(o['Operation']) === '' ? 'query' : text(o['Operation']);
      return `${operation}${name === '' ? '' : ` ${name}`}${variables(o['VariableDefinitions'])}${directives(o['Directives'])}${selections(o['SelectionSet'])}`;
    }),
    ...list(doc['Fragments']).map((f) =>
      `fragment ${text(f['Name'])}${variables(f['VariableDefinition'])} on ${text(f['TypeCondition'])}${directives(f['Directives'])}${selections(f['SelectionSet'])}`),
  ].join('\n');
}
