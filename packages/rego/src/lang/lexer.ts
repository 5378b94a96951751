/**
 * Rego tokenizer. Tokens record whether a newline preceded them (`nl`), which the parser
 * uses to separate body expressions.
 * @packageDocumentation
 */
import { RegoError } from '../errors.ts';

/** Token kinds. */
export type TokenKind = 'ident' | 'string' | 'rawstring' | 'template' | 'number' | 'op' | 'eof';

/** A part of a template string: literal text, or the source of an embedded expression. */
export type TemplatePart = { readonly text: string } | { readonly expr: string; readonly line: number; readonly col: number };

/** A token. */
export interface Token {
  readonly k: TokenKind;
  readonly v: string;
  readonly line: number;
  readonly col: number;
  readonly nl: boolean;
  /** Parts of a template string token (`$"..."`, `$\`...\``). */
  readonly parts?: readonly TemplatePart[];
}

const OPS2 = new Set([':=', '==', '!=', '<=', '>=']);
const OPS1 = new Set('=<>+-*/%&|()[]{}.,;:'.split(''));

/**
 * Tokenizes Rego source.
 * @throws RegoError `rego_parse_error` with location on illegal input
 */
export function tokenize(src: string, file: string, comments?: Array<{ line: number; text: string }>): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let nl = false;
  const n = src.length;
  const err = (msg: string, at: number): never => {
    throw new RegoError('rego_parse_error', msg, { file, line, col: at - lineStart + 1 });
  };
  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === 10) {
      i++;
      line++;
      lineStart = i;
      nl = true;
      continue;
    }
    if (c === 32 || c === 9 || c === 13) {
      i++;
      continue;
    }
    if (c === 35) {
      const from = i + 1;
      while (i < n && src.charCodeAt(i) !== 10) i++;
      comments?.push({ line, text: src.slice(from, i).replace(/\r$/, '') });
      continue;
    }
    const col = i - lineStart + 1;
    const start = i;
    if (isIdentStart(c)) {
      while (i < n && isIdentPart(src.charCodeAt(i))) i++;
      out.push({ k: 'ident', v: src.slice(start, i), line, col, nl });
    } else if (c >= 48 && c <= 57) {
      while (i < n && isDigit(src.charCodeAt(i))) i++;
      if (src[i] === '.' && isDigit(src.charCodeAt(i + 1))) {
        i++;
        while (i < n && isDigit(src.charCodeAt(i))) i++;
      }
      if (src[i] === 'e' || src[i] === 'E') {
        let j = i + 1;
        if (src[j] === '+' || src[j] === '-') j++;
        if (isDigit(src.charCodeAt(j))) {
          i = j;
          while (i < n && isDigit(src.charCodeAt(i))) i++;
        }
      }
      if (i < n && isIdentStart(src.charCodeAt(i))) err('illegal number format', i);
      out.push({ k: 'number', v: src.slice(start, i), line, col, nl });
    } else if (c === 34) {
      i++;
      let s = '';
      for (;;) {
        if (i >= n || src.charCodeAt(i) === 10) err('non-terminated string', start);
        const d = src[i]!;
        if (d === '"') {
          i++;
          break;
        }
        if (d === '\\') {
          const e = src[i + 1] ?? '';
          i += 2;
          switch (e) {
            case '"':
            case '\\':
            case '/':
              s += e;
              break;
            case 'b':
              s += '\b';
              break;
            case 'f':
              s += '\f';
              break;
            case 'n':
              s += '\n';
              break;
            case 'r':
              s += '\r';
              break;
            case 't':
              s += '\t';
              break;
            case 'u': {
              const hex = src.slice(i, i + 4);
              if (!/^[0-9a-fA-F]{4}$/.test(hex)) err('illegal escape sequence', i);
              s += String.fromCharCode(parseInt(hex, 16));
              i += 4;
              break;
            }
            default:
              err('illegal escape sequence', i - 2);
          }
          continue;
        }
        s += d;
        i++;
      }
      out.push({ k: 'string', v: s, line, col, nl });
    } else if (c === 36 && (src[i + 1] === '"' || src[i + 1] === '`')) {
      const raw = src[i + 1] === '`';
      const startLine = line;
      const parts: TemplatePart[] = [];
      let text = '';
      i += 2;
      for (;;) {
        if (i >= n || (!raw && src.charCodeAt(i) === 10)) err('non-terminated template string', start);
        const d = src[i]!;
        if (d === (raw ? '`' : '"')) {
          i++;
          break;
        }
        if (d === '\\' && !raw) {
          const e = src[i + 1] ?? '';
          const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', '{': '{', '}': '}' };
          if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(src.slice(i + 2, i + 6))) {
            text += String.fromCharCode(parseInt(src.slice(i + 2, i + 6), 16));
            i += 6;
          } else if (simple[e] !== undefined) {
            text += simple[e];
            i += 2;
          } else {
            err('illegal escape sequence', i);
          }
          continue;
        }
        if (d === '{') {
          // embedded expression up to the matching brace (strings inside may contain braces)
          const exprLine = line;
          const exprCol = i - lineStart + 2;
          let depth = 1;
          let j = i + 1;
          while (j < n && depth > 0) {
            const ch = src[j]!;
            if (ch === '"' || ch === '`') {
              const q = ch;
              j++;
              while (j < n && src[j] !== q) j += src[j] === '\\' && q === '"' ? 2 : 1;
            } else if (ch === '{') depth++;
            else if (ch === '}') depth--;
            else if (ch === '\n') {
              line++;
              lineStart = j + 1;
            }
            j++;
          }
          if (depth > 0) err('non-terminated template expression', i);
          if (text) parts.push({ text });
          text = '';
          parts.push({ expr: src.slice(i + 1, j - 1), line: exprLine, col: exprCol });
          i = j;
          continue;
        }
        if (d === '\n') {
          line++;
          lineStart = i + 1;
        }
        text += d;
        i++;
      }
      if (text) parts.push({ text });
      out.push({ k: 'template', v: '', line: startLine, col, nl, parts });
    } else if (c === 96) {
      const end = src.indexOf('`', i + 1);
      if (end < 0) err('non-terminated raw string', start);
      const s = src.slice(i + 1, end);
      const startLine = line;
      for (let j = i + 1; j < end; j++) {
        if (src.charCodeAt(j) === 10) {
          line++;
          lineStart = j + 1;
        }
      }
      i = end + 1;
      out.push({ k: 'rawstring', v: s, line: startLine, col, nl });
    } else {
      const two = src.slice(i, i + 2);
      if (OPS2.has(two)) {
        i += 2;
        out.push({ k: 'op', v: two, line, col, nl });
      } else if (OPS1.has(src[i]!)) {
        i++;
        out.push({ k: 'op', v: src[start]!, line, col, nl });
      } else {
        err(`illegal token ${JSON.stringify(src[i])}`, i);
      }
    }
    nl = false;
  }
  out.push({ k: 'eof', v: '', line, col: i - lineStart + 1, nl: true });
  return out;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c);
}
