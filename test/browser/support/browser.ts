// Real-browser tests: playwright-core driving Debian's Chromium (`apt-get install chromium`; .ci/run
// installs it), never a browser Playwright downloads. A missing browser fails the suite with the fix in
// the message: these tests are never skipped. Screenshots go to test-artifacts/ (git-ignored), at a
// phone's width (390 px) and a desktop's (1280 px); every page of ours is checked with axe-core.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from '../../e2e/support/hub';

export const ARTIFACTS = join(ROOT, 'test-artifacts');
export const WIDTHS = [390, 1280] as const;

export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(
      `Chromium not found at ${path}: install Debian's (apt-get install -y chromium) or set CHROMIUM_PATH. ` +
        'The browser tests are never skipped' +
        (process.env.CI === 'true' ? ' (CI=true: .ci/run should have installed it).' : '.'),
    );
  }
  return path;
}

/**
 * Headless Chromium as root on a machine with a closed network: no sandbox, and none of Chromium's
 * own background connections (they would be refused, many at a time).
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/** A page at a phone's width, as most payers see it. */
export async function phonePage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'vi-VN' });
  return context.newPage();
}

/** Full-page screenshots of the current page at 390 and 1280 px: test-artifacts/<name>-<width>.png. */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const before = page.viewportSize() ?? { width: 390, height: 844 };
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: width < 800 ? 844 : 900 });
    await page.screenshot({ path: join(ARTIFACTS, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize(before);
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const AXE_OPTIONS = {
  runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  resultTypes: ['violations'],
};

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[]; failureSummary?: string }>;
}

/**
 * axe-core's WCAG 2.x A and AA rules (labels, names, contrast, language, landmarks…) on the page as it
 * is now, at both widths: no violation allowed. The script is evaluated through the DevTools protocol,
 * so the page's own CSP (no inline scripts) stays in force.
 */
export async function assertAccessible(page: Page, name: string): Promise<void> {
  const before = page.viewportSize() ?? { width: 390, height: 844 };
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    await page.evaluate(AXE_SOURCE);
    // A string, evaluated in the page (the test code has no DOM types of its own).
    const violations = (await page.evaluate(`axe
      .run(document, ${JSON.stringify(AXE_OPTIONS)})
      .then((result) => result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
      })))`)) as AxeViolation[];
    assert.deepEqual(violations, [], `${name} at ${width} px: ${JSON.stringify(violations, null, 2)}`);
  }
  await page.setViewportSize(before);
}

/** The rules the issue names explicitly are among those run (a guard against a silently empty run). */
export async function axeRuleIds(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  return (await page.evaluate("axe.getRules(['wcag2a', 'wcag2aa']).map((rule) => rule.ruleId)")) as string[];
}
