// Charge links (간편 충전 링크). Under /v1 (authenticated): create and revoke. Under /pay (no login; the
// token is the credential): the page, the form each payment method posts (a browser is redirected to the
// charge's receipt, or shown its form again with Korean messages per field; JSON clients get JSON), and the
// receipt of any charge of the link's account. An unknown, expired or revoked token gets one and the same
// 404, so a token's history never leaks.
import { createHash, randomUUID } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps.ts';
import { accountFor, principalId, principalOf } from '../auth.ts';
import { displayName, parse } from '../validation.ts';
import { HttpProblem, toHttpProblem } from '../problem.ts';
import { idempotencyKeyOf, idempotentOutcome, requestHash, type Outcome } from '../idempotency.ts';
import { checkLimits, chargeView, loadCharge, openCharge } from './charges.ts';
import { createChargeLink, findChargeLink, findLiveChargeLink, revokeChargeLink, type ChargeLink } from '../../db/charge-links.ts';
import { fundingBalance, type Account } from '../../db/accounts.ts';
import { SimulatedGateway } from '../../activities/gateway.ts';
import { isErrorCode, type ErrorCode } from '../../domain/errors.ts';
import { chargeSchedule } from '../../domain/calendar.ts';
import { sendPage } from '../pages/html.ts';
import { redactSecrets } from '../../runtime/logger.ts';
import {
  chargeNotFoundPage,
  linkNotFoundPage,
  PAY_METHODS,
  payPage,
  problemPage,
  receiptPage,
  type FormState,
  type LinkCharge,
  type PayPageModel,
  type TestCardOption,
} from '../pages/pay.ts';
import { PAY_SCRIPT_SRC } from '../pages/pay-script.ts';
import { bankTransferForm, cardForm, parseAmountText, readForm, typedValues, virtualAccountForm, type FormValues } from './pay-forms.ts';

/** The pages' CSP: their one inline script by hash. */
const PAGE_OPTS = { scriptSrc: PAY_SCRIPT_SRC };

const Id = z.uuid({ message: 'must be a UUID' });
export const DEFAULT_LINK_DAYS = 7;
export const MAX_LINK_DAYS = 90;
const DAY_MS = 24 * 60 * 60 * 1000;

const CreateLink = z.object({ expiresInDays: z.number().int().min(1).max(MAX_LINK_DAYS).default(DEFAULT_LINK_DAYS) }).strict();

/** Form fields arrive as strings ("50,000" too); JSON clients send numbers. */
const Amount = z.preprocess((v) => (typeof v === 'string' ? (v.trim() === '' ? undefined : Number(v.replace(/[,\s]/g, ''))) : v), z.number().int().positive());
const IdempotencyField = z.string().max(255).optional();
const CardTopUp = z.object({ amount: Amount, cardToken: z.string().trim().min(1).max(200), idempotencyKey: IdempotencyField }).strict();
const VirtualAccountTopUp = z.object({ amount: Amount, idempotencyKey: IdempotencyField }).strict();
const BankTopUp = z.object({ amount: Amount, depositorName: displayName(100), idempotencyKey: IdempotencyField }).strict();

const LINK_NOT_FOUND = 'charge link not found';

/** Masks charge-link tokens in a URL (for logs). */
export function redactChargeLinkTokens(url: string | undefined): string | undefined {
  return url === undefined ? undefined : redactSecrets(url);
}

/** The account of a link the principal may act for, or 404 as if it did not exist. */
async function linkFor(deps: Pick<AppDeps, 'db'>, req: Request, token: string): Promise<ChargeLink> {
  const link = await findChargeLink(deps.db, token);
  if (!link) throw new HttpProblem('not_found', LINK_NOT_FOUND);
  await accountFor(deps.db, principalOf(req), link.accountId).catch(() => {
    throw new HttpProblem('not_found', LINK_NOT_FOUND);
  });
  return link;
}

