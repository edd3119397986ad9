// The /pay and /admin pages in a real browser: Debian's Chromium driven by playwright-core, against the
// whole service (HTTP server on a free port, Temporal dev server, real worker, PostgreSQL), at a desktop
// (1280x800) and a phone (375x812) size. Every page must load without console errors or CSP violations and
// without any request leaving the service; every money step is checked in the ledger, not only on screen.
// Without Chromium these tests fail (CI installs it with .ci/run); they never skip.
// PAGES_SCREENSHOTS=<dir> saves a screenshot of each step there (for judging the design by eye).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestService, ADMIN_KEY, type TestService } from './support/service.ts';
import { checkLedgerIntegrity } from '../db/ledger.ts';
import { koreanDateTime } from '../api/pages/format.ts';
import { until } from './support/wait.ts';

// The functions handed to page.evaluate run in the browser; the project compiles without the DOM library.
declare const document: any;
declare const navigator: any;
declare function getComputedStyle(e: unknown): any;

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-quic',
  '--disable-sync',
];
const SIZES = {
  desktop: { viewport: { width: 1280, height: 800 }, isMobile: false },
  phone: { viewport: { width: 375, height: 812 }, isMobile: true },
} as const;
type Size = keyof typeof SIZES;
const SHOTS = process.env.PAGES_SCREENSHOTS;
let shots = 0;

