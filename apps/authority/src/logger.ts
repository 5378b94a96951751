/** Structured logs: one JSON object per line (`time`, `level`, `msg`, fields). */

/** A structured logger. */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** A logger writing JSON lines to `write` (default: stdout). */
export function createLogger(write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  const log = (level: string) => (msg: string, fields: Record<string, unknown> = {}) => {
    const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
    write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...defined })}\n`);
  };
  return { info: log('info'), warn: log('warn'), error: log('error') };
}
