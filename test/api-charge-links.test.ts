// Charge links end to end (Express + Temporal dev server + real worker and activities + PostgreSQL):
// creating, revoking and expiring links with tenant isolation; the page (name, balance, escaping); card
// and bank-transfer top-ups through the link's forms and JSON, idempotent under a double submit; limits;
// and one indistinguishable 404 for unknown, expired and revoked links.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { startTestService, type TestService } from './support/service.ts';
import { hashChargeLinkToken } from '../db/charge-links.ts';
import { checkLedgerIntegrity } from '../db/ledger.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ contract: true });
});
afterAll(async () => {
  await svc?.stop();
});

type Acc = { id: string; apiKey: string };

async function newLink(account: Acc, body: object = {}, key = account.apiKey): Promise<{ token: string; url: string; expiresAt: string }> {
  const res = await svc.as(key).post(`/v1/accounts/${account.id}/charge-links`, body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

const page = (token: string) => request(svc.app).get(`/pay/${token}`).set('Accept', 'text/html');
const form = (token: string, path: string, fields: Record<string, string>) => request(svc.app).post(`/pay/${token}/${path}`).type('form').send(fields);
const json = (token: string, path: string, body: object, key?: string) => {
  const t = request(svc.app).post(`/pay/${token}/${path}`).set('Accept', 'application/json').send(body);
  return key ? t.set('Idempotency-Key', key) : t;
};
const balanceOf = async (a: Acc) => (await svc.as(a.apiKey).get(`/v1/accounts/${a.id}/balance`)).body.balance as number;
const formKey = (html: string, action: string) => {
  const m = new RegExp(`action="/pay/[^"]+/${action}"[^>]*>[\\s\\S]*?name="idempotencyKey" value="([^"]+)"`).exec(html);
  if (!m?.[1]) throw new Error(`no ${action} form key in the page`);
  return m[1];
};

describe('POST /v1/accounts/{id}/charge-links', () => {
  it('creates an unguessable link for the owner, its partner and the admin; stores only a hash and a hint', async () => {
    const partner = await svc.account({ name: 'Partner' });
    const child = await svc.account({ name: 'Own-billed child', parentId: partner.id, billingMode: 'own' });
    const before = Date.now();
    const link = await newLink(child);
    expect(link.token).toMatch(/^cl_[A-Za-z0-9_-]{32}$/);
    expect(link.url).toBe(`${svc.config.publicBaseUrl}/pay/${link.token}`);
    const days = (Date.parse(link.expiresAt) - before) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThan(7.01);
    const viaPartner = await newLink(child, { expiresInDays: 90 }, partner.apiKey);
    const viaAdmin = await newLink(child, { expiresInDays: 1 }, svc.config.adminApiKey!);
    expect(new Set([link.token, viaPartner.token, viaAdmin.token]).size).toBe(3);

    const rows = await svc.db.prisma.chargeLink.findMany({ where: { accountId: child.id } });
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(JSON.stringify(row)).not.toContain(link.token.slice(3));
    const stored = rows.find((r) => r.tokenHash === hashChargeLinkToken(link.token));
    expect(stored).toMatchObject({ tokenHint: link.token.slice(-4), createdBy: `account:${child.id}`, revokedAt: null });
  });

  it('refuses another tenant (404), a parent-billed account (409 invalid_state) and out-of-range expiry (400)', async () => {
    const a = await svc.account();
    const stranger = await svc.account();
    expect((await svc.as(stranger.apiKey).post(`/v1/accounts/${a.id}/charge-links`, {})).status).toBe(404);
    const partner = await svc.account({ name: 'Partner' });
    const billed = await svc.account({ parentId: partner.id, billingMode: 'parent' });
    const refused = await svc.as(partner.apiKey).post(`/v1/accounts/${billed.id}/charge-links`, {});
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'invalid_state', fundingAccountId: partner.id });
    for (const expiresInDays of [0, 91, 1.5, '7']) {
      const res = await svc.as(a.apiKey).post(`/v1/accounts/${a.id}/charge-links`, { expiresInDays });
      expect(res.status, String(expiresInDays)).toBe(400);
    }
    expect(await svc.db.prisma.chargeLink.count({ where: { accountId: { in: [a.id, billed.id] } } })).toBe(0);
  });
});

