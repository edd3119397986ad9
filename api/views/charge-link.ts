// The JSON shapes of a charge link: as its creator gets it (the token only then), and as its page answers
// a JSON client.
import { z } from 'zod';
import type { ChargeLink } from '../../db/charge-links.ts';
import type { Account } from '../../db/accounts.ts';
import type { ChargeLimits } from '../../config/config.ts';
import type { PriceList } from '../../domain/money.ts';
import type { LinkCharge } from '../pages/pay.ts';
import { LinkChargeView } from './charge.ts';
import { Timestamp, Uuid } from './common.ts';

export const ChargeLinkView = z.object({
  token: z.string().describe('the bearer secret of the link; shown once'),
  url: z.string().describe('PUBLIC_BASE_URL/pay/{token}'),
  accountId: Uuid,
  tokenHint: z.string(),
  expiresAt: Timestamp,
  createdAt: Timestamp,
});

export function chargeLinkView(link: ChargeLink, token: string, publicBaseUrl: string): z.infer<typeof ChargeLinkView> {
  return {
    token,
    url: `${publicBaseUrl.replace(/\/+$/, '')}/pay/${token}`,
    accountId: link.accountId,
    tokenHint: link.tokenHint,
    expiresAt: link.expiresAt.toISOString(),
    createdAt: link.createdAt.toISOString(),
  };
}

const Limits = z.object({
  minimum: z.object({ card: z.number().int(), bank_transfer: z.number().int(), virtual_account: z.number().int() }),
  maximum: z.number().int(),
});

/** What GET /pay/{token} answers a JSON client; `sendable` has one count per item of the price list. */
function payLinkViewOf(sendable: z.ZodType<Record<string, number>>) {
  return z.object({
    accountName: z.string(),
    balance: z.number().int(),
    pendingCharges: z.number().int(),
    sendable,
    linkExpiresAt: Timestamp,
    limits: Limits,
    openRequests: z.array(LinkChargeView).describe('charges awaiting a deposit or a card answer, newest first'),
  });
}
export const PayLinkView = payLinkViewOf(z.record(z.string(), z.number().int()));
/** The schema with the configured price list's items spelt out (for /openapi.json). */
export const payLinkViewFor = (prices: PriceList) =>
  payLinkViewOf(z.object(Object.fromEntries(Object.keys(prices).map((item) => [item, z.number().int().min(0)]))));

export function payLinkView(
  link: ChargeLink,
  account: Pick<Account, 'name'>,
  funding: { balance: number; pendingCharges: number; sendable: Record<string, number> },
  limits: ChargeLimits,
  openRequests: LinkCharge[],
): z.infer<typeof PayLinkView> {
  return {
    accountName: account.name,
    balance: funding.balance,
    pendingCharges: funding.pendingCharges,
    sendable: funding.sendable,
    linkExpiresAt: link.expiresAt.toISOString(),
    limits,
    openRequests: openRequests as z.infer<typeof PayLinkView>['openRequests'],
  };
}
