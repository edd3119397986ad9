-- Charge links (간편 충전 링크): a bearer token that lets whoever holds it top up one account without a
-- login. Like API keys, only the token's SHA-256 is stored (it carries 192 random bits, so a fast hash is
-- enough and a lookup stays O(1)), with its last characters as a hint for support. A link ends at
-- "expiresAt" or when revoked; an ended link is answered exactly like an unknown token.

-- CreateTable
CREATE TABLE "ChargeLink" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "tokenHint" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "revokedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ChargeLink_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ChargeLink_tokenHash_key" ON "ChargeLink"("tokenHash");
CREATE INDEX "ChargeLink_accountId_createdAt_idx" ON "ChargeLink"("accountId", "createdAt");

-- AddForeignKey
ALTER TABLE "ChargeLink" ADD CONSTRAINT "ChargeLink_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
