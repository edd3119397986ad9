// Auto-recharge settings of a funding account (SPEC §2, §4). The settings live in the AutoRecharge row;
// the auto-recharge workflow reads them when a debit leaves the balance below the threshold. A
// parent-billed account has none: its partner's wallet is the funding account.
import { Router } from 'express';
import type { AppDeps } from '../../deps.ts';
import { principalOf } from '../../principal.ts';
import { accountFor, requireOwnBilling } from '../../access.ts';
import { parse } from '../../validation.ts';
import { HttpProblem } from '../../problem.ts';
import { Id } from '../../schemas.ts';
import { autoRechargeView } from '../../views/account.ts';
import { autoRechargedThisMonth, claimAutoRecharge } from '../../../db/auto-recharge.ts';
import { requestAutoRecharge } from '../../../workflows/auto-recharge/client.ts';
import { toPoints } from '../../../domain/money.ts';
import { storedCardOf } from '../payment-methods/helpers.ts';
import { putAutoRecharge } from './validators.ts';

export function autoRechargeRouter({ db, config, temporal }: AppDeps): Router {
  const r = Router();
  const PutAutoRecharge = putAutoRecharge(config.chargeLimits);

  r.put('/accounts/:id/auto-recharge', async (req, res) => {
    const id = parse(Id, req.params.id);
    const body = parse(PutAutoRecharge, req.body);
    const account = await accountFor(db, principalOf(req), id);
    requireOwnBilling(account, "set up auto-recharge on the partner's account");
    const pm = await storedCardOf(db, account.id, body.paymentMethodId);
    const settings = {
      enabled: body.enabled,
      threshold: BigInt(body.threshold),
      amount: BigInt(body.amount),
      paymentMethodId: pm.id,
      monthlyLimit: body.monthlyLimit == null ? null : BigInt(body.monthlyLimit),
      // Saving the settings starts the failure count afresh (a new card, or switched back on), and lifts
      // a monthly-limit pause (the limit may have changed).
      consecutiveFailures: 0,
      disabledAt: null,
      disabledReason: null,
      pausedUntil: null,
    };
    const saved = await db.autoRecharge.upsert({ where: { accountId: account.id }, create: { accountId: account.id, ...settings }, update: settings });
    // Saved while the balance is already below the threshold: no debit needs to come first.
    const balance = (await db.wallet.findUnique({ where: { accountId: account.id }, select: { balance: true } }))?.balance ?? 0n;
    if (saved.enabled && balance < saved.threshold && (await claimAutoRecharge(db, account.id, 'settings'))) {
      await requestAutoRecharge(
        temporal,
        { accountId: account.id, taskQueue: config.temporal.taskQueue, charging: config },
        { consumptionId: 'settings', balanceAfter: toPoints(balance) },
      );
    }
    res.json(autoRechargeView(saved, await autoRechargedThisMonth(db, account.id, config.calendar.timeZone, new Date())));
  });

  r.get('/accounts/:id/auto-recharge', async (req, res) => {
    const id = parse(Id, req.params.id);
    const account = await accountFor(db, principalOf(req), id);
    const setting = await db.autoRecharge.findUnique({ where: { accountId: account.id } });
    if (!setting) throw new HttpProblem('not_found', `account ${account.id} has no auto-recharge`);
    res.json(autoRechargeView(setting, await autoRechargedThisMonth(db, account.id, config.calendar.timeZone, new Date())));
  });

  return r;
}
