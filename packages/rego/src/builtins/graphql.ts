/**
 * GraphQL builtins (topdown/graphql.go): parse_query, parse_schema, parse, parse_and_verify,
 * is_valid and schema_is_valid. graphql-js parses and validates; errors are reworded to
 * gqlparser's texts ("Expected Name, found <EOF> in GraphQL string at location 1:13").
 */
import type { DefinitionNode, DocumentNode, GraphQLSchema, SelectionNode } from 'graphql';
import { buildASTSchema, GraphQLError, Kind, parse, validate, validateSchema } from 'graphql';
import type { Value } from '../value.ts';
import { RObject } from '../value.ts';
import type { BuiltinTable } from './define.ts';
import { BuiltinFailure, fail } from './failure.ts';
import { queryDocument, schemaDocument } from './graphql-ast.ts';
import { printQueryDocument, printSchemaDocument } from './graphql-print.ts';
import { stringArg, typeError } from './operands.ts';

/** Largest document accepted: parsing and validation are linear, but bound them anyway. */
const maxDocumentLength = 1 << 20;

function location(error: GraphQLError): string {
  const where = error.locations?.[0];
  return where === undefined ? '0:0' : `${where.line}:${where.column}`;
}

// graphql-js quotes punctuators ("}"), gqlparser does not; gqlparser's list parser reports an
// empty `{}` as "expected at least one definition".
function gqlparserWording(message: string, source: string, error: GraphQLError): { text: string; shift: number } {
  let text = message.replace(/^Syntax Error: /, '').replace(/\.$/, '');
  text = text.replace(/"([!$&()…:=@[\]{|}]|\.\.\.)"/g, '$1');
  text = text.replace(/^(Unexpected character|Invalid character|Unterminated string).*$/, 'Unexpected <Invalid>');
  text = text.replace(/^Unexpected variable "\$[^"]*" in constant value$/, 'Unexpected $');
  const where = error.positions?.[0];
  if (where !== undefined && /^Expected Name, found }$/.test(text) && /\{\s*$/.test(source.slice(0, where))) {
    text = 'expected at least one definition, found }';
  }
  if (where !== undefined && text.startsWith('Unexpected description')) {
    const block = source.startsWith('"""', where);
    const quoted = block ? /^"""([\s\S]*?)"""/.exec(source.slice(where)) : /^"((?:[^"\\\n]|\\.)*)"/.exec(source.slice(where));
    text = `Unexpected ${block ? 'BlockString' : 'String'} "${quoted?.[1] ?? ''}"`;
  }
  // gqlparser places a string token after its opening quote.
  return { text, shift: /^Unexpected (String|BlockString) /.test(text) ? 1 : 0 };
}

function locationAt(source: string, offset: number): string {
  const before = source.slice(0, offset).split(/\r\n|[\n\r]/);
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}

function parseError(error: unknown, source: string): never {
  if (!(error instanceof GraphQLError)) throw error;
  const { text, shift } = gqlparserWording(error.message, source, error);
  // gqlparser reports an unterminated string where the input ends.
  const where = /Unterminated string/.test(error.message) ? source.length : error.positions?.[0];
  const at = where === undefined ? location(error) : locationAt(source, where + shift);
  fail(`${text} in GraphQL string at location ${at}`);
}

const ignoredOnly = /^(?:[\s,\uFEFF]|#[^\n\r]*)*$/;

// gqlparser's list parser refuses empty selection sets ("{}"); graphql-js 17 accepts them.
function checkSelections(doc: DocumentNode, source: string): void {
  const visit = (set: { selections: readonly SelectionNode[]; loc?: { end: number } | undefined } | undefined): void => {
    if (set === undefined) return;
    if (set.selections.length === 0 && set.loc !== undefined) {
      fail(`expected at least one definition, found } in GraphQL string at location ${locationAt(source, set.loc.end - 1)}`);
    }
    for (const selection of set.selections) if (selection.kind !== Kind.FRAGMENT_SPREAD) visit(selection.selectionSet);
  };
  for (const definition of doc.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION || definition.kind === Kind.FRAGMENT_DEFINITION) visit(definition.selectionSet);
  }
}

function checkLength(source: string): void {
  if (source.length > maxDocumentLength) fail('GraphQL document too large');
}

const executable = new Set<string>([Kind.OPERATION_DEFINITION, Kind.FRAGMENT_DEFINITION]);

function firstToken(source: string, offset: number): string {
  const match = /^[_A-Za-z][_0-9A-Za-z]*/.exec(source.slice(offset));
  return match ? `Name "${match[0]}"` : (source[offset] ?? '<EOF>');
}

function parseDocument(source: string, kind: 'query' | 'schema'): DocumentNode {
  checkLength(source);
  if (ignoredOnly.test(source)) return { kind: Kind.DOCUMENT, definitions: [] };
  let doc: DocumentNode;
  try {
    doc = parse(source, { experimentalFragmentArguments: true });
  } catch (error) {
    parseError(error, source);
  }
  checkSelections(doc, source);
  for (const definition of doc.definitions) {
    if (executable.has(definition.kind) === (kind === 'query')) continue;
    const start = definition.loc?.start ?? 0;
    fail(`Unexpected ${firstToken(source, start)} in GraphQL string at location ${locationAt(source, start)}`);
  }
  return doc;
}

