// What a consumption request is and how it is answered, shared by POST /v1/consumptions and each item
// of POST /v1/consumptions/batch: one schema, one pricing step, one view and one 402 problem, so a key
// used in either form means and answers the same.
import { z } from 'zod';
import { consumptionAmount, MAX_POINTS, type PriceList } from '../../domain/money.ts';
import { HttpProblem } from '../problem.ts';
import type { ConsumptionRecord } from '../../workflows/consumption/definitions.ts';

export const CreateConsumption = z
  .object({
    accountId: z.uuid(),
    amount: z.number().int().positive().max(MAX_POINTS).optional(),
    item: z.string().min(1).max(64).optional(),
    quantity: z.number().int().positive().max(10_000_000).optional(),
    reference: z.string().max(200).optional(),
    memo: z.string().max(500).optional(),
  })
  .strict()
  .refine((b) => (b.amount === undefined) !== (b.item === undefined), {
    message: 'give either amount, or item (with quantity), not both',
    path: ['amount'],
  })
  .refine((b) => b.item !== undefined || b.quantity === undefined, { message: 'quantity goes with item', path: ['quantity'] });

export type CreateConsumption = z.infer<typeof CreateConsumption>;

/** The points a request consumes, from its amount or its item's price; a 400 problem otherwise. */
export function pricedAmount(body: CreateConsumption, prices: PriceList): number {
  const priced = consumptionAmount(body, prices);
  if ('error' in priced) throw new HttpProblem('validation_error', `item: unknown item "${body.item}"; see GET /v1/prices`);
  if (priced.amount > MAX_POINTS) throw new HttpProblem('validation_error', 'amount: too large');
  return priced.amount;
}

/** The consumption's fields as the workflows take them (quantity 1 when an item comes without one). */
export function consumptionFields(body: CreateConsumption) {
  return {
    item: body.item ?? null,
    quantity: body.item ? (body.quantity ?? 1) : null,
    reference: body.reference ?? null,
    memo: body.memo ?? null,
  };
}

/** The 201 body of a consumption. */
export function consumptionView(c: ConsumptionRecord) {
  return {
    id: c.id,
    accountId: c.accountId,
    fundingAccountId: c.fundingAccountId,
    amount: c.amount,
    balanceAfter: c.balanceAfter,
    item: c.item ?? undefined,
    quantity: c.quantity ?? undefined,
    reference: c.reference ?? undefined,
    memo: c.memo ?? undefined,
    createdAt: c.createdAt,
  };
}

/** The 402 of a consumption the funding balance does not cover. */
export function insufficientBalance(r: { balance: number; required: number; fundingAccountId: string }): HttpProblem {
  return new HttpProblem('insufficient_balance', `the balance of ${r.fundingAccountId} is ${r.balance} points; ${r.required} required`, {
    balance: r.balance,
    required: r.required,
    fundingAccountId: r.fundingAccountId,
  });
}
