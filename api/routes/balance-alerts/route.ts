// Balance alert thresholds of a funding account (SPEC §6.3). A parent-billed account has none: its
// partner's wallet is the one whose balance moves.
import { Router } from 'express';
import type { AppDeps } from '../../deps.ts';
import { principalOf } from '../../principal.ts';
import { accountFor, requireOwnBilling } from '../../access.ts';
import { parse } from '../../validation.ts';
import { Id } from '../../schemas.ts';
import { balanceAlerts, setBalanceAlerts } from '../../../db/balance-alerts.ts';
import { balanceAlertsView } from '../../views/account.ts';
import { PutAlerts } from './validators.ts';

export function balanceAlertsRouter({ db }: AppDeps): Router {
  const r = Router();

  r.put('/accounts/:id/balance-alerts', async (req, res) => {
    const account = await accountFor(db, principalOf(req), parse(Id, req.params.id));
    const body = parse(PutAlerts, req.body ?? {});
    requireOwnBilling(account, "set balance alerts on the partner's account");
    res.json(balanceAlertsView(account.id, await setBalanceAlerts(db, account.id, body.thresholds)));
  });

  r.get('/accounts/:id/balance-alerts', async (req, res) => {
    const account = await accountFor(db, principalOf(req), parse(Id, req.params.id));
    res.json(balanceAlertsView(account.id, await balanceAlerts(db, account.id)));
  });

  return r;
}
