/**
 * Maps graphql-js documents to the JSON shape of vektah/gqlparser's AST that OPA returns
 * from graphql.parse_* (field names as the Go structs, positions dropped, null and empty
 * values pruned, as OPA's pruneIrrelevantGraphQLASTNodes does).
 */
import type {
  ConstDirectiveNode, DefinitionNode, DirectiveNode, DocumentNode, FieldDefinitionNode, InputValueDefinitionNode,
  SelectionNode, TypeNode, ValueNode, VariableDefinitionNode,
} from 'graphql';
import { Kind } from 'graphql';
import type { Value } from '../value.ts';
import { fromJSON } from '../value.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

// gqlparser's ast.ValueKind numbering.
const valueKinds: Record<string, number> = {
  [Kind.VARIABLE]: 0, [Kind.INT]: 1, [Kind.FLOAT]: 2, [Kind.STRING]: 3, [Kind.BOOLEAN]: 5,
  [Kind.NULL]: 6, [Kind.ENUM]: 7, [Kind.LIST]: 8, [Kind.OBJECT]: 9,
};

function value(node: ValueNode | undefined): Json {
  if (node === undefined) return null;
  switch (node.kind) {
    case Kind.VARIABLE:
      return { Raw: node.name.value, Kind: 0 };
    case Kind.INT:
    case Kind.FLOAT:
    case Kind.ENUM:
      return { Raw: node.value, Kind: valueKinds[node.kind]! };
    case Kind.STRING:
      return { Raw: node.value, Kind: node.block === true ? 4 : 3 };
    case Kind.BOOLEAN:
      return { Raw: node.value ? 'true' : 'false', Kind: 5 };
    case Kind.NULL:
      return { Raw: 'null', Kind: 6 };
    case Kind.LIST:
      return { Raw: '', Kind: 8, Children: node.values.map((v) => ({ Name: '', Value: value(v) })) };
    case Kind.OBJECT:
      return { Raw: '', Kind: 9, Children: node.fields.map((f) => ({ Name: f.name.value, Value: value(f.value) })) };
  }
}

function type(node: TypeNode): Json {
  switch (node.kind) {
    case Kind.NAMED_TYPE:
      return { NamedType: node.name.value, NonNull: false };
    case Kind.LIST_TYPE:
      return { NamedType: '', Elem: type(node.type), NonNull: false };
    case Kind.NON_NULL_TYPE:
      return { ...(type(node.type) as Record<string, Json>), NonNull: true };
  }
}

function directives(list: readonly (DirectiveNode | ConstDirectiveNode)[] | undefined): Json {
  return (list ?? []).map((d) => ({
    Name: d.name.value,
    Location: '',
    Arguments: (d.arguments ?? []).map((a) => ({ Name: a.name.value, Value: value(a.value) })),
  }));
}

function argumentDefinition(node: InputValueDefinitionNode): Json {
  return {
    Description: node.description?.value ?? '',
    Name: node.name.value,
    DefaultValue: value(node.defaultValue),
    Type: type(node.type),
    Directives: directives(node.directives),
  };
}

function fieldDefinition(node: FieldDefinitionNode | InputValueDefinitionNode): Json {
  return {
    Description: node.description?.value ?? '',
    Name: node.name.value,
    Arguments: 'arguments' in node ? (node.arguments ?? []).map(argumentDefinition) : [],
    DefaultValue: 'defaultValue' in node ? value(node.defaultValue) : null,
    Type: type(node.type),
    Directives: directives(node.directives),
  };
}

function typeDefinition(node: DefinitionNode): { extension: boolean; json: Json } | undefined {
  const base = (kind: string, n: { name: { value: string }; description?: { value: string } | undefined }): Record<string, Json> => ({
    Kind: kind, Description: n.description?.value ?? '', Name: n.name.value, BuiltIn: false,
  });
  switch (node.kind) {
    case Kind.OBJECT_TYPE_DEFINITION:
    case Kind.OBJECT_TYPE_EXTENSION:
    case Kind.INTERFACE_TYPE_DEFINITION:
    case Kind.INTERFACE_TYPE_EXTENSION: {
      const object = node.kind === Kind.OBJECT_TYPE_DEFINITION || node.kind === Kind.OBJECT_TYPE_EXTENSION;
      return {
        extension: node.kind === Kind.OBJECT_TYPE_EXTENSION || node.kind === Kind.INTERFACE_TYPE_EXTENSION,
        json: {
          ...base(object ? 'OBJECT' : 'INTERFACE', node),
          Interfaces: (node.interfaces ?? []).map((i) => i.name.value),
          Fields: (node.fields ?? []).map(fieldDefinition),
          Directives: directives(node.directives),
        },
      };
    }
    case Kind.UNION_TYPE_DEFINITION:
    case Kind.UNION_TYPE_EXTENSION:
      return {
        extension: node.kind === Kind.UNION_TYPE_EXTENSION,
        json: { ...base('UNION', node), Types: (node.types ?? []).map((t) => t.name.value), Directives: directives(node.directives) },
      };
    case Kind.ENUM_TYPE_DEFINITION:
    case Kind.ENUM_TYPE_EXTENSION:
      return {
        extension: node.kind === Kind.ENUM_TYPE_EXTENSION,
        json: {
          ...base('ENUM', node),
          EnumValues: (node.values ?? []).map((v) => ({
            Description: v.description?.value ?? '', Name: v.name.value, Directives: directives(v.directives),
          })),
          Directives: directives(node.directives),
        },
      };
    case Kind.INPUT_OBJECT_TYPE_DEFINITION:
    case Kind.INPUT_OBJECT_TYPE_EXTENSION:
      return {
        extension: node.kind === Kind.INPUT_OBJECT_TYPE_EXTENSION,
        json: { ...base('INPUT_OBJECT', node), Fields: (node.fields ?? []).map(fieldDefinition), Directives: directives(node.directives) },
      };
    case Kind.SCALAR_TYPE_DEFINITION:
    case Kind.SCALAR_TYPE_EXTENSION:
      return {
        extension: node.kind === Kind.SCALAR_TYPE_EXTENSION,
        json: { ...base('SCALAR', node), Directives: directives(node.directives) },
      };
    case Kind.DIRECTIVE_DEFINITION:
    case Kind.DIRECTIVE_EXTENSION:
    case Kind.FRAGMENT_DEFINITION:
    case Kind.OPERATION_DEFINITION:
    case Kind.SCHEMA_DEFINITION:
    case Kind.SCHEMA_EXTENSION:
      return undefined;
  }
}

