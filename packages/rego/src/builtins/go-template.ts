/**
 * A subset of Go's text/template for strings.render_template, executed with
 * `missingkey=error` over JSON data (numbers are float64, as OPA's ast.As round trip makes
 * them). Supported: text, comments, trim markers, fields, variables, pipelines, if / else if /
 * else, range (arrays and maps, with index/key variables, else), with, and the functions
 * and, or, not, len, index, eq, ne, lt, le, gt, ge, print, printf, println. Anything else is
 * an error — never a silently different rendering.
 */
import { fail } from './failure.ts';
import type { GoArg } from './go-sprintf.ts';
import { formatFloatShortest, goSprintf } from './go-sprintf.ts';

type Data = null | boolean | number | string | Data[] | { [key: string]: Data };

type Arg =
  | { k: 'dot'; chain: string[] }
  | { k: 'field'; chain: string[] }
  | { k: 'var'; name: string; chain: string[] }
  | { k: 'lit'; value: Data }
  | { k: 'ident'; name: string }
  | { k: 'pipe'; pipe: Pipeline; chain: string[] };

interface Pipeline {
  decl: string[];
  assign: boolean;
  cmds: Arg[][];
}

type Node =
  | { k: 'text'; text: string }
  | { k: 'action'; pipe: Pipeline }
  | { k: 'if' | 'with' | 'range'; pipe: Pipeline; list: Node[]; elseList: Node[] };

const bad = (message: string): never => fail(`template: template: ${message}`);

// ---- lexing of one action ----------------------------------------------------------------

function tokenize(action: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < action.length) {
    const c = action[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = action.slice(i);
    const match =
      /^"(?:[^"\\]|\\.)*"/.exec(rest) ?? /^`[^`]*`/.exec(rest) ?? /^:=/.exec(rest) ??
      /^[-+]?(?:0x[0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+)/.exec(rest) ??
      /^\$[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*/.exec(rest) ?? /^(?:\.[A-Za-z0-9_]+)+/.exec(rest) ??
      /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*/.exec(rest) ?? /^[.|(),=]/.exec(rest);
    if (match === null) return bad(`unexpected ${JSON.stringify(c)} in command`);
    tokens.push(match[0]);
    i += match[0].length;
  }
  return tokens;
}

function parseString(token: string): string {
  if (token.startsWith('`')) return token.slice(1, -1);
  try {
    return JSON.parse(token) as string;
  } catch {
    return bad(`malformed string ${token}`);
  }
}

function parseArg(tokens: string[], at: { i: number }): Arg {
  const t = tokens[at.i++];
  if (t === undefined) return bad('missing value for command');
  if (t === '(') {
    const pipe = parsePipeline(tokens, at, ')');
    if (tokens[at.i++] !== ')') bad('unclosed left paren');
    const chain: string[] = [];
    while (tokens[at.i]?.startsWith('.') === true && tokens[at.i] !== '.') chain.push(...tokens[at.i++]!.split('.').slice(1));
    return { k: 'pipe', pipe, chain };
  }
  if (t === '.') return { k: 'dot', chain: [] };
  if (t.startsWith('.')) return { k: 'field', chain: t.split('.').slice(1) };
  if (t.startsWith('$')) {
    const [name, ...chain] = t.split('.');
    return { k: 'var', name: name!, chain };
  }
  if (t.startsWith('"') || t.startsWith('`')) return { k: 'lit', value: parseString(t) };
  if (/^[-+]?[0-9.]/.test(t)) return { k: 'lit', value: Number(t) };
  if (t === 'true' || t === 'false') return { k: 'lit', value: t === 'true' };
  if (t === 'nil') return { k: 'lit', value: null };
  if (/^[A-Za-z_]/.test(t)) return { k: 'ident', name: t };
  return bad(`unexpected ${JSON.stringify(t)} in operand`);
}

