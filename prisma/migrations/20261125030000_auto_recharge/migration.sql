-- Auto-recharge settings and state, one row per funding account. `consecutiveFailures` counts failed
-- auto-recharge charges in a row; `lastChargeId` is the charge whose outcome was counted last, so a retried
-- activity counts an outcome once. Three failures in a row switch the setting off (`disabledAt`,
-- `disabledReason`).

-- CreateTable
CREATE TABLE "AutoRecharge" (
    "accountId" UUID NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "threshold" BIGINT NOT NULL DEFAULT 15000,
    "amount" BIGINT NOT NULL,
    "paymentMethodId" UUID NOT NULL,
    "monthlyLimit" BIGINT,
    "consecutiveFailures" INTEGER NOT NULL DEFAULT 0,
    "lastChargeId" UUID,
    "disabledAt" TIMESTAMPTZ(3),
    "disabledReason" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "AutoRecharge_pkey" PRIMARY KEY ("accountId"),
    CONSTRAINT "AutoRecharge_amounts_positive" CHECK ("amount" > 0 AND "threshold" >= 0 AND ("monthlyLimit" IS NULL OR "monthlyLimit" > 0)),
    CONSTRAINT "AutoRecharge_consecutiveFailures_non_negative" CHECK ("consecutiveFailures" >= 0)
);

-- The monthly limit sums an account's succeeded auto-recharge charges of the month.
-- CreateIndex
CREATE INDEX "Charge_accountId_origin_status_completedAt_idx" ON "Charge"("accountId", "origin", "status", "completedAt");

-- AddForeignKey
ALTER TABLE "AutoRecharge" ADD CONSTRAINT "AutoRecharge_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
