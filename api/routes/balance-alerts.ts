// Balance alert thresholds of a funding account (SPEC §6.3). A parent-billed account has none: its
// partner's wallet is the one whose balance moves.
import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps.ts';
import { accountFor, principalOf } from '../auth.ts';
import { parse } from '../validation.ts';
import { HttpProblem } from '../problem.ts';
import { balanceAlerts, setBalanceAlerts } from '../../db/balance-alerts.ts';
import { MAX_POINTS } from '../../domain/money.ts';

const Id = z.uuid({ message: 'must be a UUID' });
const PutAlerts = z.object({ thresholds: z.array(z.number().int().min(1).max(MAX_POINTS)).max(20) }).strict();

export function balanceAlertsRouter({ db }: AppDeps): Router {
  const r = Router();

  r.put('/accounts/:id/balance-alerts', async (req, res) => {
    const account = await accountFor(db, principalOf(req), parse(Id, req.params.id));
    const body = parse(PutAlerts, req.body ?? {});
    if (account.billingMode === 'parent') {
      throw new HttpProblem('invalid_state', `account ${account.id} is billed to its partner; set balance alerts on the partner's account`, { fundingAccountId: account.parentId });
    }
    res.json({ accountId: account.id, thresholds: await setBalanceAlerts(db, account.id, body.thresholds) });
  });

  r.get('/accounts/:id/balance-alerts', async (req, res) => {
    const account = await accountFor(db, principalOf(req), parse(Id, req.params.id));
    res.json({ accountId: account.id, thresholds: await balanceAlerts(db, account.id) });
  });

  return r;
}