function parsePipeline(tokens: string[], at: { i: number }, stop?: string): Pipeline {
  const pipe: Pipeline = { decl: [], assign: false, cmds: [] };
  // Declarations: $x := ..., $i, $v := ..., $x = ...
  const declEnd = tokens.findIndex((t, j) => j >= at.i && (t === ':=' || t === '='));
  if (declEnd >= 0 && tokens.slice(at.i, declEnd).every((t) => t === ',' || /^\$[A-Za-z0-9_]*$/.test(t))) {
    pipe.decl = tokens.slice(at.i, declEnd).filter((t) => t !== ',');
    pipe.assign = tokens[declEnd] === '=';
    at.i = declEnd + 1;
  }
  let cmd: Arg[] = [];
  while (at.i < tokens.length && tokens[at.i] !== stop) {
    if (tokens[at.i] === '|') {
      at.i++;
      if (cmd.length === 0) bad('missing command');
      pipe.cmds.push(cmd);
      cmd = [];
      continue;
    }
    cmd.push(parseArg(tokens, at));
  }
  if (cmd.length > 0) pipe.cmds.push(cmd);
  if (pipe.cmds.length === 0) bad('missing value for command');
  return pipe;
}

// ---- parsing of the template into a tree -------------------------------------------------

interface Item {
  kind: 'text' | 'action';
  text: string;
}

function scan(source: string): Item[] {
  const items: Item[] = [];
  let i = 0;
  let trimNext = false;
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    let text = source.slice(i, open < 0 ? source.length : open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open < 0) {
      if (text !== '') items.push({ kind: 'text', text });
      break;
    }
    const trimLeft = source.startsWith('{{- ', open) || source.startsWith('{{-\t', open) || source.startsWith('{{-\n', open);
    if (trimLeft) text = text.replace(/\s+$/, '');
    if (text !== '') items.push({ kind: 'text', text });
    const close = source.indexOf('}}', open + 2);
    if (close < 0) bad('unclosed action');
    let inner = source.slice(open + 2, close);
    trimNext = / -$|\t-$|\n-$/.test(inner);
    if (trimLeft) inner = inner.slice(2);
    if (trimNext) inner = inner.slice(0, -2);
    if (!/^\s*\/\*[\s\S]*\*\/\s*$/.test(inner)) items.push({ kind: 'action', text: inner.trim() });
    i = close + 2;
  }
  return items;
}

function parseList(items: Item[], at: { i: number }, ends: readonly string[]): { list: Node[]; end: string } {
  const list: Node[] = [];
  while (at.i < items.length) {
    const item = items[at.i++]!;
    if (item.kind === 'text') {
      list.push({ k: 'text', text: item.text });
      continue;
    }
    const keyword = /^[a-z]+/.exec(item.text)?.[0] ?? '';
    if (keyword === 'end' || keyword === 'else') {
      if (!ends.includes(keyword)) bad(`unexpected {{${keyword}}}`);
      if (keyword === 'else') at.i--;
      return { list, end: keyword };
    }
    if (keyword === 'if' || keyword === 'with' || keyword === 'range') {
      list.push(parseControl(keyword, item.text.slice(keyword.length), { items, at }));
      continue;
    }
    if (['define', 'template', 'block', 'break', 'continue'].includes(keyword)) bad(`{{${keyword}}} is not supported`);
    const tokens = tokenize(item.text);
    list.push({ k: 'action', pipe: parsePipeline(tokens, { i: 0 }) });
  }
  if (ends.length > 0) bad('unexpected EOF');
  return { list, end: '' };
}

function parseControl(kind: 'if' | 'with' | 'range', rest: string, state: { items: Item[]; at: { i: number } }): Node {
  const pipe = parsePipeline(tokenize(rest), { i: 0 });
  const body = parseList(state.items, state.at, ['end', 'else']);
  let elseList: Node[] = [];
  if (body.end === 'else') {
    const elseItem = state.items[state.at.i++]!;
    const chained = elseItem.text.replace(/^else\s*/, '');
    if (chained.startsWith('if') || chained.startsWith('with')) {
      const nested = chained.startsWith('if') ? 'if' : 'with';
      elseList = [parseControl(nested, chained.slice(nested.length), state)];
    } else {
      elseList = parseList(state.items, state.at, ['end']).list;
    }
  }
  return { k: kind, pipe, list: body.list, elseList };
}

