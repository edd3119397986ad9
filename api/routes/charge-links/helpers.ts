// What the charge-link routes share: finding a link the caller may manage, what a link holder is shown of
// a charge and of a stored answer, and the Korean words of the pages.
import { createHash } from 'node:crypto';
import type { Request } from 'express';
import type { Db } from '../../../db/client.ts';
import { findChargeLink, findLiveChargeLink, type ChargeLink } from '../../../db/charge-links.ts';
import type { Account } from '../../../db/accounts.ts';
import type { ErrorCode } from '../../../domain/errors.ts';
import { mayAccess } from '../../access.ts';
import type { Outcome } from '../../idempotency.ts';
import type { Principal } from '../../principal.ts';
import { HttpProblem } from '../../problem.ts';
import { chargeView, linkChargeView, type ChargeView } from '../../views/charge.ts';
import type { LinkCharge } from '../../pages/pay.ts';
import { PAY_SCRIPT_SRC } from '../../pages/pay-script.ts';

/** The pages' CSP: their one inline script by hash. */
export const PAGE_OPTS = { scriptSrc: PAY_SCRIPT_SRC };

export const LINK_NOT_FOUND = 'charge link not found';

/** A link whose account the principal may act for, or 404 as if it did not exist. */
export async function linkFor(db: Db, p: Principal, token: string): Promise<ChargeLink> {
  const link = await findChargeLink(db, token);
  if (!link || !(await mayAccess(db, p, link.accountId))) throw new HttpProblem('not_found', LINK_NOT_FOUND);
  return link;
}

/** The live link and its account (billed to itself); otherwise the one 404, whatever the reason. */
export async function liveLink(db: Db, token: string): Promise<{ link: ChargeLink; account: Account }> {
  const link = await findLiveChargeLink(db, token);
  const account = link && (await db.account.findUnique({ where: { id: link.accountId } }));
  if (!link || !account || account.billingMode !== 'own') throw new HttpProblem('not_found', LINK_NOT_FOUND);
  return { link, account };
}

/** The account's charges still open: awaiting a deposit, or a card payment whose answer is awaited. */
export async function openRequests(db: Db, account: Pick<Account, 'id'>): Promise<LinkCharge[]> {
  const rows = await db.charge.findMany({
    where: { accountId: account.id, status: { in: ['awaiting_deposit', 'pending'] } },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: 20,
  });
  return rows.map((c) => linkChargeView(chargeView({ ...c, events: [] })));
}

/** A stored outcome as the link holder sees it (a declined card's problem carries the charge). */
export function publicOutcome(outcome: Outcome): Outcome {
  const body = outcome.body as Record<string, unknown>;
  if (outcome.status < 400) return { ...outcome, body: linkChargeView(body as ChargeView) };
  if (body && typeof body === 'object' && body.charge) return { ...outcome, body: { ...body, charge: linkChargeView(body.charge as ChargeView) } };
  return outcome;
}

/** A UUID derived from a name (RFC 9562 version 8): the stored card of a link's card charge, one per charge. */
export function derivedUuid(name: string): string {
  const h = createHash('sha256').update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** Whether the request is a browser's (an HTML page) rather than a JSON client's. */
export const wantsHtml = (req: Request) =>
  req.method === 'GET' ? req.accepts(['html', 'json']) === 'html' : Boolean(req.is('application/x-www-form-urlencoded'));

/** Korean titles of the problems a charge-link page can show. */
export const PROBLEM_KO: Partial<Record<ErrorCode, string>> = {
  validation_error: '입력을 확인해 주세요',
  invalid_state: '지금은 충전할 수 없습니다',
  idempotency_key_reused: '이미 보낸 요청입니다',
  amount_below_minimum: '충전 금액이 최소 금액보다 적습니다',
  amount_above_maximum: '충전 금액이 최대 금액을 넘습니다',
  card_declined: '카드 결제가 거절되었습니다',
  rate_limited: '요청이 너무 많습니다',
};

/** What a refused submit says on the form, in Korean, for problems that belong to no single field. */
export function formProblemText(code: ErrorCode | undefined): string {
  switch (code) {
    case 'idempotency_key_reused':
      return '이 화면에서 이미 다른 내용으로 요청했습니다. 아래 내용을 확인하고 다시 눌러 주세요.';
    case 'invalid_state':
      return '지금은 이 사업장을 충전할 수 없습니다. 링크를 보내 준 곳에 문의해 주세요.';
    default:
      return '요청을 처리하지 못했습니다. 잠시 뒤 다시 시도해 주세요.';
  }
}

export const BEHAVIOUR_KO: Record<string, string> = { succeed: '승인', decline: '거절', flaky: '두 번 일시 오류 뒤 승인' };
