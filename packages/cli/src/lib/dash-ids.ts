/** Operands that are random ids and may start with '-': key ids and token ids (base64url). */
import type { Command, ParseOptionsResult } from 'commander';

/**
 * A key id as `keyIdOf` in @writ/core makes it, or a token id as `newTokenId` does (base64url
 * without padding of 16 bytes: 22 characters), that starts with a single '-' — one id in 64 or
 * so. `--x…` is left out: an id starting with `--` (one in 4096) cannot be told from a long
 * option and goes after `--`.
 */
export const DASH_ID = /^-[A-Za-z0-9_][A-Za-z0-9_-]{20}$/;

/**
 * Make `command` (`keys retire`, `keys revoke`, `unfinished resolve`) take an argument shaped
 * like such an id that starts with a single '-' as an operand, where commander would report it as an unknown option. Anything else
 * that starts with '-' and is not a known option stays an unknown option (commander's usage
 * error, exit 2), so a typo such as `--sign-wth` is never read as an id.
 *
 * commander moves the first unknown option and every argument after it (known options aside,
 * `--` kept) to `unknown`; when that first one is an id it becomes an operand and the rest is
 * parsed again, so a later `--` still ends the options and a later typo is still refused.
 */
export function acceptDashIds(command: Command): Command {
  const parseOptions = command.parseOptions.bind(command);
  command.parseOptions = (args: string[]): ParseOptionsResult => {
    const operands: string[] = [];
    let rest = args;
    for (;;) {
      const parsed = parseOptions(rest);
      operands.push(...parsed.operands);
      const [first, ...after] = parsed.unknown;
      if (first === undefined || !DASH_ID.test(first)) return { operands, unknown: parsed.unknown };
      operands.push(first);
      rest = after;
    }
  };
  return command;
}