// ---- execution ---------------------------------------------------------------------------

interface Scope {
  dot: Data;
  vars: Map<string, Data>;
}

function field(value: Data, name: string): Data {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    if (!Object.hasOwn(value, name)) bad(`executing "template": map has no entry for key ${JSON.stringify(name)}`);
    return value[name]!;
  }
  return bad(`executing "template": can't evaluate field ${name} in type ${goKind(value)}`);
}

function goKind(value: Data): string {
  if (value === null) return 'interface {}';
  if (Array.isArray(value)) return '[]interface {}';
  if (typeof value === 'object') return 'map[string]interface {}';
  return typeof value === 'number' ? 'float64' : typeof value === 'boolean' ? 'bool' : 'string';
}

function truthy(value: Data): boolean {
  if (value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** Go's fmt %v rendering of JSON data. */
function show(value: Data): string {
  if (value === null) return '<nil>';
  if (typeof value === 'number') return formatFloatShortest(value);
  if (typeof value === 'string' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(show).join(' ')}]`;
  return `map[${Object.keys(value).sort().map((k) => `${k}:${show(value[k]!)}`).join(' ')}]`;
}

function compare(a: Data, b: Data): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return bad('executing "template": incompatible types for comparison');
}

function equal(a: Data, b: Data): boolean {
  if (typeof a === 'object' || typeof b === 'object') {
    if (a === null && b === null) return true;
    return bad('executing "template": error calling eq: non-comparable type');
  }
  if (typeof a !== typeof b) bad('executing "template": error calling eq: incompatible types for comparison');
  return a === b;
}

function goArg(value: Data): GoArg {
  if (typeof value === 'number') return { kind: 'float', value };
  return { kind: 'string', value: typeof value === 'string' ? value : show(value) };
}

function callFunction(name: string, args: Data[]): Data {
  switch (name) {
    case 'and':
      return args.find((a) => !truthy(a)) ?? args[args.length - 1] ?? bad('wrong number of args for and');
    case 'or':
      return args.find((a) => truthy(a)) ?? args[args.length - 1] ?? bad('wrong number of args for or');
    case 'not':
      return !truthy(args[0] ?? null);
    case 'len': {
      const v = args[0] ?? null;
      if (typeof v === 'string') return Buffer.byteLength(v, 'utf8');
      if (Array.isArray(v)) return v.length;
      if (typeof v === 'object' && v !== null) return Object.keys(v).length;
      return bad(`executing "template": error calling len: len of type ${goKind(v)}`);
    }
    case 'index': {
      let v = args[0] ?? null;
      for (const key of args.slice(1)) {
        if (Array.isArray(v) && typeof key === 'number' && Number.isInteger(key) && key >= 0 && key < v.length) v = v[key]!;
        else if (typeof v === 'object' && v !== null && !Array.isArray(v) && typeof key === 'string') v = Object.hasOwn(v, key) ? v[key]! : null;
        else return bad('executing "template": error calling index: index out of range');
      }
      return v;
    }
    case 'eq':
      return args.slice(1).some((b) => equal(args[0] ?? null, b));
    case 'ne':
      return !equal(args[0] ?? null, args[1] ?? null);
    case 'lt':
      return compare(args[0] ?? null, args[1] ?? null) < 0;
    case 'le':
      return compare(args[0] ?? null, args[1] ?? null) <= 0;
    case 'gt':
      return compare(args[0] ?? null, args[1] ?? null) > 0;
    case 'ge':
      return compare(args[0] ?? null, args[1] ?? null) >= 0;
    case 'print':
      return args.map((a, i) => (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string' ? ' ' : '') + show(a)).join('');
    case 'println':
      return args.map(show).join(' ') + '\n';
    case 'printf':
      if (typeof args[0] !== 'string') return bad('executing "template": printf format must be a string');
      return goSprintf(args[0], args.slice(1).map(goArg));
    default:
      return bad(`function ${JSON.stringify(name)} not defined`);
  }
}

function evalArg(arg: Arg, scope: Scope): Data {
  const follow = (start: Data, chain: readonly string[]): Data => chain.reduce<Data>((v, name) => field(v, name), start);
  switch (arg.k) {
    case 'dot':
      return scope.dot;
    case 'field':
      return follow(scope.dot, arg.chain);
    case 'var': {
      if (!scope.vars.has(arg.name)) bad(`undefined variable: ${arg.name}`);
      return follow(scope.vars.get(arg.name)!, arg.chain);
    }
    case 'lit':
      return arg.value;
    case 'ident':
      return callFunction(arg.name, []);
    case 'pipe':
      return follow(evalPipeline(arg.pipe, scope), arg.chain);
  }
}

function evalPipeline(pipe: Pipeline, scope: Scope): Data {
  let result: Data | undefined;
  for (const cmd of pipe.cmds) {
    const [head, ...rest] = cmd;
    const extra = result === undefined ? [] : [result];
    if (head!.k === 'ident') result = callFunction(head!.name, [...rest.map((a) => evalArg(a, scope)), ...extra]);
    else {
      if (rest.length > 0 || extra.length > 0) bad(`can't give argument to non-function`);
      result = evalArg(head!, scope);
    }
  }
  const value = result ?? null;
  if (pipe.decl.length === 1) {
    if (pipe.assign && !scope.vars.has(pipe.decl[0]!)) bad(`undefined variable: ${pipe.decl[0]!}`);
    scope.vars.set(pipe.decl[0]!, value);
  }
  return value;
}

