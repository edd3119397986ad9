import type { Db } from '../../../db/client.ts';
import { HttpProblem } from '../../problem.ts';

/** A card stored on this account, or 404 as if it did not exist (another account's card included). */
export async function storedCardOf(db: Db, accountId: string, paymentMethodId: string) {
  const pm = await db.paymentMethod.findUnique({ where: { id: paymentMethodId } });
  if (!pm || pm.accountId !== accountId) throw new HttpProblem('not_found', `payment method ${paymentMethodId} not found`);
  return pm;
}
