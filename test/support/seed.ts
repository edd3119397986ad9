// One way to seed a funded account in tests: the account (db/accounts.ts), and its balance as one
// adjustment entry through the ledger (business key `seed:<id>`), so wallet and ledger agree and
// checkLedgerIntegrity holds from the start.
import type { Db } from '../../db/client.ts';
import { createAccount, type NewAccount } from '../../db/accounts.ts';
import { post } from '../../db/ledger.ts';

/** Creates an account (name 'Shop' unless given) holding `balance` points (none when 0). */
export async function seedFundedAccount(db: Db, balance: number, account: Partial<NewAccount> = {}) {
  const created = await createAccount(db, { name: 'Shop', ...account });
  const { id } = created.account;
  if (balance > 0) await post(db, { walletId: id, accountId: id, kind: 'adjustment', amount: balance, businessKey: `seed:${id}` });
  return created;
}