let svc: TestService;
let server: Server;
let base: string;
let browser: Browser;
let profile: string;
/** A slow network for some requests (ms): a second click landing while the first post is on its way, or late answers. */
let delayOf: (req: IncomingMessage) => number = () => 0;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get install chromium fonts-noto-cjk (.ci/run does), or set CHROMIUM_PATH`);
  }
  svc = await startTestService();
  server = createServer((req, res) => {
    const pass = () => svc.app(req, res);
    const ms = delayOf(req);
    if (ms > 0) setTimeout(pass, ms);
    else pass();
  }).listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The sandbox's gateway notifies the service's own address.
  svc.config.publicBaseUrl = base;
  // A fresh profile directory per run; Playwright also starts each context without stored state.
  profile = mkdtempSync(join(tmpdir(), 'pages-chromium-'));
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...FLAGS, `--disk-cache-dir=${join(profile, 'cache')}`] });
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  await svc?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

interface Tab {
  page: Page;
  context: BrowserContext;
  /** Console errors, page errors, CSP violations and requests to anywhere but the service. */
  problems: string[];
  shot(name: string): Promise<void>;
  close(): Promise<void>;
}

async function openTab(size: Size, opts: { javaScript?: boolean; clipboard?: boolean } = {}): Promise<Tab> {
  const context = await browser.newContext({
    ...SIZES[size],
    hasTouch: SIZES[size].isMobile,
    locale: 'ko-KR',
    timezoneId: 'Asia/Seoul',
    javaScriptEnabled: opts.javaScript ?? true,
  });
  if (opts.clipboard) await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  const problems: string[] = [];
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e: any) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith(base) && !r.url().startsWith('data:')) problems.push(`external request: ${r.url()}`);
  });
  return {
    page,
    context,
    problems,
    async shot(name) {
      if (SHOTS) await page.screenshot({ path: join(SHOTS, `${String(++shots).padStart(2, '0')}-${size}-${name}.png`), fullPage: true });
    },
    close: () => context.close(),
  };
}

async function newLink(account: { id: string; apiKey: string }): Promise<string> {
  const res = await svc.as(account.apiKey).post(`/v1/accounts/${account.id}/charge-links`, {});
  expect(res.status).toBe(201);
  return res.body.token as string;
}

const balanceOf = async (id: string) => Number((await svc.db.prisma.wallet.findUniqueOrThrow({ where: { accountId: id } })).balance);
const ledgerOf = (id: string) => svc.db.prisma.ledgerEntry.findMany({ where: { walletId: id }, orderBy: { id: 'asc' } });

/** Nothing on the page is wider than the viewport (no horizontal scrolling on a phone). */
async function expectNoHorizontalScroll(page: Page) {
  const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(scroll, 'page is wider than the viewport').toBeLessThanOrEqual(client);
}

/** Korean words are not broken inside (keep-all) and account numbers never wrap. */
async function expectKoreanTypography(page: Page) {
  const wordBreak = await page.evaluate(() => getComputedStyle(document.body).wordBreak);
  expect(wordBreak).toBe('keep-all');
  for (const acct of await page.locator('.acct').all()) {
    expect(await acct.evaluate((e) => getComputedStyle(e).whiteSpace)).toBe('nowrap');
    const box = await acct.evaluate((e) => e.getClientRects().length);
    expect(box, 'an account number broke over two lines').toBe(1);
  }
}

for (const size of ['desktop', 'phone'] as const) {
  describe(`/pay at ${size} size`, () => {
    it('a card top-up with a preset amount credits the account once and lands on its receipt', async () => {
      const account = await svc.account({ name: `카드충전 상점 ${size}`, balance: 5_000 });
      const token = await newLink(account);
      const tab = await openTab(size);
      const { page } = tab;
      await page.goto(`${base}/pay/${token}`);
      expect(await page.locator('h1').innerText()).toContain(`카드충전 상점 ${size}`);
      expect(await page.locator('#balance').innerText()).toContain('5,000 P');
      expect(await page.locator('#balance').innerText()).toContain('문자(SMS)');
      expect(await page.locator('#pay-card').innerText()).toContain('테스트 모드');
      expect(await page.locator('#pay-card').innerText()).toContain('자동 충전');
      await expectNoHorizontalScroll(page);
      await expectKoreanTypography(page);
      await tab.shot('pay-link-page');

      const card = page.locator('#pay-card');
      await card.getByRole('link', { name: '10만원' }).click();
      expect(await card.locator('input[name=amount]').inputValue()).toBe('100,000');
      // What it buys follows the amount: 100,000 / 9 points per SMS.
      expect(await card.locator('[data-price="9"] [data-count]').innerText()).toBe('11,111건');
      expect(await card.locator('.vat').innerText()).toContain('부가세 9,091원');
      await card.getByLabel(/VISA •••• 4242/).check();
      await card.getByRole('button', { name: '카드로 결제하기' }).click();
      await page.waitForURL(/\/pay\/[^/]+\/charges\/[0-9a-f-]{36}$/);
      expect(await page.locator('#receipt').innerText()).toContain('100,000 P');
      expect(await page.locator('h1').innerText()).toContain('충전 완료');
      expect(await page.locator('#receipt').innerText()).toContain('VISA');
      await expectNoHorizontalScroll(page);
      await tab.shot('pay-card-receipt');

      const chargeId = page.url().split('/').pop()!;
      const charges = await svc.db.prisma.charge.findMany({ where: { accountId: account.id } });
      expect(charges.map((c) => [c.id, c.status, c.origin, Number(c.amount)])).toEqual([[chargeId, 'succeeded', 'charge_link', 100_000]]);
      expect((await ledgerOf(account.id)).map((e) => [e.kind, Number(e.amount), Number(e.balanceAfter)])).toEqual([
        ['adjustment', 5_000, 5_000],
        ['charge', 100_000, 105_000],
      ]);
      expect(await balanceOf(account.id)).toBe(105_000);
      await expect(checkLedgerIntegrity(svc.db.prisma)).resolves.toEqual([]);
      expect(tab.problems).toEqual([]);
      await tab.close();
    });

    it('a bank-transfer request states the deadline first, answers with a receipt that can be revisited, and warns before a duplicate', async () => {
      const account = await svc.account({ name: `입금 상점 ${size}` });
      const token = await newLink(account);
      const tab = await openTab(size, { clipboard: true });
      const { page } = tab;
      await page.goto(`${base}/pay/${token}#pay-bank-transfer`);
      const section = page.locator('#pay-bank-transfer');
      const before = await section.locator('.schedule').innerText();
      expect(before).toContain('입금 기한');
      expect(before).toMatch(/\d+월 \d+일\([월화수목금토일]\) \d{2}:\d{2}까지/);
      expect(before).toContain('월–목 09:30–18:30');
      expect(before).toContain('금 09:30–13:30');
      expect(before).toContain('16:00 이후 요청은 다음 영업일');
      const amount = section.locator('input[name=amount]');
      await amount.fill('');
      await amount.pressSequentially('150000');
      expect(await amount.inputValue()).toBe('150,000');
      await section.getByLabel('입금자명').fill('홍길동');
      await tab.shot('pay-bank-form');
      await section.getByRole('button', { name: '입금 요청하기' }).click();
      await page.waitForURL(/\/charges\/[0-9a-f-]{36}$/);
      const receiptUrl = page.url();
      const chargeId = receiptUrl.split('/').pop()!;
      const charge = await svc.db.prisma.charge.findUniqueOrThrow({ where: { id: chargeId } });
      expect(charge).toMatchObject({
        accountId: account.id,
        status: 'awaiting_deposit',
        method: 'bank_transfer',
        origin: 'charge_link',
        depositorName: '홍길동',
      });
      expect(Number(charge.amount)).toBe(150_000);
      const receipt = page.locator('#receipt');
      const text = await receipt.innerText();
      expect(text).toContain(svc.config.bankAccount.accountNumber);
      expect(text).toContain('150,000원');
      expect(text).toContain(`${koreanDateTime(charge.expiresAt!, 'Asia/Seoul')}까지`);
      await expectKoreanTypography(page);
      await expectNoHorizontalScroll(page);
      // The copy button (script) puts the account number on the clipboard.
      await receipt.getByRole('button', { name: '복사' }).click();
      await until(async () => (await page.locator('#live-status').innerText()).includes('복사했습니다'), 'the copy announcement', 5_000);
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(svc.config.bankAccount.accountNumber);
      await tab.shot('pay-bank-receipt');

      // Revisited later (a fresh tab), the receipt is the same; the link page lists the open request.
      const again = await openTab(size);
      await again.page.goto(receiptUrl);
      expect(await again.page.locator('#receipt').innerText()).toContain(svc.config.bankAccount.accountNumber);
      await again.page.goto(`${base}/pay/${token}`);
      const open = again.page.locator(`#open-${chargeId}`);
      expect(await open.innerText()).toContain('150,000원');
      expect(await open.innerText()).toContain(svc.config.bankAccount.accountNumber);
      await again.shot('pay-open-requests');
      // The same amount again: a warning first, and nothing recorded until the person confirms.
      const form = again.page.locator('#pay-bank-transfer');
      await form.locator('input[name=amount]').fill('150,000');
      await form.getByLabel('입금자명').fill('홍길동');
      expect(await form.locator('[data-duplicate-amounts]').isVisible()).toBe(true);
      await form.getByRole('button', { name: '입금 요청하기' }).click();
      await again.page.waitForLoadState();
      const warning = again.page.locator('#bank-transfer-duplicate');
      expect(await warning.innerText()).toContain('같은 금액(150,000원)의 입금 요청이 이미 있습니다');
      expect(await form.locator('input[name=depositorName]').inputValue()).toBe('홍길동');
      expect(await svc.db.prisma.charge.count({ where: { accountId: account.id } })).toBe(1);
      await again.shot('pay-duplicate-warning');
      await warning.getByLabel(/새 입금 요청을 하나 더 만듭니다/).check();
      await form.getByRole('button', { name: '입금 요청하기' }).click();
      await again.page.waitForURL(/\/charges\/[0-9a-f-]{36}$/);
      expect(again.page.url()).not.toBe(receiptUrl);
      expect(await svc.db.prisma.charge.count({ where: { accountId: account.id, status: 'awaiting_deposit' } })).toBe(2);
      // Nothing is credited before a deposit is confirmed.
      expect(await ledgerOf(account.id)).toEqual([]);

      // Another business's charge is not found through this link.
      const stranger = await svc.account({ name: '다른 상점' });
      const theirs = await svc
        .as(stranger.apiKey)
        .post('/v1/charges', { accountId: stranger.id, amount: 50_000, method: 'bank_transfer', depositorName: '김' }, `theirs-${size}`);
      expect(theirs.status).toBe(202);
      const foreign = await again.page.request.get(`${base}/pay/${token}/charges/${theirs.body.id}`);
      expect(foreign.status()).toBe(404);
      expect(await foreign.text()).not.toContain('다른 상점');
      expect([...tab.problems, ...again.problems]).toEqual([]);
      await tab.close();
      await again.close();
    });

    it('an invalid amount is refused on the form in Korean, keeping what was typed, and records nothing', async () => {
      const account = await svc.account({ name: `검증 상점 ${size}` });
      const token = await newLink(account);
      const tab = await openTab(size);
      const { page } = tab;
      await page.goto(`${base}/pay/${token}`);
      const submit = () => page.locator('#pay-bank-transfer').getByRole('button', { name: '입금 요청하기' }).click();
      await page.locator('#bank-transfer-amount').fill('10,000');
      await page.locator('#bank-transfer-depositorName').fill('(주)가나다');
      await submit();
      await page.waitForURL(/\/bank-transfer$/);
      expect(await page.title()).toContain('입력을 확인해 주세요');
      const amount = page.locator('#bank-transfer-amount');
      expect(await amount.inputValue()).toBe('10,000');
      expect(await amount.getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator('#bank-transfer-amount-error').innerText()).toBe('무통장 입금은 50,000원부터 충전할 수 있습니다.');
      expect(await page.locator('#bank-transfer-depositorName').inputValue()).toBe('(주)가나다');
      await expectNoHorizontalScroll(page);
      await tab.shot('pay-invalid-amount');
      // An empty name is named on its own field; the amount typed stays.
      await page.locator('#bank-transfer-depositorName').fill('');
      await amount.fill('60000');
      await submit();
      await page.waitForLoadState();
      expect(await page.locator('#bank-transfer-depositorName-error').innerText()).toContain('입금자명을 입력해 주세요');
      expect(await page.locator('#bank-transfer-amount').inputValue()).toBe('60,000');
      expect(await page.locator('#bank-transfer-amount-error').count()).toBe(0);

      // Without script nothing cleans the field up: letters are refused by the server, as typed.
      const plain = await openTab(size, { javaScript: false });
      await plain.page.goto(`${base}/pay/${token}`);
      await plain.page.locator('#card-amount').fill('12,3OO');
      await plain.page.locator('#pay-card').getByRole('button', { name: '카드로 결제하기' }).click();
      await plain.page.waitForURL(/\/card$/);
      expect(await plain.page.locator('#card-amount').inputValue()).toBe('12,3OO');
      expect(await plain.page.locator('#card-amount-error').innerText()).toBe('충전 금액은 숫자로만 입력해 주세요. (예: 100,000)');
      await plain.shot('pay-invalid-amount-no-script');
      for (const p of [page, plain.page]) expect(await p.content()).not.toMatch(/Too small|expected|NaN|validation_error|received/);
      expect(await svc.db.prisma.charge.count({ where: { accountId: account.id } })).toBe(0);
      expect([...tab.problems, ...plain.problems]).toEqual([]);
      await tab.close();
      await plain.close();
    });

    it('a double submit charges once: twice from a page without script, and a disabled button with it', async () => {
      const account = await svc.account({ name: `두번 상점 ${size}` });
      const token = await newLink(account);

      // Without script nothing stops the second click: both posts reach the server with the form's key.
      const plain = await openTab(size, { javaScript: false });
      const posts: string[] = [];
      plain.page.on('request', (r) => {
        if (r.method() === 'POST') posts.push(r.url());
      });
      await plain.page.goto(`${base}/pay/${token}`);
      await plain.page.locator('#card-amount').fill('70,000');
      const button = plain.page.locator('#pay-card button[type=submit]');
      await button.scrollIntoViewIfNeeded();
      const box = (await button.boundingBox())!;
      delayOf = (req) => (req.method === 'POST' ? 1_500 : 0);
      try {
        await plain.page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
        await plain.page.waitForTimeout(200); // a person's second click, while the first post is on its way
        await plain.page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
        // The browser drops the first navigation for the second: wait for the receipt, not for a navigation.
        await plain.page.locator('#receipt').waitFor({ timeout: 30_000 });
        expect(plain.page.url()).toMatch(/\/charges\/[0-9a-f-]{36}$/);
      } finally {
        delayOf = () => 0;
      }
      expect(await plain.page.locator('#receipt').innerText()).toContain('70,000 P');
      expect(posts.length).toBeGreaterThanOrEqual(2);

      // With script the button disables itself on the first click.
      const scripted = await openTab(size);
      const scriptedPosts: string[] = [];
      scripted.page.on('request', (r) => {
        if (r.method() === 'POST') scriptedPosts.push(r.url());
      });
      await scripted.page.goto(`${base}/pay/${token}`);
      await scripted.page.locator('#card-amount').fill('80,000');
      await scripted.page.locator('#pay-card button[type=submit]').dblclick();
      await scripted.page.waitForURL(/\/charges\/[0-9a-f-]{36}$/);
      expect(scriptedPosts).toHaveLength(1);

      const charges = await svc.db.prisma.charge.findMany({ where: { accountId: account.id }, orderBy: { createdAt: 'asc' } });
      expect(charges.map((c) => [Number(c.amount), c.status])).toEqual([
        [70_000, 'succeeded'],
        [80_000, 'succeeded'],
      ]);
      expect((await ledgerOf(account.id)).map((e) => Number(e.amount))).toEqual([70_000, 80_000]);
      expect(await balanceOf(account.id)).toBe(150_000);
      await expect(checkLedgerIntegrity(svc.db.prisma)).resolves.toEqual([]);
      expect([...plain.problems, ...scripted.problems]).toEqual([]);
      await plain.close();
      await scripted.close();
    });

    it('works by keyboard alone with a visible focus ring, through to a card top-up', async () => {
      const account = await svc.account({ name: `키보드 상점 ${size}` });
      const token = await newLink(account);
      const tab = await openTab(size);
      const { page } = tab;
      await page.goto(`${base}/pay/${token}`);
      const focused = () =>
        page.evaluate(() => {
          const e = document.activeElement;
          // The amount field draws its ring around its box (the field and its 원 unit).
          const s = getComputedStyle(e.closest('.amount-box') ?? e);
          return {
            id: e.id,
            name: e.getAttribute('name'),
            text: e.textContent?.trim() ?? '',
            tag: e.tagName,
            outline: s.outlineStyle,
            width: parseFloat(s.outlineWidth),
          };
        });
      // Tab to the card form's amount field; every stop shows a focus ring.
      let stop = await focused();
      for (let i = 0; i < 20 && stop.id !== 'card-amount'; i++) {
        await page.keyboard.press('Tab');
        stop = await focused();
        if (stop.tag !== 'BODY') expect(stop.outline !== 'none' && stop.width >= 2, `no visible focus on ${stop.tag} ${stop.id || stop.text}`).toBe(true);
      }
      expect(stop.id).toBe('card-amount');
      await tab.shot('pay-keyboard-focus');
      await page.keyboard.press('Control+A');
      await page.keyboard.type('55000');
      expect(await page.locator('#card-amount').inputValue()).toBe('55,000');
      // On through the presets and the test cards to the submit button.
      for (let i = 0; i < 20; i++) {
        await page.keyboard.press('Tab');
        stop = await focused();
        expect(stop.outline !== 'none' && stop.width >= 2, `no visible focus on ${stop.tag} ${stop.id || stop.text}`).toBe(true);
        if (stop.tag === 'BUTTON') break;
      }
      expect(stop.text).toBe('카드로 결제하기');
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/charges\/[0-9a-f-]{36}$/);
      expect(await page.locator('#receipt').innerText()).toContain('55,000 P');
      expect(await balanceOf(account.id)).toBe(55_000);
      expect(tab.problems).toEqual([]);
      await tab.close();
    });
  });

  describe(`/pay virtual account at ${size} size`, () => {
    it('issues a virtual account, shows it with its deadline on the receipt, and the receipt turns to 충전 완료 after the deposit', async () => {
      const account = await svc.account({ name: `가상계좌 상점 ${size}` });
      const token = await newLink(account);
      const tab = await openTab(size, { clipboard: true });
      const { page } = tab;
      await page.goto(`${base}/pay/${token}`);
      // Offered between card and bank transfer.
      expect(await page.locator('nav.methods').innerText()).toMatch(/카드 결제[\s\S]*가상계좌[\s\S]*무통장 입금/);
      const section = page.locator('#pay-virtual-account');
      expect(await section.locator('.schedule').innerText()).toMatch(/\d+월 \d+일\([월화수목금토일]\) \d{2}:\d{2}까지/);
      expect(await section.innerText()).toContain('요청한 금액 그대로');
      // Below its minimum: the form again, the amount kept, a Korean message on the field.
      const amount = section.locator('input[name=amount]');
      await amount.fill('');
      await amount.pressSequentially('30000');
      await section.getByRole('button', { name: '가상계좌 발급받기' }).click();
      await page.waitForLoadState('load');
      const again = page.locator('#pay-virtual-account');
      expect(await again.locator('input[name=amount]').inputValue()).toBe('30,000');
      expect(await again.locator('#virtual-account-amount-error').innerText()).toContain('가상계좌는 50,000원부터');
      expect(await svc.db.prisma.charge.count({ where: { accountId: account.id } })).toBe(0);
      await again.locator('input[name=amount]').fill('');
      await again.locator('input[name=amount]').pressSequentially('120000');
      await again.getByRole('button', { name: '가상계좌 발급받기' }).click();
      await page.waitForURL(/\/charges\/[0-9a-f-]{36}$/);
      const charge = await svc.db.prisma.charge.findFirstOrThrow({ where: { accountId: account.id } });
      const va = charge.virtualAccount as { accountNumber: string; dueAt: string };
      const receipt = page.locator('#receipt');
      expect(await page.locator('h1').innerText()).toContain('가상계좌 입금 안내');
      expect(await receipt.innerText()).toContain(va.accountNumber);
      expect(await receipt.innerText()).toContain('120,000원');
      expect(await receipt.innerText()).toContain(`${koreanDateTime(va.dueAt, 'Asia/Seoul')}까지`);
      await receipt.getByRole('button', { name: '복사' }).click();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(va.accountNumber);
      await expectNoHorizontalScroll(page);
      await expectKoreanTypography(page);
      await tab.shot('pay-virtual-account-receipt');

      // The business deposits; the gateway's signed notification credits the charge.
      const dep = await svc
        .as(ADMIN_KEY)
        .post(`/v1/sandbox/virtual-accounts/${va.accountNumber}/deposits`, { amount: 120_000, depositorName: '가상계좌 상점' });
      expect(dep.status).toBe(201);
      await page.reload();
      expect(await page.locator('h1').innerText()).toContain('충전 완료');
      expect(await page.locator('#receipt').innerText()).toContain('120,000 P');
      expect((await svc.db.prisma.charge.findUniqueOrThrow({ where: { id: charge.id } })).confirmedBy).toBe('gateway');
      expect(await balanceOf(account.id)).toBe(120_000);
      await expect(checkLedgerIntegrity(svc.db.prisma)).resolves.toEqual([]);
      expect(tab.problems).toEqual([]);
      await tab.close();
    });
  });

  describe(`/admin at ${size} size`, () => {
    it('shows login errors, confirms a partial deposit only after the warning (with a memo), approves a refund, and lists the decisions', async () => {
      const shop = await svc.account({ name: `김밥천국 강남점 ${size}`, balance: 20_000 });
      const requested = await svc
        .as(shop.apiKey)
        .post('/v1/charges', { accountId: shop.id, amount: 100_000, method: 'bank_transfer', depositorName: '김밥천국' }, `deposit-${size}`);
      expect(requested.status).toBe(202);
      const chargeId = requested.body.id as string;
      const consumption = await svc.as(shop.apiKey).post('/v1/consumptions', { accountId: shop.id, item: 'lms', quantity: 100 }, `use-${size}`);
      expect(consumption.status).toBe(201);
      const refund = await svc
        .as(shop.apiKey)
        .post(`/v1/consumptions/${consumption.body.id}/refunds`, { amount: 1_500, reason: 'wrong_service', memo: '문자 대신 장문으로 보냄' }, `refund-${size}`);
      expect(refund.status).toBe(202);
      const refundId = refund.body.id as string;
      await svc.db.prisma.adminEvent.create({
        data: {
          type: 'charge_confirmation_overdue',
          subjectId: chargeId,
          accountId: shop.id,
          key: `test-overdue-${chargeId}`,
          data: { chargeId, amount: 100_000, depositorName: '김밥천국', expectedBy: new Date().toISOString() },
        },
      });

      const tab = await openTab(size);
      const { page } = tab;
      await page.goto(`${base}/admin`);
      // A wrong key: the first refusal answers at once, the page's other requests answer late (after the
      // right key has been entered), and must not sign the right key out.
      const wrong = 'Bearer wrong-key-0000000000';
      let refusals = 0;
      delayOf = (req) => (req.headers.authorization !== wrong || refusals++ === 0 ? 0 : 2_000);
      try {
        await page.getByLabel('관리자 키').fill('wrong-key-0000000000');
        await page.getByRole('button', { name: '로그인' }).click();
        await until(() => page.locator('#login-error').isVisible(), 'the login error');
        expect(await page.locator('#login-error').innerText()).toContain('관리자 키가 맞지 않습니다');
        await tab.shot('admin-login-error');
        await page.getByLabel('관리자 키').fill(ADMIN_KEY);
        await page.getByRole('button', { name: '로그인' }).click();
        // Each refused request shows up in the console once it has been answered.
        await until(async () => refusals > 1 && tab.problems.length >= refusals, 'the late refusals of the wrong key');
      } finally {
        delayOf = () => 0;
      }
      // The browser reports each refused request itself (401) in the console: those are expected.
      expect(tab.problems.length).toBeGreaterThan(0);
      expect(tab.problems.every((p) => /status of 401/.test(p))).toBe(true);
      tab.problems.length = 0;
      const item = page.locator(`#charge-${chargeId}`);
      await item.waitFor();
      expect(await page.locator('#login').isHidden()).toBe(true);
      await until(async () => (await item.innerText()).includes(`김밥천국 강남점 ${size}`), 'the business name in the queue');
      expect(await item.innerText()).toContain('100,000원');
      const events = page.locator('#events');
      expect(await events.innerText()).toContain('입금 확인 지연');
      expect(await events.innerText()).toContain(`김밥천국 강남점 ${size}의 100,000원 입금 요청`);
      expect(await page.locator(`#refund-${refundId}`).innerText()).toContain('잘못 신청한 서비스');
      await expectNoHorizontalScroll(page);
      await tab.shot('admin-queue');
      // By keyboard: every stop from the toolbar on shows a focus ring.
      await page.locator('#refresh').focus();
      for (let i = 0; i < 8; i++) {
        await page.keyboard.press('Tab');
        const stop = await page.evaluate(() => {
          const e = document.activeElement;
          const st = getComputedStyle(e);
          return { what: `${e.tagName} ${e.id || e.textContent?.trim()}`, outline: st.outlineStyle, width: parseFloat(st.outlineWidth) };
        });
        expect(stop.outline !== 'none' && stop.width >= 2, `no visible focus on ${stop.what}`).toBe(true);
      }

      // 90,000 deposited for a 100,000 request: asked again, with a memo, before anything is credited.
      await item.getByLabel('입금된 금액 (원)').fill('90,000');
      await item.getByRole('button', { name: '입금 확인', exact: true }).click();
      const warn = page.locator(`#warn-${chargeId}`);
      await warn.waitFor();
      expect(await warn.innerText()).toContain('요청 금액 100,000원과 입금된 금액 90,000원이 다릅니다 (10,000원 적게 입금)');
      expect((await svc.db.prisma.charge.findUniqueOrThrow({ where: { id: chargeId } })).status).toBe('awaiting_deposit');
      await warn.getByLabel(/메모/).fill('송금 수수료 차감 후 입금');
      await tab.shot('admin-partial-warning');
      await warn.getByRole('button', { name: '90,000원으로 확인' }).click();
      const flash = page.locator('#flash');
      await until(async () => (await flash.innerText()).includes('입금 90,000원을 확인'), 'the confirmation message');
      expect(await flash.getAttribute('aria-live')).toBe('polite');
      expect(await flash.innerText()).toBe(`김밥천국 강남점 ${size}의 입금 90,000원을 확인해 충전했습니다 (요청 100,000원, 10,000원 적게 입금).`);
      const charge = await svc.db.prisma.charge.findUniqueOrThrow({ where: { id: chargeId }, include: { events: true } });
      expect(charge.status).toBe('succeeded');
      expect([Number(charge.depositedAmount), Number(charge.creditedAmount)]).toEqual([90_000, 90_000]);
      expect(charge.events.find((e) => e.type === 'deposit_confirmed')?.data).toMatchObject({ memo: '송금 수수료 차감 후 입금', difference: -10_000 });
      await until(async () => (await page.locator('#decisions').innerText()).includes('입금 90,000원 확인'), 'the decision in the list');
      expect(await page.locator('#decisions').innerText()).toContain('메모: 송금 수수료 차감 후 입금');

      // The refund awaiting review: approved with a memo.
      const refundItem = page.locator(`#refund-${refundId}`);
      await refundItem.getByLabel(/메모/).fill('고객 요청 확인');
      await refundItem.getByRole('button', { name: '환불 승인' }).click();
      await until(async () => (await flash.innerText()).includes('환불 1,500원'), 'the refund message');
      expect(await flash.innerText()).toBe(`김밥천국 강남점 ${size}의 환불 1,500원(잘못 신청한 서비스)을 승인했습니다. 포인트를 돌려주었습니다.`);
      await until(async () => (await page.locator('#decisions').innerText()).includes('환불 1,500원 승인'), 'the refund decision in the list');
      expect(await svc.db.prisma.refund.findUniqueOrThrow({ where: { id: refundId } })).toMatchObject({
        status: 'succeeded',
        decisionReason: '고객 요청 확인',
      });
      // 20,000 seeded − 3,000 (100 LMS) + 90,000 deposited + 1,500 refunded.
      expect((await ledgerOf(shop.id)).map((e) => [e.kind, Number(e.amount)])).toEqual([
        ['adjustment', 20_000],
        ['consumption', -3_000],
        ['charge', 90_000],
        ['refund', 1_500],
      ]);
      expect(await balanceOf(shop.id)).toBe(108_500);
      await expect(checkLedgerIntegrity(svc.db.prisma)).resolves.toEqual([]);
      await expectNoHorizontalScroll(page);
      await tab.shot('admin-after-decisions');

      // An event's link opens the charge in words, with its timeline.
      await events.getByRole('link', { name: '자세히' }).first().click();
      await until(async () => (await page.locator('#detail').innerText()).includes('입금 확인'), 'the charge detail');
      expect(await page.locator('#detail').innerText()).toContain(`김밥천국 강남점 ${size}`);
      await tab.shot('admin-detail');
      expect(tab.problems).toEqual([]);
      await tab.close();
    });

    it('assigns an unmatched bank deposit to the request it belongs to, chosen from the list', async () => {
      const shop = await svc.account({ name: `떡볶이 공방 ${size}` });
      const requested = await svc
        .as(shop.apiKey)
        .post('/v1/charges', { accountId: shop.id, amount: 70_000, method: 'bank_transfer', depositorName: '박민수' }, `assign-${size}`);
      expect(requested.status).toBe(202);
      const chargeId = requested.body.id as string;
      // The bank reports the deposit under another name: nothing matches it by itself.
      const reported = await svc.as(ADMIN_KEY).post('/v1/bank-deposits', {
        bankTransactionId: `txn-assign-${size}`,
        amount: 70_000,
        depositorName: '박민수어머니',
        depositedAt: new Date().toISOString(),
      });
      expect(reported.status).toBe(201);
      const depositId = reported.body.id as string;
      await until(
        async () => (await svc.db.prisma.bankDeposit.findUniqueOrThrow({ where: { id: depositId } })).status === 'unmatched',
        'the deposit left unmatched',
      );

      const tab = await openTab(size);
      const { page } = tab;
      await page.goto(`${base}/admin`);
      await page.getByLabel('관리자 키').fill(ADMIN_KEY);
      await page.getByRole('button', { name: '로그인' }).click();
      const item = page.locator(`#bank-deposit-${depositId}`);
      await item.waitFor();
      expect(await item.innerText()).toContain('박민수어머니');
      expect(await item.innerText()).toContain('70,000원');
      expect(await item.innerText()).toContain('금액과 입금자명이 같은 입금 요청이 없습니다');
      expect(await page.locator('#events').innerText()).toContain('미확인 입금');
      // Without a choice: a message on the field, nothing assigned.
      await item.getByRole('button', { name: '이 요청에 배정' }).click();
      expect(await item.locator('.field-error').innerText()).toContain('배정할 입금 요청을 골라 주세요');
      await until(async () => (await item.getByLabel('맞는 입금 요청').innerText()).includes(`떡볶이 공방 ${size}`), 'the business name in the choices');
      await item.getByLabel('맞는 입금 요청').selectOption(chargeId);
      await expectNoHorizontalScroll(page);
      await tab.shot('admin-unmatched-deposit');
      await item.getByRole('button', { name: '이 요청에 배정' }).click();
      await until(async () => (await page.locator('#flash').innerText()).includes('배정해 충전했습니다'), 'the assignment message');
      expect(await page.locator('#flash').innerText()).toBe('박민수어머니님의 입금 70,000원을 배정해 충전했습니다.');
      await until(async () => (await page.locator(`#bank-deposit-${depositId}`).count()) === 0, 'the deposit gone from the queue');
      expect(await svc.db.prisma.bankDeposit.findUniqueOrThrow({ where: { id: depositId } })).toMatchObject({ status: 'assigned', chargeId });
      expect(await svc.db.prisma.charge.findUniqueOrThrow({ where: { id: chargeId } })).toMatchObject({ status: 'succeeded', confirmedBy: 'admin' });
      expect(await balanceOf(shop.id)).toBe(70_000);
      await expect(checkLedgerIntegrity(svc.db.prisma)).resolves.toEqual([]);
      expect(tab.problems).toEqual([]);
      await tab.close();
    });
  });
}