describe('DELETE /v1/charge-links/{token}', () => {
  it('revokes for the owner (204, repeatable); another tenant gets 404 and the link stays live', async () => {
    const a = await svc.account({ name: 'Revocable' });
    const stranger = await svc.account();
    const link = await newLink(a);
    expect((await svc.as(stranger.apiKey).delete(`/v1/charge-links/${link.token}`)).status).toBe(404);
    expect((await page(link.token)).status).toBe(200);
    expect((await svc.as(a.apiKey).delete(`/v1/charge-links/${link.token}`)).status).toBe(204);
    expect((await svc.as(a.apiKey).delete(`/v1/charge-links/${link.token}`)).status).toBe(204);
    expect((await page(link.token)).status).toBe(404);
    expect((await svc.as(a.apiKey).delete('/v1/charge-links/cl_unknown')).status).toBe(404);
  });
});

describe('GET /pay/{token}', () => {
  it('shows the business name (escaped), its balance and sendable counts, and both forms', async () => {
    const a = await svc.account({ name: '<script>alert("x")</script> & 김밥집', balance: 123_456 });
    const link = await newLink(a);
    const res = await page(link.token);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    // One inline script, allowed by its hash; nothing else runs.
    expect(res.headers['content-security-policy']).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+';/);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).not.toContain('<script>alert');
    expect(res.text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 김밥집');
    expect(res.text).toContain('123,456 P');
    expect(res.text).toContain('13,717건'); // sms at 9 points
    expect(res.text).toContain('문자(SMS)');
    expect(res.text).toContain(`action="/pay/${link.token}/card"`);
    expect(res.text).toContain(`action="/pay/${link.token}/bank-transfer"`);
    expect(formKey(res.text, 'card')).not.toBe(formKey(res.text, 'bank-transfer'));

    const asJson = await request(svc.app).get(`/pay/${link.token}`).set('Accept', 'application/json');
    expect(asJson.body).toMatchObject({ accountName: '<script>alert("x")</script> & 김밥집', balance: 123_456, sendable: { sms: 13_717 } });
    expect(JSON.stringify(asJson.body)).not.toContain(a.id);
  });

  it('answers unknown, expired and revoked links with the same 404 (HTML and problem+json), revealing nothing', async () => {
    const a = await svc.account({ name: 'Secret Shop', balance: 77_000 });
    const expired = await newLink(a);
    await svc.db.prisma.chargeLink.updateMany({ where: { tokenHash: hashChargeLinkToken(expired.token) }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const revoked = await newLink(a);
    await svc.as(a.apiKey).delete(`/v1/charge-links/${revoked.token}`);
    const unknown = `cl_${'A'.repeat(32)}`;
    const pages = await Promise.all([expired.token, revoked.token, unknown, 'not-a-token'].map((t) => page(t)));
    for (const res of pages) {
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.text).not.toContain('Secret Shop');
    }
    expect(new Set(pages.map((p) => p.text)).size).toBe(1);
    const problems = await Promise.all([expired.token, revoked.token, unknown].map((t) => request(svc.app).get(`/pay/${t}`).set('Accept', 'application/json')));
    for (const res of problems) {
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      expect(res.body).toMatchObject({ code: 'not_found', detail: 'charge link not found' });
    }
    const posts = await Promise.all([
      json(expired.token, 'bank-transfer', { amount: 100_000, depositorName: '홍길동' }, 'k-expired'),
      form(revoked.token, 'card', { amount: '100000', cardToken: 'tok_visa', idempotencyKey: 'k-revoked' }),
    ]);
    expect(posts.map((p) => p.status)).toEqual([404, 404]);
    expect(posts[1]!.text).toBe(pages[0]!.text);
    expect(await svc.db.prisma.charge.count({ where: { accountId: a.id } })).toBe(0);
  });
});

describe('top-ups through the link', () => {
  it('a card top-up submitted twice from the same form credits once, stores the card and records origin charge_link', async () => {
    const a = await svc.account({ name: 'Card Shop', balance: 1_000 });
    const link = await newLink(a);
    const key = formKey((await page(link.token)).text, 'card');
    const fields = { amount: '50,000', cardToken: 'tok_visa', idempotencyKey: key };
    const [first, second] = await Promise.all([form(link.token, 'card', fields), form(link.token, 'card', fields)]);
    // Both answers send the browser to the one charge's receipt (303: a reload does not post again).
    for (const res of [first, second]) {
      expect(res.status).toBe(303);
      expect(res.headers.location).toMatch(new RegExp(`^/pay/${link.token}/charges/[0-9a-f-]{36}$`));
    }
    expect(second.headers.location).toBe(first.headers.location);
    const receipt = await request(svc.app)
      .get(first.headers.location as string)
      .set('Accept', 'text/html');
    expect(receipt.status).toBe(200);
    expect(receipt.text).toContain('충전 완료');
    expect(receipt.text).toContain('50,000 P');
    const third = await form(link.token, 'card', fields);
    expect(third.headers.location).toBe(first.headers.location);
    expect(await balanceOf(a)).toBe(51_000);
    const charges = await svc.db.prisma.charge.findMany({ where: { accountId: a.id } });
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({ origin: 'charge_link', method: 'card', status: 'succeeded' });
    const cards = await svc.db.prisma.paymentMethod.findMany({ where: { accountId: a.id } });
    expect(cards).toHaveLength(1);
    expect(cards[0]).toMatchObject({ id: charges[0]!.paymentMethodId, brand: 'visa', last4: '4242' });
    expect(await svc.db.prisma.ledgerEntry.count({ where: { chargeId: charges[0]!.id } })).toBe(1);
    await expect(checkLedgerIntegrity(svc.db.prisma)).resolves.toEqual([]);
  });

  it('JSON clients use the Idempotency-Key header: a replay answers the same charge, without account or card ids', async () => {
    const a = await svc.account({ name: 'Json Shop' });
    const link = await newLink(a);
    const first = await json(link.token, 'card', { amount: 60_000, cardToken: 'tok_mastercard' }, 'json-card-1');
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ amount: 60_000, method: 'card', status: 'succeeded', creditedAmount: 60_000 });
    expect(first.body.accountId).toBeUndefined();
    expect(first.body.paymentMethodId).toBeUndefined();
    const replay = await json(link.token, 'card', { amount: 60_000, cardToken: 'tok_mastercard' }, 'json-card-1');
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.id).toBe(first.body.id);
    const reused = await json(link.token, 'card', { amount: 70_000, cardToken: 'tok_mastercard' }, 'json-card-1');
    expect(reused.status).toBe(409);
    expect(reused.body.code).toBe('idempotency_key_reused');
    expect((await json(link.token, 'card', { amount: 60_000, cardToken: 'tok_visa' })).status).toBe(400);
    expect(await balanceOf(a)).toBe(60_000);
  });

  it('a declined card leads to its receipt saying so in Korean (JSON: 422 card_declined) and credits nothing', async () => {
    const a = await svc.account({ name: 'Declined Shop' });
    const link = await newLink(a);
    const res = await form(link.token, 'card', { amount: '50000', cardToken: 'tok_declined', idempotencyKey: 'declined-1' });
    expect(res.status).toBe(303);
    const receipt = await request(svc.app)
      .get(res.headers.location as string)
      .set('Accept', 'text/html');
    expect(receipt.text).toContain('결제 실패');
    expect(receipt.text).toContain('카드사에서 결제를 거절했습니다');
    const viaJson = await json(link.token, 'card', { amount: 50_000, cardToken: 'tok_declined' }, 'declined-json');
    expect(viaJson.status).toBe(422);
    expect(viaJson.body).toMatchObject({ code: 'card_declined', charge: { status: 'failed' } });
    expect(await balanceOf(a)).toBe(0);
  });

  it('a bank-transfer request answers the bank account and the schedule (form: HTML in KST; JSON: the instants)', async () => {
    const a = await svc.account({ name: 'Bank Shop' });
    const link = await newLink(a);
    const key = formKey((await page(link.token)).text, 'bank-transfer');
    const res = await form(link.token, 'bank-transfer', { amount: '100000', depositorName: '<b>홍길동</b>', idempotencyKey: key });
    expect(res.status).toBe(303);
    const receipt = await request(svc.app)
      .get(res.headers.location as string)
      .set('Accept', 'text/html');
    expect(receipt.status).toBe(200);
    expect(receipt.text).toContain(svc.config.bankAccount.accountNumber);
    expect(receipt.text).toContain(svc.config.bankAccount.bank);
    expect(receipt.text).toContain('&lt;b&gt;홍길동&lt;/b&gt;');
    expect(receipt.text).not.toContain('<b>홍길동');
    expect(receipt.text).toContain('KST');
    expect(receipt.text).toMatch(/입금 기한: <strong><time datetime="[^"]+">\d+월 \d+일\([월화수목금토일]\) \d{2}:\d{2}<\/time>까지/);
    const again = await form(link.token, 'bank-transfer', { amount: '100000', depositorName: '<b>홍길동</b>', idempotencyKey: key });
    expect(again.headers.location).toBe(res.headers.location);

    const viaJson = await json(link.token, 'bank-transfer', { amount: 200_000, depositorName: '김철수' }, 'json-bank-1');
    expect(viaJson.status).toBe(202);
    expect(viaJson.body).toMatchObject({
      amount: 200_000,
      method: 'bank_transfer',
      status: 'awaiting_deposit',
      depositorName: '김철수',
      bankAccount: { bank: svc.config.bankAccount.bank, accountNumber: svc.config.bankAccount.accountNumber, holder: svc.config.bankAccount.holder },
      processingStartsAt: expect.any(String),
      expectedBy: expect.any(String),
      expiresAt: expect.any(String),
    });
    expect(Date.parse(viaJson.body.expectedBy)).toBeGreaterThan(Date.parse(viaJson.body.processingStartsAt));
    const charges = await svc.db.prisma.charge.findMany({ where: { accountId: a.id } });
    expect(charges).toHaveLength(2);
    expect(charges.every((c) => c.origin === 'charge_link' && c.status === 'awaiting_deposit')).toBe(true);
    // The admin confirms it like any other bank transfer.
    const confirmed = await svc.admin.post(`/v1/charges/${viaJson.body.id}/confirm-deposit`, { depositedAmount: 200_000 });
    expect(confirmed.body.status).toBe('succeeded');
    expect(await balanceOf(a)).toBe(200_000);
  });

  it('enforces the per-method limits (422) and validates the fields (400) before anything is recorded; a form shows Korean messages on its fields', async () => {
    const a = await svc.account({ name: 'Limits Shop' });
    const link = await newLink(a);
    const low = await json(link.token, 'card', { amount: 49_999, cardToken: 'tok_visa' }, 'low-1');
    expect(low.status).toBe(422);
    expect(low.body).toMatchObject({ code: 'amount_below_minimum', minimum: 50_000 });
    const high = await json(link.token, 'bank-transfer', { amount: 100_000_001, depositorName: '홍길동' }, 'high-1');
    expect(high.body).toMatchObject({ code: 'amount_above_maximum', maximum: 100_000_000 });
    // A browser's form is shown again with the message on the field and the typed values kept.
    const lowForm = await form(link.token, 'bank-transfer', { amount: '10,000', depositorName: '홍길동', idempotencyKey: 'low-form' });
    expect(lowForm.status).toBe(200);
    expect(lowForm.headers['content-type']).toMatch(/text\/html/);
    expect(lowForm.text).toContain('<p class="field-error" id="bank-transfer-amount-error">무통장 입금은 50,000원부터 충전할 수 있습니다.</p>');
    expect(lowForm.text).toMatch(/id="bank-transfer-amount"[^>]*value="10,000"[^>]*aria-invalid="true"/);
    expect(lowForm.text).toMatch(/id="bank-transfer-depositorName"[^>]*value="홍길동"/);
    expect(formKey(lowForm.text, 'bank-transfer')).toBe('low-form');
    const noName = await json(link.token, 'bank-transfer', { amount: 100_000 }, 'noname-1');
    expect(noName.status).toBe(400);
    const notNumber = await form(link.token, 'card', { amount: 'lots', cardToken: 'tok_visa', idempotencyKey: 'nan-1' });
    expect(notNumber.text).toContain('충전 금액은 숫자로만 입력해 주세요.');
    expect(notNumber.text).toMatch(/id="card-amount"[^>]*value="lots"/);
    expect(notNumber.text).not.toMatch(/NaN|Too small|expected/);
    const noNameForm = await form(link.token, 'bank-transfer', { amount: '60000', depositorName: '  ', idempotencyKey: 'noname-form' });
    expect(noNameForm.text).toContain('id="bank-transfer-depositorName-error">입금자명을 입력해 주세요.');
    const badCard = await form(link.token, 'card', { amount: '60000', cardToken: 'tok_nope', idempotencyKey: 'bad-card' });
    expect(badCard.text).toContain('id="card-cardToken-error">이 시험용 결제대행사에 없는 카드입니다.');
    const unknownCard = await json(link.token, 'card', { amount: 50_000, cardToken: '4242424242424242' }, 'pan-1');
    expect(unknownCard.status).toBe(400);
    expect(await svc.db.prisma.charge.count({ where: { accountId: a.id } })).toBe(0);
    expect(await svc.db.prisma.paymentMethod.count({ where: { accountId: a.id } })).toBe(0);
  });
});

