/**
 * What the console's browser tests share: where Chromium and the built console are, whether
 * the tests run (Chromium present, or CI set — under CI a missing Chromium is a failure, not a
 * skip), how Chromium is launched here, and signing in as an approver. Test code only: the
 * console bundle never imports this file.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { APPROVER_TOKEN } from '@writ/authority/test-harness';

/** Debian's Chromium. */
export const CHROMIUM = '/usr/bin/chromium';
/** True when the browser tests run: Chromium is installed, or CI is set. */
export const runBrowserTests = existsSync(CHROMIUM) || process.env.CI !== undefined;
/** The built console the authority serves in the tests. */
export const consoleDir = new URL('../dist/', import.meta.url).pathname;
/** Where the tests save the screenshots the docs show. */
export const screenshots = new URL('../../../docs/screenshots/', import.meta.url).pathname;

/** Says why `what` is skipped, when it is. */
export function warnIfSkipped(what: string): void {
  if (!runBrowserTests) console.warn(`${what} skipped: ${CHROMIUM} is missing (apt-get install -y chromium); under CI it runs and fails instead`);
}

/** Chromium with the flags that work on our machines; makes the screenshots folder. */
export async function launchChromium(): Promise<Browser> {
  mkdirSync(screenshots, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
}

/**
 * Each page waits at most 10 s for a selector or action (Playwright's default is 30 s, the whole
 * test's budget): a step that hangs fails naming itself instead of timing the test out.
 */
export const PAGE_TIMEOUT_MS = 10_000;

/** Signs in to the console as an approver (their seed and role) and waits for the inbox. */
export async function signIn(page: Page, options: { url: string; seed: string; role: string }): Promise<void> {
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  await page.goto(`${options.url}/console/`);
  await page.fill('#token', APPROVER_TOKEN);
  await page.fill('#seed', options.seed);
  await page.fill('#role', options.role);
  await page.click('#sign-in');
  await page.waitForSelector('main[data-ready="approvals"]');
}
