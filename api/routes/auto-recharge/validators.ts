// What the auto-recharge routes accept. Each recharge is a card charge: the configured card charge limits
// bound its amount, so the body's schema is built from them.
import { z } from 'zod';
import type { ChargeLimits } from '../../../config/config.ts';
import { MAX_POINTS } from '../../../domain/money.ts';
import { DEFAULT_AUTO_RECHARGE_THRESHOLD } from '../../../workflows/auto-recharge/definitions.ts';
import { Id } from '../../schemas.ts';

export function putAutoRecharge({ minimum, maximum }: ChargeLimits) {
  return z
    .object({
      enabled: z.boolean(),
      threshold: z.number().int().min(0).max(MAX_POINTS).default(DEFAULT_AUTO_RECHARGE_THRESHOLD),
      // Each recharge is a card charge: the card charge limits apply.
      amount: z
        .number()
        .int()
        .min(minimum.card, { message: `a card charge is at least ${minimum.card} points` })
        .max(maximum, { message: `a charge is at most ${maximum} points` }),
      paymentMethodId: Id.describe("one of the account's stored cards"),
      monthlyLimit: z.number().int().positive().max(MAX_POINTS).nullable().optional().describe('at least amount; null = no limit'),
    })
    .strict()
    .refine((b) => b.monthlyLimit == null || b.monthlyLimit >= b.amount, {
      message: 'monthlyLimit must allow at least one recharge (≥ amount)',
      path: ['monthlyLimit'],
    });
}
