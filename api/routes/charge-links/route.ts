// Charge links (간편 충전 링크) under /v1 (authenticated): create and revoke. The pages a link opens are
// ./pay-route.ts.
import { Router } from 'express';
import type { AppDeps } from '../../deps.ts';
import { principalId, principalOf } from '../../principal.ts';
import { accountFor, requireOwnBilling } from '../../access.ts';
import { parse } from '../../validation.ts';
import { Id } from '../../schemas.ts';
import { chargeLinkView } from '../../views/charge-link.ts';
import { createChargeLink, revokeChargeLink } from '../../../db/charge-links.ts';
import { CreateLink } from './validators.ts';
import { linkFor } from './helpers.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export function chargeLinksRouter({ db, config }: AppDeps): Router {
  const r = Router();

  r.post('/accounts/:id/charge-links', async (req, res) => {
    const accountId = parse(Id, req.params.id);
    const body = parse(CreateLink, req.body ?? {});
    const p = principalOf(req);
    const account = await accountFor(db, p, accountId);
    requireOwnBilling(account, `the partner ${account.parentId} tops up`);
    const expiresAt = new Date(Date.now() + body.expiresInDays * DAY_MS);
    const { link, token } = await createChargeLink(db, { accountId: account.id, expiresAt, createdBy: principalId(p) });
    res.status(201).json(chargeLinkView(link, token, config.publicBaseUrl));
  });

  r.delete('/charge-links/:token', async (req, res) => {
    const link = await linkFor(db, principalOf(req), req.params.token);
    await revokeChargeLink(db, link.id);
    res.status(204).end();
  });

  return r;
}
