// Charge links (간편 충전 링크). Under /v1 (authenticated): create and revoke. Under /pay (no login; the
// token is the credential): the page and the two forms it posts, card and bank transfer. An unknown,
// expired or revoked token gets one and the same 404, so a token's history never leaks.
import { createHash } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../app.ts';
import { accountFor, principalId, principalOf } from '../auth.ts';
import { parse } from '../validation.ts';
import { HttpProblem, toHttpProblem } from '../problem.ts';
import { idempotencyKeyOf, idempotentOutcome, requestHash, type Outcome } from '../idempotency.ts';
import { checkLimits, chargeView, openCharge } from './charges.ts';
import { createChargeLink, findChargeLink, findLiveChargeLink, revokeChargeLink, type ChargeLink } from '../../db/charge-links.ts';
import { fundingBalance, type Account } from '../../db/accounts.ts';
import { SimulatedGateway } from '../../activities/gateway.ts';
import { ErrorTitle, type ErrorCode } from '../../domain/errors.ts';
import { sendPage } from '../pages/html.ts';
import { chargeResultPage, linkNotFoundPage, payPage, problemPage, type LinkCharge } from '../pages/pay.ts';
import { virtualAccountIssued, type LinkVirtualAccountCharge } from '../pages/deposits.ts';

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
const BankTopUp = z.object({ amount: Amount, depositorName: z.string().trim().min(1).max(100), idempotencyKey: IdempotencyField }).strict();

const LINK_NOT_FOUND = 'charge link not found';