/** Limit on rendered output, so a template cannot expand without bound. */
const maxOutput = 1 << 22;

/** Rendered text plus the work budget that keeps nested ranges from running unbounded. */
interface Output {
  readonly parts: string[];
  size: number;
  steps: number;
}

const maxSteps = 1_000_000;

function emit(out: Output, text: string): void {
  out.size += text.length;
  if (out.size > maxOutput) fail('rendered template too large');
  out.parts.push(text);
}

function execute(list: readonly Node[], scope: Scope, out: Output): void {
  if (++out.steps > maxSteps) fail('template execution exceeded its step budget');
  for (const node of list) {
    switch (node.k) {
      case 'text':
        emit(out, node.text);
        break;
      case 'action': {
        const value = evalPipeline(node.pipe, scope);
        if (node.pipe.decl.length === 0) emit(out, value === null ? '<no value>' : show(value));
        break;
      }
      case 'if':
      case 'with': {
        const inner: Scope = { dot: scope.dot, vars: new Map(scope.vars) };
        const value = evalPipeline({ ...node.pipe, decl: node.pipe.decl.slice(0, 1) }, inner);
        if (truthy(value)) execute(node.list, node.k === 'with' ? { dot: value, vars: inner.vars } : inner, out);
        else execute(node.elseList, scope, out);
        break;
      }
      case 'range': {
        const value = evalPipeline({ ...node.pipe, decl: [] }, scope);
        const entries: [Data, Data][] = Array.isArray(value)
          ? value.map((v, i) => [i, v])
          : typeof value === 'object' && value !== null
            ? Object.keys(value).sort().map((k) => [k, value[k]!])
            : value === null ? [] : bad(`range can't iterate over ${show(value)}`);
        if (entries.length === 0) execute(node.elseList, scope, out);
        for (const [key, item] of entries) {
          const vars = new Map(scope.vars);
          if (node.pipe.decl.length === 1) vars.set(node.pipe.decl[0]!, item);
          if (node.pipe.decl.length === 2) {
            vars.set(node.pipe.decl[0]!, key);
            vars.set(node.pipe.decl[1]!, item);
          }
          execute(node.list, { dot: item, vars }, out);
        }
        break;
      }
    }
  }
}

/**
 * Renders `source` with `data` like Go's text/template with `missingkey=error`.
 * @throws BuiltinFailure for parse errors, missing keys and unsupported constructs
 */
export function renderGoTemplate(source: string, data: Data): string {
  const { list } = parseList(scan(source), { i: 0 }, []);
  const out: Output = { parts: [], size: 0, steps: 0 };
  execute(list, { dot: data, vars: new Map([['$', data]]) }, out);
  return out.parts.join('');
}
