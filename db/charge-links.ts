// Charge links (간편 충전 링크): bearer tokens that let whoever holds them top up one account without a
// login. Like API keys, a token is shown once and stored as its SHA-256: it carries 192 random bits, so a
// fast hash is enough and a lookup stays O(1). An expired, revoked or unknown token finds nothing, and the
// callers answer all three alike.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Db } from './client.ts';
import type { ChargeLink } from '../generated/prisma/client.ts';

export type { ChargeLink };

export const CHARGE_LINK_PREFIX = 'cl_';
/** `cl_` and 32 base64url characters (24 random bytes). */
export const CHARGE_LINK_TOKEN = /^cl_[A-Za-z0-9_-]{32}$/;

export function hashChargeLinkToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function newChargeLinkToken(): string {
  return `${CHARGE_LINK_PREFIX}${randomBytes(24).toString('base64url')}`;
}

export async function createChargeLink(db: Db, input: { accountId: string; expiresAt: Date; createdBy: string }): Promise<{ link: ChargeLink; token: string }> {
  const token = newChargeLinkToken();
  const link = await db.chargeLink.create({
    data: {
      id: randomUUID(),
      accountId: input.accountId,
      tokenHash: hashChargeLinkToken(token),
      tokenHint: token.slice(-4),
      createdBy: input.createdBy,
      expiresAt: input.expiresAt,
    },
  });
  return { link, token };
}

/** Any link with this token, live or not (for revocation); null for a malformed or unknown token. */
export async function findChargeLink(db: Db, token: string): Promise<ChargeLink | null> {
  if (!CHARGE_LINK_TOKEN.test(token)) return null;
  return db.chargeLink.findUnique({ where: { tokenHash: hashChargeLinkToken(token) } });
}

/** The live link of this token: not revoked and not expired at `now`; null otherwise. */
export async function findLiveChargeLink(db: Db, token: string, now = new Date()): Promise<ChargeLink | null> {
  const link = await findChargeLink(db, token);
  return link && isLive(link, now) ? link : null;
}

export function isLive(link: Pick<ChargeLink, 'revokedAt' | 'expiresAt'>, now = new Date()): boolean {
  return link.revokedAt === null && link.expiresAt.getTime() > now.getTime();
}

/** Revokes the link once; revoking a revoked link keeps its first revocation time. */
export async function revokeChargeLink(db: Db, id: string, now = new Date()): Promise<void> {
  await db.chargeLink.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: now } });
}