/** Masks charge-link tokens in a URL (for logs). */
export function redactChargeLinkTokens(url: string | undefined): string | undefined {
  return url?.replace(/cl_[A-Za-z0-9_-]{8,}/g, 'cl_[redacted]');
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
function linkChargeView(view: ReturnType<typeof chargeView>): LinkCharge & { virtualAccount?: unknown } {
  return {
    virtualAccount: view.virtualAccount,
    id: view.id,
    amount: view.amount,
    // Charge links open card and bank-transfer charges only.
    method: view.method as LinkCharge['method'],
    status: view.status,
    depositorName: view.depositorName,
    bankAccount: view.bankAccount as LinkCharge['bankAccount'],
    processingStartsAt: view.processingStartsAt,
    expectedBy: view.expectedBy,
    expiresAt: view.expiresAt,
    creditedAmount: view.creditedAmount,
    failureCode: view.failureCode,
    failureReason: view.failureReason,
    createdAt: view.createdAt,
    completedAt: view.completedAt,
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

export function payRouter(deps: AppDeps): Router {
  const { db, config, gateway = new SimulatedGateway(deps.db) } = deps;
  const r = Router();
  const timeZone = config.calendar.timeZone;
  const forms = express.urlencoded({ extended: false, limit: '10kb', parameterLimit: 20 });

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
        if (problem.code === 'not_found') return sendPage(res, 404, linkNotFoundPage());
        sendPage(res, problem.status, problemPage(String(req.params.token), problem.status, ErrorTitle[problem.code], problem.detail));
      }
    };

  r.get(
    '/pay/:token',
    page(async (req, res) => {
      const { link, account } = await liveLink(String(req.params.token));
      const { balance, pendingCharges, sendable } = await fundingBalance(db, account, config.prices);
      const model = {
        accountName: account.name,
        balance,
        pendingCharges,
        sendable,
        linkExpiresAt: link.expiresAt.toISOString(),
        limits: config.chargeLimits,
      };
      if (!wantsHtml(req)) {
        res.set('Cache-Control', 'no-store').set('Referrer-Policy', 'no-referrer').json(model);
        return;
      }
      sendPage(res, 200, payPage({ ...model, token: String(req.params.token), timeZone }));
    }),
  );

  /** Answers a form post: the same outcome for a double submit (the form's key), rendered or as JSON. */
  async function answer(req: Request, res: Response, account: Account, outcome: Outcome, replayed: boolean) {
    const shown = publicOutcome(outcome);
    if (!wantsHtml(req)) {
      if (replayed) res.set('Idempotent-Replayed', 'true');
      res.status(shown.status).type(shown.status >= 400 ? 'application/problem+json' : 'application/json').send(JSON.stringify(shown.body));
      return;
    }
    const body = shown.body as Record<string, unknown>;
    if (shown.status < 400 && body.virtualAccount && body.status === 'awaiting_deposit') {
      return sendPage(res, shown.status, virtualAccountIssued(String(req.params.token), account.name, body as unknown as LinkVirtualAccountCharge, timeZone));
    }
    if (shown.status < 400) return sendPage(res, shown.status, chargeResultPage(String(req.params.token), account.name, body as unknown as LinkCharge, timeZone));
    if (body.charge) return sendPage(res, shown.status, chargeResultPage(String(req.params.token), account.name, body.charge as LinkCharge, timeZone));
    const code = body.code as ErrorCode;
    sendPage(res, shown.status, problemPage(String(req.params.token), shown.status, ErrorTitle[code] ?? 'Error', String(body.detail ?? '')));
  }

  r.post(
    '/pay/:token/card',
    forms,
    page(async (req, res) => {
      const { link, account } = await liveLink(String(req.params.token));
      const { idempotencyKey, ...body } = parse(CardTopUp, req.body ?? {});
      checkLimits(config, 'card', body.amount);
      const scope = { principal: `charge-link:${link.id}`, key: idempotencyKeyOf(req, idempotencyKey), requestHash: requestHash(req, body) };
      const card = await gateway.tokenize(body.cardToken);
      const { outcome, replayed } = await idempotentOutcome(db, scope, async (chargeId) => {
        // The card becomes a stored card of the account (one per charge, so a retry stores it once).
        const paymentMethodId = derivedUuid(`charge-link-card:${chargeId}`);
        await db.paymentMethod.createMany({
          data: [{ id: paymentMethodId, accountId: account.id, brand: card.brand, last4: card.last4, token: card.token }],
          skipDuplicates: true,
        });
        return openCharge(deps, { chargeId, accountId: account.id, amount: body.amount, method: 'card', origin: 'charge_link', paymentMethodId });
      });
      await answer(req, res, account, outcome, replayed);
    }),
  );

  r.post(
    '/pay/:token/bank-transfer',
    forms,
    page(async (req, res) => {
      const { link, account } = await liveLink(String(req.params.token));
      const { idempotencyKey, ...body } = parse(BankTopUp, req.body ?? {});
      checkLimits(config, 'bank_transfer', body.amount);
      const scope = { principal: `charge-link:${link.id}`, key: idempotencyKeyOf(req, idempotencyKey), requestHash: requestHash(req, body) };
      const { outcome, replayed } = await idempotentOutcome(db, scope, (chargeId) =>
        openCharge(deps, { chargeId, accountId: account.id, amount: body.amount, method: 'bank_transfer', origin: 'charge_link', depositorName: body.depositorName }),
      );
      await answer(req, res, account, outcome, replayed);
    }),
  );

  r.post(
    '/pay/:token/virtual-account',
    forms,
    page(async (req, res) => {
      const { link, account } = await liveLink(String(req.params.token));
      const { idempotencyKey, ...body } = parse(VirtualAccountTopUp, req.body ?? {});
      checkLimits(config, 'virtual_account', body.amount);
      const scope = { principal: `charge-link:${link.id}`, key: idempotencyKeyOf(req, idempotencyKey), requestHash: requestHash(req, body) };
      const { outcome, replayed } = await idempotentOutcome(db, scope, (chargeId) =>
        openCharge(deps, { chargeId, accountId: account.id, amount: body.amount, method: 'virtual_account', origin: 'charge_link' }),
      );
      await answer(req, res, account, outcome, replayed);
    }),
  );

  return r;
}

