/**
 * The dashboard in a real headless Chromium (Debian's `chromium` package, driven by
 * playwright-core): no console errors, no request beyond its own origin, a breaker
 * that trips shows as open within 2 s, a hostile key is text, controls only with
 * control access, usable at 375 and 1,920 px. Screenshots go to `.artifacts/dashboard/`.
 *
 * Without /usr/bin/chromium the suite is skipped with the install hint, except when
 * `CI` is set: then it fails.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BreakerRegistry } from '@breakwater/core';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { type AuthorizeResult, createDashboard, type DashboardHandler } from '../src/index.js';
import { HOSTILE_KEY, listen, quickRegistry, succeed, trip, until } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const INSTALL_HINT = 'apt-get install -y chromium';
const ARTIFACTS = join(__dirname, '..', '..', '..', '.artifacts', 'dashboard');
const haveChromium = existsSync(CHROMIUM);
const ci = (process.env['CI'] ?? '') !== '' && process.env['CI'] !== 'false';

if (!haveChromium && !ci) {
  console.warn(`Skipping the dashboard's browser tests: ${CHROMIUM} is missing. Install it: ${INSTALL_HINT}`);
}
const describeBrowser = haveChromium || ci ? describe : describe.skip;

describeBrowser('the dashboard in headless Chromium', () => {
  jest.setTimeout(60_000);

  let browser: Browser;
  let registry: BreakerRegistry;
  let dashboard: DashboardHandler;
  let server: Awaited<ReturnType<typeof listen>>;
  let access: AuthorizeResult = 'view';

  beforeAll(async () => {
    if (!haveChromium) {
      throw new Error(
        `${CHROMIUM} is missing and CI is set, so the browser tests cannot be skipped: ${INSTALL_HINT}`,
      );
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    registry = quickRegistry({ name: 'gateway' });
    succeed(registry, 'GET /products/:id', 40, 12);
    succeed(registry, 'POST /payments', 30, 80);
    for (let i = 0; i < 40; i++) succeed(registry, `GET /search @ 10.0.0.${i}`, 2, 30);
    trip(registry, `GET /search @ 10.0.0.7`);
    registry.get(HOSTILE_KEY);
    dashboard = createDashboard({
      registry,
      path: '/breakers',
      intervalMs: 250,
      authorize: () => (access === 'control' ? { access: 'control', actor: 'browser-test' } : access),
    });
    server = await listen((req, res) =>
      dashboard(req, res, () => {
        res.statusCode = 404;
        res.end();
      }),
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    dashboard?.close();
    await server?.close();
  });

  /** A page with every console error, page error, dialog and request recorded. */
  async function open(width: number, height = 900) {
    const context: BrowserContext = await browser.newContext({ viewport: { width, height } });
    const page: Page = await context.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`${server.url}/breakers`);
    await page.locator('#live.on').waitFor({ timeout: 5_000 });
    return { context, page, problems, requests };
  }

  it('loads with no console error and no request beyond its own origin', async () => {
    access = 'view';
    const { context, page, problems, requests } = await open(1_280);
    await page.locator('article.group').first().waitFor();
    expect(await page.locator('article.group').count()).toBeGreaterThanOrEqual(3);
    expect(problems).toEqual([]);
    expect(requests.length).toBeGreaterThanOrEqual(2);
    for (const url of requests) expect(url.startsWith(`${server.url}/breakers`)).toBe(true);
    await context.close();
  });

  it('shows a breaker that trips as open within 2 s of the transition', async () => {
    access = 'view';
    const { context, page, problems } = await open(1_280);
    const group = page.locator('article.group', { has: page.locator('h2', { hasText: 'POST /payments' }) });
    await group.waitFor();
    expect(await group.locator('.g-head .badge').textContent()).toContain('Closed');
    let trippedAt = 0;
    const off = registry.onStateChange((e) => {
      if (e.key === 'POST /payments' && e.to === 'open') trippedAt = Date.now();
    });
    trip(registry, 'POST /payments', 90);
    off();
    expect(trippedAt).toBeGreaterThan(0);
    await page.locator('article.group.s-open h2', { hasText: 'POST /payments' }).waitFor({ timeout: 2_000 });
    const shownAt = Date.now();
    expect(shownAt - trippedAt).toBeLessThanOrEqual(2_000);
    // State as text as well as colour, and the transition in the log.
    expect(await group.locator('.g-head .badge').textContent()).toContain('Open');
    await page.locator('#log li', { hasText: 'POST /payments' }).first().waitFor();
    expect(await page.locator('#log li', { hasText: 'POST /payments' }).first().textContent()).toContain(
      'failure_rate',
    );
    expect(problems).toEqual([]);
    await context.close();
  });

  it('renders a hostile key as text', async () => {
    access = 'view';
    const { context, page, problems } = await open(1_280);
    await page.locator('#search').fill('onerror');
    const key = page.locator('code.k-key', { hasText: HOSTILE_KEY }).first();
    await key.waitFor();
    expect(await key.textContent()).toBe(HOSTILE_KEY);
    expect(await page.locator('img').count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows no controls without control access, and a bare 403 without any access', async () => {
    access = 'view';
    const { context, page } = await open(1_280);
    await page.locator('.krow').first().waitFor();
    expect(await page.locator('button.ctl').count()).toBe(0);
    access = 'none';
    const refused = await page.goto(`${server.url}/breakers`);
    expect(refused?.status()).toBe(403);
    expect(await page.locator('body').textContent()).not.toContain('GET /');
    await context.close();
  });

  it('forces a breaker open, switches it to observe and resets it with control access', async () => {
    access = 'control';
    const { context, page, problems } = await open(1_280);
    const row = page.locator('.krow', {
      has: page.locator('code.k-key', { hasText: /^GET \/products\/:id$/ }),
    });
    await row.waitFor();
    const force = row.locator('button.ctl[data-action="force_open"]');
    await force.click();
    expect(await force.textContent()).toBe('Confirm force open');
    await force.click();
    await until(() => registry.peek('GET /products/:id')?.state === 'forced_open');
    await row.locator('.badge.s-forced_open').waitFor();
    await page.locator('#log li', { hasText: 'action force_open by browser-test' }).first().waitFor();

    const mode = row.locator('button.ctl[data-action="mode"]');
    await mode.click();
    await mode.click();
    await until(() => registry.peek('GET /products/:id')?.mode === 'observe');

    const reset = row.locator('button.ctl[data-action="reset"]');
    await reset.click();
    await reset.click();
    await until(() => registry.peek('GET /products/:id')?.state === 'closed');
    await row.locator('.badge.s-closed').waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });

  it.each([375, 1_920])('is usable at %i px wide, and saves a screenshot', async (width) => {
    access = 'control';
    succeed(registry, 'GET /products/:id', 20, 15);
    const { context, page, problems } = await open(width, width < 500 ? 812 : 1_080);
    await page.locator('article.group.s-open').first().waitFor();
    // No horizontal scrolling, and everything that matters inside the viewport.
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    for (const selector of ['#search', 'article.group', '.krow', 'button.ctl', '#log']) {
      const box = await page.locator(selector).first().boundingBox();
      expect(box).not.toBeNull();
      expect((box?.x ?? -1) >= 0 && (box?.x ?? 0) + (box?.width ?? 0) <= width).toBe(true);
    }
    // Controls stay big enough to hit on a phone.
    const button = await page.locator('button.ctl').first().boundingBox();
    expect(button?.height).toBeGreaterThanOrEqual(28);
    await page.screenshot({ path: join(ARTIFACTS, `dashboard-${width}.png`), fullPage: width > 500 });
    expect(existsSync(join(ARTIFACTS, `dashboard-${width}.png`))).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });
});
