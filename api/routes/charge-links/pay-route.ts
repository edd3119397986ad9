// The pages a charge link opens, under /pay (no login; the token is the credential): the page, the form
// each payment method posts (a browser is redirected to the charge's receipt, or shown its form again with
// Korean messages per field; JSON clients get JSON), and the receipt of any charge of the link's account. An
// unknown, expired or revoked token gets one and the same 404, so a token's history never leaks.
import { randomUUID } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import type { AppDeps } from '../../deps.ts';
import { parse } from '../../validation.ts';
import { HttpProblem, toHttpProblem } from '../../problem.ts';
import { idempotencyKeyOf, idempotentOutcome, requestHash, type Outcome } from '../../idempotency.ts';
import { Id } from '../../schemas.ts';
import { chargeView, linkChargeView } from '../../views/charge.ts';
import { checkLimits, loadCharge, openCharge } from '../charges/helpers.ts';
import type { ChargeLink } from '../../../db/charge-links.ts';
import { fundingBalance, type Account } from '../../../db/accounts.ts';
import { SimulatedGateway } from '../../../activities/gateway.ts';
import { isErrorCode } from '../../../domain/errors.ts';
import { chargeSchedule } from '../../../domain/calendar.ts';
import { sendPage } from '../../pages/html.ts';
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
} from '../../pages/pay.ts';
import { bankTransferForm, cardForm, parseAmountText, readForm, typedValues, virtualAccountForm, type FormValues } from './pay-forms.ts';
import { BankTopUp, CardTopUp, VirtualAccountTopUp } from './validators.ts';
import { BEHAVIOUR_KO, derivedUuid, formProblemText, liveLink, openRequests, PAGE_OPTS, PROBLEM_KO, publicOutcome, wantsHtml } from './helpers.ts';
import { payLinkView } from '../../views/charge-link.ts';

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
        sendPage(
          res,
          problem.status,
          problemPage(String(req.params.token), PROBLEM_KO[problem.code] ?? '요청을 처리하지 못했습니다', formProblemText(problem.code)),
          PAGE_OPTS,
        );
      }
    };

  async function pageModel(
    token: string,
    link: ChargeLink,
    account: Account,
    extra: { form?: FormState; prefill?: PayPageModel['prefill']; keep?: Record<string, string> } = {},
  ): Promise<PayPageModel> {
    const now = new Date();
    const [{ balance, pendingCharges }, open] = await Promise.all([fundingBalance(db, account, config.prices), openRequests(db, account)]);
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
      const { link, account } = await liveLink(db, token);
      if (!wantsHtml(req)) {
        const funding = await fundingBalance(db, account, config.prices);
        res
          .set('Cache-Control', 'no-store')
          .set('Referrer-Policy', 'no-referrer')
          .json(payLinkView(link, account, funding, config.chargeLimits, await openRequests(db, account)));
        return;
      }
      // A preset link (?method=card&amount=100000) fills the amount without script.
      const method = typeof req.query.method === 'string' ? req.query.method : undefined;
      const amount = parseAmountText(req.query.amount);
      const prefill =
        method &&
        PAY_METHODS.some((s) => s.method === method) &&
        amount !== undefined &&
        Number.isSafeInteger(amount) &&
        amount > 0 &&
        amount <= config.chargeLimits.maximum
          ? { method, amount }
          : undefined;
      sendPage(res, 200, payPage(await pageModel(token, link, account, { prefill })), PAGE_OPTS);
    }),
  );

  r.get(
    '/pay/:token/charges/:chargeId',
    page(async (req, res) => {
      const token = String(req.params.token);
      const { account } = await liveLink(db, token);
      const id = Id.safeParse(req.params.chargeId);
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
    res
      .status(shown.status)
      .type(shown.status >= 400 ? 'application/problem+json' : 'application/json')
      .send(JSON.stringify(shown.body));
  }

  /** Browsers: to the receipt of the charge (303, so a reload does not post again), or the form again. */
  async function answerForm(
    req: Request,
    res: Response,
    link: ChargeLink,
    account: Account,
    method: string,
    outcome: Outcome,
    values: FormValues,
    key: string,
  ) {
    const body = outcome.body as Record<string, unknown> | null;
    const charge = (outcome.status < 400 ? body : (body?.charge as Record<string, unknown> | undefined)) ?? undefined;
    if (charge && typeof charge.id === 'string') {
      res.redirect(303, `/pay/${encodeURIComponent(String(req.params.token))}/charges/${charge.id}`);
      return;
    }
    const code = isErrorCode(body?.code) ? body.code : undefined;
    await showFormAgain(
      req,
      res,
      link,
      account,
      { method, values, errors: { form: formProblemText(code) } },
      code === 'idempotency_key_reused' ? undefined : key,
    );
  }

  type TopUpMethod = 'card' | 'bank_transfer' | 'virtual_account';
  /** What a form posts besides the charge's own fields. */
  type FormExtras = { idempotencyKey: string; confirmDuplicate?: 'yes' | undefined };

  /**
   * Reads a posted top-up of `method`: a browser's form (refused: the form is shown again with a Korean
   * message per field and what was typed, and null is returned — the request is answered) or a JSON
   * client's body (refused: problem+json, thrown). Answers the charge's fields (`body`, what the
   * idempotency key is bound to) and the key the form or the body carried.
   */
  async function readTopUp<B extends { amount: number }>(
    req: Request,
    res: Response,
    target: { link: ChargeLink; account: Account },
    method: TopUpMethod,
    fields: readonly (keyof B & string)[],
    schemas: { form: z.ZodType<B & FormExtras>; json: z.ZodType<B & { idempotencyKey?: string | undefined }> },
  ): Promise<{ html: boolean; values: FormValues; body: B; formKey: string | undefined; confirmDuplicate: boolean } | null> {
    const html = wantsHtml(req);
    const values = typedValues(req.body, fields);
    if (html) {
      const form = readForm(schemas.form, req.body);
      if (!form.ok) {
        await showFormAgain(req, res, target.link, target.account, { method, values, errors: form.errors }, req.body?.idempotencyKey);
        return null;
      }
      const { idempotencyKey, confirmDuplicate, ...body } = form.value;
      return { html, values, body: body as unknown as B, formKey: idempotencyKey, confirmDuplicate: confirmDuplicate === 'yes' };
    }
    const { idempotencyKey, ...body } = parse(schemas.json, req.body ?? {});
    checkLimits(config, method, body.amount);
    return { html, values, body: body as unknown as B, formKey: idempotencyKey, confirmDuplicate: false };
  }

  r.post(
    '/pay/:token/card',
    forms,
    page(async (req, res) => {
      const { link, account } = await liveLink(db, String(req.params.token));
      const read = await readTopUp<{ amount: number; cardToken: string }>(req, res, { link, account }, 'card', ['amount', 'cardToken'], {
        form: cardForm(config.chargeLimits),
        json: CardTopUp,
      });
      if (!read) return;
      const { html, values, body, formKey } = read;
      const scope = { principal: `charge-link:${link.id}`, key: idempotencyKeyOf(req, formKey), requestHash: requestHash(req, body) };
      let card: Awaited<ReturnType<typeof gateway.tokenize>>;
      try {
        card = await gateway.tokenize(body.cardToken);
      } catch (err) {
        if (!html || toHttpProblem(err)?.code !== 'validation_error') throw err;
        const message = testCards
          ? '이 시험용 결제대행사에 없는 카드입니다. 아래 시험용 카드 중 하나를 골라 주세요.'
          : '카드 정보를 확인할 수 없습니다. 다시 입력해 주세요.';
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
      const { link, account } = await liveLink(db, String(req.params.token));
      const read = await readTopUp<{ amount: number; depositorName: string }>(req, res, { link, account }, 'bank_transfer', ['amount', 'depositorName'], {
        form: bankTransferForm(config.chargeLimits),
        json: BankTopUp,
      });
      if (!read) return;
      const { html, values, body, formKey } = read;
      if (html) {
        // Warn before a second open request of the same amount, unless this form was already sent (a double
        // submit replays its first answer) or the person has seen the warning and still wants one.
        const principal = `charge-link:${link.id}`;
        const sent = await db.idempotencyRecord.findUnique({ where: { principal_key: { principal, key: formKey! } } });
        if (!sent && !read.confirmDuplicate) {
          const twin = await db.charge.findFirst({
            where: { accountId: account.id, method: 'bank_transfer', status: 'awaiting_deposit', amount: BigInt(body.amount) },
            orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          });
          if (twin) {
            const duplicateOf = linkChargeView(chargeView({ ...twin, events: [] }));
            return showFormAgain(req, res, link, account, { method: 'bank_transfer', values, errors: {}, duplicateOf }, formKey);
          }
        }
      }
      const scope = { principal: `charge-link:${link.id}`, key: idempotencyKeyOf(req, formKey), requestHash: requestHash(req, body) };
      const { outcome, replayed } = await idempotentOutcome(db, scope, (chargeId) =>
        openCharge(deps, {
          chargeId,
          accountId: account.id,
          amount: body.amount,
          method: 'bank_transfer',
          origin: 'charge_link',
          depositorName: body.depositorName,
        }),
      );
      if (!html) return answerJson(res, outcome, replayed);
      await answerForm(req, res, link, account, 'bank_transfer', outcome, values, scope.key);
    }),
  );

  r.post(
    '/pay/:token/virtual-account',
    forms,
    page(async (req, res) => {
      const { link, account } = await liveLink(db, String(req.params.token));
      const read = await readTopUp<{ amount: number }>(req, res, { link, account }, 'virtual_account', ['amount'], {
        form: virtualAccountForm(config.chargeLimits),
        json: VirtualAccountTopUp,
      });
      if (!read) return;
      const { html, values, body, formKey } = read;
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
