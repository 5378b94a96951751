// @writ/authority: the Writ authority HTTP service.
export { startAuthority, DEFAULT_LIMITS } from './start-authority.ts';
export type { RunningAuthority, StartAuthorityOptions } from './start-authority.ts';
export { loadAuthorityKey, loadConfig, parseConfig } from './load-config.ts';
export type { AuthorityConfig } from './load-config.ts';
export { openAuthority, defaultConsoleDir } from './open-authority.ts';
export { hashToken } from './credentials.ts';
export type { Credential } from './credentials.ts';
export { createLogger } from './logger.ts';
export type { Logger } from './logger.ts';
