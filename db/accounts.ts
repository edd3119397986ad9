// Accounts (businesses) and their API keys. Keys are shown once and stored as SHA-256 hashes: they carry
// 256 bits of randomness, so a fast hash is enough and lookups stay O(1).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Db } from './client.ts';
import type { Account } from '../generated/prisma/client.ts';
import type { BillingMode, TaxDocumentType } from '../generated/prisma/enums.ts';
import { BusinessError } from '../domain/errors.ts';
import { sendable, toPoints, type PriceList } from '../domain/money.ts';

export type { Account };

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function newApiKey(): string {
  return `pk_${randomBytes(32).toString('base64url')}`;
}

export interface NewAccount {
  name: string;
  parentId?: string | null;
  billingMode?: BillingMode;
  /** 10 digits, already validated (domain/business-number.ts). */
  businessRegistrationNumber?: string | null;
  taxDocument?: TaxDocumentType;
}

export async function createAccount(db: Db, input: NewAccount): Promise<{ account: Account; apiKey: string }> {
  const billingMode = input.billingMode ?? 'own';
  if (billingMode === 'parent' && !input.parentId) {
    throw new BusinessError('validation_error', 'billingMode "parent" needs a parentId');
  }
  const apiKey = newApiKey();
  const id = randomUUID();
  const account = await db.$transaction(async (tx) => {
    if (input.parentId) {
      const parent = await tx.account.findUnique({ where: { id: input.parentId } });
      if (!parent) throw new BusinessError('not_found', `account ${input.parentId} not found`);
      if (parent.parentId) {
        throw new BusinessError('invalid_state', 'a sub-account cannot be a partner itself (one level of partners)');
      }
    }
    const created = await tx.account.create({
      data: {
        id,
        name: input.name,
        parentId: input.parentId ?? null,
        billingMode,
        apiKeyHash: hashApiKey(apiKey),
        apiKeyHint: apiKey.slice(-4),
        businessRegistrationNumber: input.businessRegistrationNumber ?? null,
        taxDocument: input.taxDocument ?? 'none',
      },
    });
    await tx.wallet.create({ data: { accountId: id } });
    return created;
  });
  return { account, apiKey };
}

export function findAccountByApiKey(db: Db, apiKey: string): Promise<Account | null> {
  return db.account.findUnique({ where: { apiKeyHash: hashApiKey(apiKey) } });
}

/** The account whose balance a consumption of `account` debits. */
export function fundingAccountId(account: Pick<Account, 'id' | 'parentId' | 'billingMode'>): string {
  if (account.billingMode === 'parent') {
    if (!account.parentId) throw new BusinessError('invalid_state', `account ${account.id} is parent-billed but has no partner`);
    return account.parentId;
  }
  return account.id;
}

/**
 * What an account can spend: its funding account's balance, the top-ups still pending there, and how
 * many of each price-list item the balance pays for.
 */
export async function fundingBalance(db: Db, account: Pick<Account, 'id' | 'parentId' | 'billingMode'>, prices: PriceList) {
  const funding = fundingAccountId(account);
  const [wallet, pending] = await Promise.all([
    db.wallet.findUniqueOrThrow({ where: { accountId: funding } }),
    db.charge.aggregate({ where: { accountId: funding, status: { in: ['pending', 'awaiting_deposit'] } }, _sum: { amount: true } }),
  ]);
  const balance = toPoints(wallet.balance);
  return {
    fundingAccountId: funding,
    balance,
    pendingCharges: toPoints(pending._sum.amount ?? 0n),
    sendable: sendable(balance, prices),
  };
}