export function chargeLinksRouter({ db, config }: AppDeps): Router {
  const r = Router();

  r.post('/accounts/:id/charge-links', async (req, res) => {
    const accountId = parse(Id, req.params.id);
    const body = parse(CreateLink, req.body ?? {});
    const p = principalOf(req);
    const account = await accountFor(db, p, accountId);
    if (account.billingMode === 'parent') {
      throw new HttpProblem('invalid_state', `account ${account.id} is billed to its partner; the partner ${account.parentId} tops up`, {
        fundingAccountId: account.parentId,
      });
    }
    const expiresAt = new Date(Date.now() + body.expiresInDays * DAY_MS);
    const { link, token } = await createChargeLink(db, { accountId: account.id, expiresAt, createdBy: principalId(p) });
    res.status(201).json({
      token,
      url: `${config.publicBaseUrl.replace(/\/+$/, '')}/pay/${token}`,
      accountId: account.id,
      tokenHint: link.tokenHint,
      expiresAt: link.expiresAt.toISOString(),
      createdAt: link.createdAt.toISOString(),
    });
  });

  r.delete('/charge-links/:token', async (req, res) => {
    const link = await linkFor({ db }, req, req.params.token);
    await revokeChargeLink(db, link.id);
    res.status(204).end();
  });

  return r;
}

/** A charge as the link holder sees it: no ids of the account, its cards or the gateway. */
function linkChargeView(view: ReturnType<typeof chargeView>): LinkCharge {
  return {
    id: view.id,
    amount: view.amount,
    method: view.method,
    status: view.status,
    depositorName: view.depositorName,
    bankAccount: view.bankAccount as LinkCharge['bankAccount'],
    processingStartsAt: view.processingStartsAt,
    expectedBy: view.expectedBy,
    expiresAt: view.expiresAt,
    depositedAmount: view.depositedAmount,
    creditedAmount: view.creditedAmount,
    failureCode: view.failureCode,
    failureReason: view.failureReason,
    createdAt: view.createdAt,
    completedAt: view.completedAt,
    virtualAccount: view.virtualAccount,
  };
}

/** A stored outcome as the link holder sees it (a declined card's problem carries the charge). */
function publicOutcome(outcome: Outcome): Outcome {
  const body = outcome.body as Record<string, unknown>;
  if (outcome.status < 400) return { ...outcome, body: linkChargeView(body as ReturnType<typeof chargeView>) };
  if (body && typeof body === 'object' && body.charge) return { ...outcome, body: { ...body, charge: linkChargeView(body.charge as ReturnType<typeof chargeView>) } };
  return outcome;
}

