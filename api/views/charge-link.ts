// The JSON shape of a charge link as its creator gets it (the token only then).
import { z } from 'zod';
import type { ChargeLink } from '../../db/charge-links.ts';
import { Timestamp, Uuid } from './common.ts';

export const ChargeLinkView = z
  .object({
    token: z.string().describe('the bearer secret of the link; shown once'),
    url: z.string().describe('PUBLIC_BASE_URL/pay/{token}'),
    accountId: Uuid,
    tokenHint: z.string(),
    expiresAt: Timestamp,
    createdAt: Timestamp,
  })
  ;

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