const extensionToDefinition: Partial<Record<string, DefinitionNode['kind']>> = {
  [Kind.OBJECT_TYPE_EXTENSION]: Kind.OBJECT_TYPE_DEFINITION,
  [Kind.INTERFACE_TYPE_EXTENSION]: Kind.INTERFACE_TYPE_DEFINITION,
  [Kind.UNION_TYPE_EXTENSION]: Kind.UNION_TYPE_DEFINITION,
  [Kind.ENUM_TYPE_EXTENSION]: Kind.ENUM_TYPE_DEFINITION,
  [Kind.INPUT_OBJECT_TYPE_EXTENSION]: Kind.INPUT_OBJECT_TYPE_DEFINITION,
  [Kind.SCALAR_TYPE_EXTENSION]: Kind.SCALAR_TYPE_DEFINITION,
};

// gqlparser's schema loader creates a type that is only ever extended; graphql-js refuses.
function defineExtendedTypes(doc: DocumentNode): DocumentNode {
  const defined = new Set<string>(['String', 'Int', 'Float', 'Boolean', 'ID']);
  for (const d of doc.definitions) if ('name' in d && d.name !== undefined && !(d.kind in extensionToDefinition)) defined.add(d.name.value);
  const definitions = doc.definitions.map((d): DefinitionNode => {
    const kind = extensionToDefinition[d.kind];
    if (kind === undefined || !('name' in d) || d.name === undefined || defined.has(d.name.value)) return d;
    defined.add(d.name.value);
    return { ...d, kind } as DefinitionNode;
  });
  return { ...doc, definitions };
}

function buildSchema(doc: DocumentNode): GraphQLSchema {
  const prepared = defineExtendedTypes(doc);
  let schema: GraphQLSchema;
  try {
    schema = buildASTSchema(prepared);
  } catch (error) {
    if (error instanceof Error) fail(error.message.split('\n')[0]!);
    throw error;
  }
  // gqlparser does not require a Query root type.
  const errors = validateSchema(schema).filter((e) => !/Query root type must be provided/.test(e.message));
  if (errors.length > 0) fail(errors[0]!.message);
  // Already validated above (minus the root-type rule): let query validation proceed without it.
  return buildASTSchema(prepared, { assumeValid: true, assumeValidSDL: true });
}

// OPA also accepts the AST objects graphql.parse_* return: print them back to GraphQL text.
function documentArg(v: Value, kind: 'query' | 'schema', pos: number): DocumentNode {
  if (typeof v === 'string') return parseDocument(v, kind);
  if (v instanceof RObject) return parseDocument(kind === 'query' ? printQueryDocument(v) : printSchemaDocument(v), kind);
  throw typeError(pos, v, 'string', 'object');
}

function validateQuery(schema: GraphQLSchema, query: DocumentNode): void {
  const errors = validate(schema, query);
  const first = errors[0];
  if (first === undefined) return;
  // graphql-js 17 words this rule differently from gqlparser (and graphql-js 16).
  const text = first.message.replace(/\.$/, '').replace(
    /^Argument "[^".]+\.([^"(]+)\(([^:"]+):\)" of type/,
    'Field "$1" argument "$2" of type',
  );
  fail(`${text} in GraphQL string at location ${location(first)}`);
}

function parseBoth(args: readonly Value[]): [DocumentNode, DocumentNode] {
  const query = documentArg(args[0]!, 'query', 1);
  const schemaDoc = documentArg(args[1]!, 'schema', 2);
  validateQuery(buildSchema(schemaDoc), query);
  return [query, schemaDoc];
}

function succeeds(f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch (error) {
    if (error instanceof BuiltinFailure) return false;
    if (error instanceof Error && error.name === 'OperandError') return false;
    throw error;
  }
}

/** The GraphQL builtins. */
export const graphql: BuiltinTable = {
  'graphql.parse_query': [1, (args) => queryDocument(parseDocument(stringArg(args, 1), 'query'))],
  'graphql.parse_schema': [1, (args) => schemaDocument(parseDocument(stringArg(args, 1), 'schema'))],
  'graphql.parse': [2, (args) => {
    const [query, schema] = parseBoth(args);
    return [queryDocument(query), schemaDocument(schema)];
  }],
  'graphql.parse_and_verify': [2, (args) => {
    let parsed: [DocumentNode, DocumentNode] | undefined;
    if (!succeeds(() => (parsed = parseBoth(args))) || parsed === undefined) return [false, new RObject(), new RObject()];
    return [true, queryDocument(parsed[0]), schemaDocument(parsed[1])];
  }],
  'graphql.is_valid': [2, (args) => succeeds(() => parseBoth(args))],
  'graphql.schema_is_valid': [1, ([v]) => succeeds(() => buildSchema(documentArg(v!, 'schema', 1)))],
};
