// What the consumption routes accept: POST /v1/consumptions, each item of POST /v1/consumptions/batch
// (the same body with its own `key`), and the batch's envelope. One schema for both, so a key used in
// either form means the same request.
import { z } from 'zod';
import { MAX_BATCH_ITEMS } from '../../../workflows/consumption-batch/definitions.ts';
import { BoundedPoints, Id } from '../../schemas.ts';

const Item = z.string().min(1).max(64);
const Quantity = z.number().int().positive().max(10_000_000);
const Reference = z.string().max(200);
const Memo = z.string().max(500);

/** A consumption request: an amount, or an item of the price list (with a quantity, 1 if left out). */
export const CreateConsumption = z
  .object({
    accountId: Id,
    amount: BoundedPoints.optional(),
    item: Item.optional(),
    quantity: Quantity.optional(),
    reference: Reference.optional(),
    memo: Memo.optional(),
  })
  .strict()
  .refine((b) => (b.amount === undefined) !== (b.item === undefined), {
    message: 'give either amount, or item (with quantity), not both',
    path: ['amount'],
  })
  .refine((b) => b.item !== undefined || b.quantity === undefined, { message: 'quantity goes with item', path: ['quantity'] });

export type CreateConsumption = z.infer<typeof CreateConsumption>;

/**
 * The two shapes CreateConsumption accepts, from its own fields, as /openapi.json describes them (its
 * refinements say "one or the other" to zod, not to JSON Schema); `item` is the configured price list's
 * names there.
 */
export function createConsumptionShapes(item: z.ZodType = Item) {
  return z.union([
    z.object({ accountId: Id, amount: BoundedPoints, reference: Reference.optional(), memo: Memo.optional() }).strict(),
    z.object({ accountId: Id, item, quantity: Quantity.default(1), reference: Reference.optional(), memo: Memo.optional() }).strict(),
  ]);
}

/**
 * The batch's envelope. Its items are checked one by one (a bad item is that item's 400 and the others go
 * on), so here they are anything; each is a CreateConsumption with its idempotency `key`.
 */
export const ConsumptionBatch = z
  .object({ items: z.array(z.unknown()).min(1, 'items: at least one').max(MAX_BATCH_ITEMS, `items: at most ${MAX_BATCH_ITEMS}`) })
  .strict();

/** An item's idempotency key, as /openapi.json describes it (api/idempotency.ts isIdempotencyKey checks it). */
export const BatchKey = z.string().min(1).max(255).describe("the item's idempotency key");

/** The batch's envelope with its items' shapes, as /openapi.json describes it. */
export function consumptionBatchShapes(item?: z.ZodType) {
  return ConsumptionBatch.extend({
    items: z
      .array(z.union(createConsumptionShapes(item).options.map((o) => o.extend({ key: BatchKey }))))
      .min(1)
      .max(MAX_BATCH_ITEMS),
  });
}