/** A UUID derived from a name (RFC 9562 version 8): the stored card of a link's card charge, one per charge. */
function derivedUuid(name: string): string {
  const h = createHash('sha256').update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

const wantsHtml = (req: Request) =>
  req.method === 'GET' ? req.accepts(['html', 'json']) === 'html' : Boolean(req.is('application/x-www-form-urlencoded'));

/** Korean titles of the problems a charge-link page can show. */
const PROBLEM_KO: Partial<Record<ErrorCode, string>> = {
  validation_error: '입력을 확인해 주세요',
  invalid_state: '지금은 충전할 수 없습니다',
  idempotency_key_reused: '이미 보낸 요청입니다',
  amount_below_minimum: '충전 금액이 최소 금액보다 적습니다',
  amount_above_maximum: '충전 금액이 최대 금액을 넘습니다',
  card_declined: '카드 결제가 거절되었습니다',
  rate_limited: '요청이 너무 많습니다',
};

/** What a refused submit says on the form, in Korean, for problems that belong to no single field. */
function formProblemText(code: ErrorCode | undefined): string {
  switch (code) {
    case 'idempotency_key_reused':
      return '이 화면에서 이미 다른 내용으로 요청했습니다. 아래 내용을 확인하고 다시 눌러 주세요.';
    case 'invalid_state':
      return '지금은 이 사업장을 충전할 수 없습니다. 링크를 보내 준 곳에 문의해 주세요.';
    default:
      return '요청을 처리하지 못했습니다. 잠시 뒤 다시 시도해 주세요.';
  }
}

const BEHAVIOUR_KO: Record<string, string> = { succeed: '승인', decline: '거절', flaky: '두 번 일시 오류 뒤 승인' };

const ChargeIdParam = z.uuid();

export function payRouter(deps: AppDeps): Router {
  const { db, config, gateway = new SimulatedGateway(deps.db) } = deps;
  const r = Router();
  const timeZone = config.calendar.timeZone;
  const forms = express.urlencoded({ extended: false, limit: '10kb', parameterLimit: 20 });
  const testCards: TestCardOption[] | undefined = gateway.testCards?.().map((c) => ({
    token: c.token,
    brand: c.brand,
    last4: c.last4,
    outcome: BEHAVIOUR_KO[c.behaviour] ?? `시험용 동작: ${c.behaviour}`,
  }));

  /** The live link and its account; otherwise the one 404 (HTML or problem+json), whatever the reason. */
  async function liveLink(token: string): Promise<{ link: ChargeLink; account: Account }> {
    const link = await findLiveChargeLink(db, token);
    const account = link && (await db.account.findUnique({ where: { id: link.accountId } }));
    if (!link || !account || account.billingMode !== 'own') throw new HttpProblem('not_found', LINK_NOT_FOUND);
    return { link, account };
  }

  /** Renders anything thrown as an HTML page for browsers; JSON clients get the usual problem+json. */
  const page =
    (handler: (req: Request, res: Response) => Promise<void>) =>
    async (req: Request, res: Response): Promise<void> => {
      try {
        await handler(req, res);
      } catch (err) {
        if (!wantsHtml(req)) throw err;
        const problem = toHttpProblem(err);
        if (!problem) throw err;
        if (problem.code === 'not_found') return sendPage(res, 404, linkNotFoundPage(), PAGE_OPTS);
        sendPage(res, problem.status, problemPage(String(req.params.token), PROBLEM_KO[problem.code] ?? '요청을 처리하지 못했습니다', formProblemText(problem.code)), PAGE_OPTS);
      }
    };

  /** The account's charges still open: awaiting a deposit, or a card payment whose answer is awaited. */
  async function openRequests(account: Account): Promise<LinkCharge[]> {
    const rows = await db.charge.findMany({
      where: { accountId: account.id, status: { in: ['awaiting_deposit', 'pending'] } },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: 20,
    });
    return rows.map((c) => linkChargeView(chargeView({ ...c, events: [] })));
  }

  async function pageModel(token: string, link: ChargeLink, account: Account, extra: { form?: FormState; prefill?: PayPageModel['prefill']; keep?: Record<string, string> } = {}): Promise<PayPageModel> {
    const now = new Date();
    const [{ balance, pendingCharges }, open] = await Promise.all([fundingBalance(db, account, config.prices), openRequests(account)]);
    const formKeys = Object.fromEntries(PAY_METHODS.map((s) => [s.method, extra.keep?.[s.method] ?? randomUUID()]));
    return {
      token,
      accountName: account.name,
      balance,
      pendingCharges,
      prices: config.prices,
      itemNames: config.itemNames,
      linkExpiresAt: link.expiresAt.toISOString(),
      limits: config.chargeLimits,
      calendar: config.calendar,
      bankTransferSchedule: chargeSchedule(config.calendar, now, config.schedule),
      virtualAccountValidHours: config.virtualAccountValidHours,
      now,
      openRequests: open,
      testCards,
      formKeys,
      form: extra.form,
      prefill: extra.prefill,
    };
  }

  /** A refused submit: the link page again, this form showing what was typed and why it was refused. */
  async function showFormAgain(req: Request, res: Response, link: ChargeLink, account: Account, form: FormState, key: string | undefined) {
    const token = String(req.params.token);
    const keep = key && /^[\x21-\x7e]{1,255}$/.test(key) ? { [form.method]: key } : undefined;
    // 200: the answer is a page with the form on it (a 4xx document is logged as an error by browsers).
    sendPage(res, 200, payPage(await pageModel(token, link, account, { form, keep })), PAGE_OPTS);
  }

  r.get(
    '/pay/:token',
    page(async (req, res) => {
      const token = String(req.params.token);
      const { link, account } = await liveLink(token);
      if (!wantsHtml(req)) {
        const { balance, pendingCharges, sendable } = await fundingBalance(db, account, config.prices);
        res.set('Cache-Control', 'no-store').set('Referrer-Policy', 'no-referrer').json({
          accountName: account.name,
          balance,
          pendingCharges,
          sendable,
          linkExpiresAt: link.expiresAt.toISOString(),
          limits: config.chargeLimits,
          openRequests: await openRequests(account),
        });
        return;
      }
      // A preset link (?method=card&amount=100000) fills the amount without script.
      const method = typeof req.query.method === 'string' ? req.query.method : undefined;
      const amount = parseAmountText(req.query.amount);
      const prefill =
        method && PAY_METHODS.some((s) => s.method === method) && amount !== undefined && Number.isSafeInteger(amount) && amount > 0 && amount <= config.chargeLimits.maximum
          ? { method, amount }
          : undefined;
      sendPage(res, 200, payPage(await pageModel(token, link, account, { prefill })), PAGE_OPTS);
    }),
  );

  r.get(
    '/pay/:token/charges/:chargeId',
    page(async (req, res) => {
      const token = String(req.params.token);
      const { account } = await liveLink(token);
      const id = ChargeIdParam.safeParse(req.params.chargeId);
      const charge = id.success ? await loadCharge(db, id.data) : null;
      if (!charge || charge.accountId !== account.id) {
        if (!wantsHtml(req)) throw new HttpProblem('not_found', `charge ${String(req.params.chargeId)} not found`);
        return sendPage(res, 404, chargeNotFoundPage(token), PAGE_OPTS);
      }
      const card = charge.paymentMethodId ? await db.paymentMethod.findFirst({ where: { id: charge.paymentMethodId, accountId: account.id } }) : null;
      const view: LinkCharge = { ...linkChargeView(chargeView(charge)), card: card ? { brand: card.brand, last4: card.last4 } : undefined };
      if (!wantsHtml(req)) {
        res.set('Cache-Control', 'no-store').set('Referrer-Policy', 'no-referrer').json(view);
        return;
      }
      const { balance } = await fundingBalance(db, account, config.prices);
      sendPage(res, 200, receiptPage({ token, accountName: account.name, charge: view, balance, timeZone, now: new Date() }), PAGE_OPTS);
    }),
  );

  /** JSON clients: the outcome as problem+json or the charge (the same for a replay). */
  function answerJson(res: Response, outcome: Outcome, replayed: boolean) {
    const shown = publicOutcome(outcome);
    if (replayed) res.set('Idempotent-Replayed', 'true');
    res.status(shown.status).type(shown.status >= 400 ? 'application/problem+json' : 'application/json').send(JSON.stringify(shown.body));
  }

  /** Browsers: to the receipt of the charge (303, so a reload does not post again), or the form again. */
  async function answerForm(req: Request, res: Response, link: ChargeLink, account: Account, method: string, outcome: Outcome, values: FormValues, key: string) {
    const body = outcome.body as Record<string, unknown> | null;
    const charge = (outcome.status < 400 ? body : (body?.charge as Record<string, unknown> | undefined)) ?? undefined;
    if (charge && typeof charge.id === 'string') {
      res.redirect(303, `/pay/${encodeURIComponent(String(req.params.token))}/charges/${charge.id}`);
      return;
    }
    const code = isErrorCode(body?.code) ? body.code : undefined;
    await showFormAgain(req, res, link, account, { method, values, errors: { form: formProblemText(code) } }, code === 'idempotency_key_reused' ? undefined : key);
  }

  r.post(
    '/pay/:token/card',
    forms,
    page(async (req, res) => {
      const { link, account } = await liveLink(String(req.params.token));
      const html = wantsHtml(req);
      let body: { amount: number; cardToken: string };
      let formKey: string | undefined;
      const values = typedValues(req.body, ['amount', 'cardToken']);
      if (html) {
        const form = readForm(cardForm(config.chargeLimits), req.body);
        if (!form.ok) return showFormAgain(req, res, link, account, { method: 'card', values, errors: form.errors }, req.body?.idempotencyKey);
        body = { amount: form.value.amount, cardToken: form.value.cardToken };
        formKey = form.value.idempotencyKey;
      } else {
        const { idempotencyKey, ...parsed } = parse(CardTopUp, req.body ?? {});
        checkLimits(config, 'card', parsed.amount);
        body = parsed;
        formKey = idempotencyKey;
      }
      const scope = { principal: `charge-link:${link.id}`, key: idempotencyKeyOf(req, formKey), requestHash: requestHash(req, body) };
      let card: Awaited<ReturnType<typeof gateway.tokenize>>;
      try {
        card = await gateway.tokenize(body.cardToken);
      } catch (err) {
        if (!html || toHttpProblem(err)?.code !== 'validation_error') throw err;
        const message = testCards ? '이 시험용 결제대행사에 없는 카드입니다. 아래 시험용 카드 중 하나를 골라 주세요.' : '카드 정보를 확인할 수 없습니다. 다시 입력해 주세요.';
        return showFormAgain(req, res, link, account, { method: 'card', values, errors: { cardToken: message } }, formKey);
      }
      const { outcome, replayed } = await idempotentOutcome(db, scope, async (chargeId) => {
        // The card becomes a stored card of the account (one per charge, so a retry stores it once).
        const paymentMethodId = derivedUuid(`charge-link-card:${chargeId}`);
        await db.paymentMethod.createMany({
          data: [{ id: paymentMethodId, accountId: account.id, brand: card.brand, last4: card.last4, token: card.token }],
          skipDuplicates: true,
        });
        return openCharge(deps, { chargeId, accountId: account.id, amount: body.amount, method: 'card', origin: 'charge_link', paymentMethodId });
      });
      if (!html) return answerJson(res, outcome, replayed);
      await answerForm(req, res, link, account, 'card', outcome, values, scope.key);
    }),
  );

  r.post(
    '/pay/:token/bank-transfer',
    forms,
    page(async (req, res) => {
      const { link, account } = await liveLink(String(req.params.token));
      const html = wantsHtml(req);
      let body: { amount: number; depositorName: string };
      let formKey: string | undefined;
      const values = typedValues(req.body, ['amount', 'depositorName']);
      if (html) {
        const form = readForm(bankTransferForm(config.chargeLimits), req.body);
        if (!form.ok) return showFormAgain(req, res, link, account, { method: 'bank_transfer', values, errors: form.errors }, req.body?.idempotencyKey);
        body = { amount: form.value.amount, depositorName: form.value.depositorName };
        formKey = form.value.idempotencyKey;
        // Warn before a second open request of the same amount, unless this form was already sent (a double
        // submit replays its first answer) or the person has seen the warning and still wants one.
        const principal = `charge-link:${link.id}`;
        const sent = await db.idempotencyRecord.findUnique({ where: { principal_key: { principal, key: formKey } } });
        if (!sent && form.value.confirmDuplicate !== 'yes') {
          const twin = await db.charge.findFirst({
            where: { accountId: account.id, method: 'bank_transfer', status: 'awaiting_deposit', amount: BigInt(body.amount) },
            orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          });
          if (twin) {
            const duplicateOf = linkChargeView(chargeView({ ...twin, events: [] }));
            return showFormAgain(req, res, link, account, { method: 'bank_transfer', values, errors: {}, duplicateOf }, formKey);
          }
        }
      } else {
        const { idempotencyKey, ...parsed } = parse(BankTopUp, req.body ?? {});
        checkLimits(config, 'bank_transfer', parsed.amount);
        body = parsed;
        formKey = idempotencyKey;
      }
      const scope = { principal: `charge-link:${link.id}`, key: idempotencyKeyOf(req, formKey), requestHash: requestHash(req, body) };
      const { outcome, replayed } = await idempotentOutcome(db, scope, (chargeId) =>
        openCharge(deps, { chargeId, accountId: account.id, amount: body.amount, method: 'bank_transfer', origin: 'charge_link', depositorName: body.depositorName }),
      );
      if (!html) return answerJson(res, outcome, replayed);
      await answerForm(req, res, link, account, 'bank_transfer', outcome, values, scope.key);
    }),
  );

  r.post(
    '/pay/:token/virtual-account',
    forms,
    page(async (req, res) => {
      const { link, account } = await liveLink(String(req.params.token));
      const html = wantsHtml(req);
      let body: { amount: number };
      let formKey: string | undefined;
      const values = typedValues(req.body, ['amount']);
      if (html) {
        const form = readForm(virtualAccountForm(config.chargeLimits), req.body);
        if (!form.ok) return showFormAgain(req, res, link, account, { method: 'virtual_account', values, errors: form.errors }, req.body?.idempotencyKey);
        body = { amount: form.value.amount };
        formKey = form.value.idempotencyKey;
      } else {
        const { idempotencyKey, ...parsed } = parse(VirtualAccountTopUp, req.body ?? {});
        checkLimits(config, 'virtual_account', parsed.amount);
        body = parsed;
        formKey = idempotencyKey;
      }
      const scope = { principal: `charge-link:${link.id}`, key: idempotencyKeyOf(req, formKey), requestHash: requestHash(req, body) };
      const { outcome, replayed } = await idempotentOutcome(db, scope, (chargeId) =>
        openCharge(deps, { chargeId, accountId: account.id, amount: body.amount, method: 'virtual_account', origin: 'charge_link' }),
      );
      if (!html) return answerJson(res, outcome, replayed);
      await answerForm(req, res, link, account, 'virtual_account', outcome, values, scope.key);
    }),
  );

  return r;
}
