// Who may see what. One tenant never learns that another's resource exists: whatever the principal may
// not act for is answered 404, exactly as if it did not exist. Every "load it, or 404" of the routes goes
// through visibleOr404; every "this account is billed to its partner" refusal through requireOwnBilling.
import type { Db } from '../db/client.ts';
import type { Account } from '../db/accounts.ts';
import { HttpProblem } from './problem.ts';
import type { Principal } from './principal.ts';

/** Whether the principal may act for the account: itself, its partner, or the admin. */
export function canActFor(p: Principal, account: Pick<Account, 'id' | 'parentId'>): boolean {
  if (p.kind === 'admin') return true;
  return account.id === p.account.id || account.parentId === p.account.id;
}

/** Loads an account the principal may act for, or answers 404 as if it did not exist. */
export async function accountFor(db: Db, p: Principal, accountId: string): Promise<Account> {
  // An account acting for itself: authenticate loaded it for this very request.
  if (p.kind === 'account' && p.account.id === accountId) return p.account;
  const account = await db.account.findUnique({ where: { id: accountId } });
  if (!account || !canActFor(p, account)) throw new HttpProblem('not_found', `account ${accountId} not found`);
  return account;
}

/** Ids of accounts the principal may see (undefined = all, for the admin). */
export async function visibleAccountIds(db: Db, p: Principal): Promise<string[] | undefined> {
  if (p.kind === 'admin') return undefined;
  const children = await db.account.findMany({ where: { parentId: p.account.id }, select: { id: true } });
  return [p.account.id, ...children.map((c) => c.id)];
}

/** Whether the principal may see something that belongs to `accountId` (null: the admin's alone). */
export async function mayAccess(db: Db, p: Principal, accountId: string | null): Promise<boolean> {
  if (p.kind === 'admin') return true;
  if (!accountId) return false;
  const account = await db.account.findUnique({ where: { id: accountId }, select: { id: true, parentId: true } });
  return account !== null && canActFor(p, account);
}

/**
 * `row` when it exists and the principal may act for its account (`accountIdOf`); otherwise a 404
 * "`what` `id` not found", the same whether it does not exist or belongs to someone else.
 */
export async function visibleOr404<T>(
  db: Db,
  p: Principal,
  row: T | null | undefined,
  accountIdOf: (row: T) => string | null,
  what: string,
  id: string,
): Promise<T> {
  if (row == null || !(await mayAccess(db, p, accountIdOf(row)))) throw new HttpProblem('not_found', `${what} ${id} not found`);
  return row;
}

/**
 * Refuses (409 invalid_state) what only a funding account does — top up, set auto-recharge or balance
 * alerts — on an account billed to its partner; `instead` says what to do ("the partner … tops up").
 */
export function requireOwnBilling(account: Pick<Account, 'id' | 'parentId' | 'billingMode'>, instead: string): void {
  if (account.billingMode === 'parent') {
    throw new HttpProblem('invalid_state', `account ${account.id} is billed to its partner; ${instead}`, { fundingAccountId: account.parentId });
  }
}