/** gqlparser's SchemaDocument for a parsed SDL document. */
export function schemaDocument(doc: DocumentNode): Value {
  const out: Record<string, Json[]> = { Schema: [], SchemaExtension: [], Directives: [], Definitions: [], Extensions: [] };
  for (const node of doc.definitions) {
    if (node.kind === Kind.SCHEMA_DEFINITION || node.kind === Kind.SCHEMA_EXTENSION) {
      const json = {
        Description: node.kind === Kind.SCHEMA_DEFINITION ? (node.description?.value ?? '') : '',
        Directives: directives(node.directives),
        OperationTypes: (node.operationTypes ?? []).map((o) => ({ Operation: o.operation, Type: o.type.name.value })),
      };
      out[node.kind === Kind.SCHEMA_DEFINITION ? 'Schema' : 'SchemaExtension']!.push(json);
    } else if (node.kind === Kind.DIRECTIVE_DEFINITION) {
      out['Directives']!.push({
        Description: node.description?.value ?? '',
        Name: node.name.value,
        Arguments: (node.arguments ?? []).map(argumentDefinition),
        Locations: node.locations.map((l) => l.value),
        IsRepeatable: node.repeatable,
      });
    } else {
      const definition = typeDefinition(node);
      if (definition !== undefined) out[definition.extension ? 'Extensions' : 'Definitions']!.push(definition.json);
    }
  }
  return fromJSON(prune(out));
}

function variableDefinition(node: VariableDefinitionNode): Json {
  return {
    Variable: node.variable.name.value,
    Type: type(node.type),
    DefaultValue: value(node.defaultValue),
    Directives: directives(node.directives),
    Used: false,
  };
}

function selections(list: readonly SelectionNode[] | undefined): Json {
  return (list ?? []).map((node): Json => {
    switch (node.kind) {
      case Kind.FIELD:
        return {
          Alias: (node.alias ?? node.name).value,
          Name: node.name.value,
          Arguments: (node.arguments ?? []).map((a) => ({ Name: a.name.value, Value: value(a.value) })),
          Directives: directives(node.directives),
          SelectionSet: selections(node.selectionSet?.selections),
        };
      case Kind.FRAGMENT_SPREAD:
        return { Name: node.name.value, Directives: directives(node.directives) };
      case Kind.INLINE_FRAGMENT:
        return {
          TypeCondition: node.typeCondition?.name.value ?? '',
          Directives: directives(node.directives),
          SelectionSet: selections(node.selectionSet.selections),
        };
    }
  });
}

/** gqlparser's QueryDocument for a parsed executable document. */
export function queryDocument(doc: DocumentNode): Value {
  const out: Record<string, Json[]> = { Operations: [], Fragments: [] };
  for (const node of doc.definitions) {
    if (node.kind === Kind.OPERATION_DEFINITION) {
      out['Operations']!.push({
        Operation: node.operation,
        Name: node.name?.value ?? '',
        VariableDefinitions: (node.variableDefinitions ?? []).map(variableDefinition),
        Directives: directives(node.directives),
        SelectionSet: selections(node.selectionSet.selections),
      });
    } else if (node.kind === Kind.FRAGMENT_DEFINITION) {
      out['Fragments']!.push({
        Name: node.name.value,
        VariableDefinition: (node.variableDefinitions ?? []).map(variableDefinition),
        TypeCondition: node.typeCondition.name.value,
        Directives: directives(node.directives),
        SelectionSet: selections(node.selectionSet.selections),
      });
    }
  }
  return fromJSON(prune(out));
}

/** OPA's pruning: drop nulls and (recursively) empty arrays and objects. */
function prune(v: Json): Json {
  if (Array.isArray(v)) {
    const out: Json[] = [];
    for (const x of v) {
      if (x === null) continue;
      const p = prune(x);
      if (typeof p === 'object' && p !== null && (Array.isArray(p) ? p.length === 0 : Object.keys(p).length === 0)) continue;
      out.push(p);
    }
    return out;
  }
  if (typeof v === 'object' && v !== null) {
    const out: { [key: string]: Json } = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === null) continue;
      const p = prune(x);
      if (typeof p === 'object' && p !== null && (Array.isArray(p) ? p.length === 0 : Object.keys(p).length === 0)) continue;
      out[k] = p;
    }
    return out;
  }
  return v;
}