describe('GET /pay/{token}/charges/{id}', () => {
  it("shows a charge of the link's account (HTML and JSON, no account or card ids); any other charge is 404", async () => {
    const a = await svc.account({ name: 'Receipt Shop' });
    const other = await svc.account({ name: 'Other Shop' });
    const link = await newLink(a);
    const mine = await json(link.token, 'bank-transfer', { amount: 70_000, depositorName: '영수증' }, 'receipt-1');
    expect(mine.status).toBe(202);
    const theirs = await svc
      .as(other.apiKey)
      .post('/v1/charges', { accountId: other.id, amount: 70_000, method: 'bank_transfer', depositorName: '남' }, 'receipt-theirs');
    expect(theirs.status).toBe(202);

    const html = await request(svc.app).get(`/pay/${link.token}/charges/${mine.body.id}`).set('Accept', 'text/html');
    expect(html.status).toBe(200);
    expect(html.headers['cache-control']).toBe('no-store');
    expect(html.text).toContain('입금 안내');
    expect(html.text).toContain('70,000원');
    const asJson = await request(svc.app).get(`/pay/${link.token}/charges/${mine.body.id}`).set('Accept', 'application/json');
    expect(asJson.body).toMatchObject({ id: mine.body.id, amount: 70_000, status: 'awaiting_deposit', depositorName: '영수증' });
    expect(JSON.stringify(asJson.body)).not.toContain(a.id);

    for (const id of [theirs.body.id, '00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const res = await request(svc.app).get(`/pay/${link.token}/charges/${id}`).set('Accept', 'text/html');
      expect(res.status, id).toBe(404);
      expect(res.text).not.toContain('Other Shop');
      expect(res.text).toContain('요청을 찾을 수 없습니다');
      expect((await request(svc.app).get(`/pay/${link.token}/charges/${id}`).set('Accept', 'application/json')).status).toBe(404);
    }
    // A dead link shows no receipt either.
    await svc.as(a.apiKey).delete(`/v1/charge-links/${link.token}`);
    expect((await request(svc.app).get(`/pay/${link.token}/charges/${mine.body.id}`).set('Accept', 'text/html')).status).toBe(404);
  });

  it('the link page lists open requests with their deposit details, and a preset link fills the amount without script', async () => {
    const a = await svc.account({ name: 'Open Shop' });
    const link = await newLink(a);
    const open = await json(link.token, 'bank-transfer', { amount: 120_000, depositorName: '<i>입금</i>' }, 'open-1');
    const res = await request(svc.app).get(`/pay/${link.token}?method=bank_transfer&amount=300000`).set('Accept', 'text/html');
    expect(res.text).toContain(`id="open-${open.body.id}"`);
    expect(res.text).toContain('&lt;i&gt;입금&lt;/i&gt; 이름으로');
    expect(res.text).toContain(svc.config.bankAccount.accountNumber);
    expect(res.text).toContain(`href="/pay/${link.token}/charges/${open.body.id}"`);
    expect(res.text).toMatch(/id="bank-transfer-amount"[^>]*value="300,000"/);
    const asJson = await request(svc.app).get(`/pay/${link.token}`).set('Accept', 'application/json');
    expect(asJson.body.openRequests).toEqual([expect.objectContaining({ id: open.body.id, amount: 120_000, status: 'awaiting_deposit' })]);
  });

  it('a form for the same amount as an open request is shown again with a warning, and goes through once confirmed', async () => {
    const a = await svc.account({ name: 'Twin Shop' });
    const link = await newLink(a);
    const first = await form(link.token, 'bank-transfer', { amount: '100,000', depositorName: '홍길동', idempotencyKey: 'twin-1' });
    expect(first.status).toBe(303);
    // The same form sent again (a double submit) replays its answer; it is not a duplicate.
    expect((await form(link.token, 'bank-transfer', { amount: '100,000', depositorName: '홍길동', idempotencyKey: 'twin-1' })).headers.location).toBe(
      first.headers.location,
    );
    const warned = await form(link.token, 'bank-transfer', { amount: '100000', depositorName: '홍길동', idempotencyKey: 'twin-2' });
    expect(warned.status).toBe(200);
    expect(warned.text).toContain('같은 금액(<span class="amount">100,000원</span>)의 입금 요청이 이미 있습니다');
    expect(formKey(warned.text, 'bank-transfer')).toBe('twin-2');
    expect(await svc.db.prisma.charge.count({ where: { accountId: a.id } })).toBe(1);
    const confirmed = await form(link.token, 'bank-transfer', { amount: '100000', depositorName: '홍길동', idempotencyKey: 'twin-2', confirmDuplicate: 'yes' });
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.location).not.toBe(first.headers.location);
    expect(await svc.db.prisma.charge.count({ where: { accountId: a.id, status: 'awaiting_deposit' } })).toBe(2);
  });
});
