-- CreateEnum
CREATE TYPE "BillingMode" AS ENUM ('own', 'parent');
CREATE TYPE "LedgerKind" AS ENUM ('charge', 'consumption', 'refund', 'adjustment');
CREATE TYPE "ChargeMethod" AS ENUM ('card', 'bank_transfer');
CREATE TYPE "ChargeStatus" AS ENUM ('pending', 'awaiting_deposit', 'succeeded', 'failed', 'cancelled', 'rejected', 'expired');
CREATE TYPE "ChargeOrigin" AS ENUM ('api', 'charge_link', 'auto_recharge');
CREATE TYPE "RefundReason" AS ENUM ('send_failed', 'unreachable_number', 'duplicate_order', 'wrong_service', 'other');
CREATE TYPE "RefundStatus" AS ENUM ('pending_review', 'succeeded', 'rejected');

-- CreateTable
CREATE TABLE "Account" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "parentId" UUID,
    "billingMode" "BillingMode" NOT NULL DEFAULT 'own',
    "apiKeyHash" TEXT NOT NULL,
    "apiKeyHint" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Account_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "Wallet" (
    "accountId" UUID NOT NULL,
    "balance" BIGINT NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Wallet_pkey" PRIMARY KEY ("accountId"),
    -- Defence in depth: the debit is a conditional update, and the database refuses an overdraft anyway.
    CONSTRAINT "Wallet_balance_non_negative" CHECK ("balance" >= 0)
);

CREATE TABLE "LedgerEntry" (
    "id" BIGSERIAL NOT NULL,
    "walletId" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "kind" "LedgerKind" NOT NULL,
    "amount" BIGINT NOT NULL,
    "balanceAfter" BIGINT NOT NULL,
    "businessKey" TEXT NOT NULL,
    "chargeId" UUID,
    "consumptionId" UUID,
    "refundId" UUID,
    "memo" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "LedgerEntry_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "LedgerEntry_balanceAfter_non_negative" CHECK ("balanceAfter" >= 0)
);

CREATE TABLE "PaymentMethod" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "brand" TEXT NOT NULL,
    "last4" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "PaymentMethod_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "Charge" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "amount" BIGINT NOT NULL,
    "method" "ChargeMethod" NOT NULL,
    "status" "ChargeStatus" NOT NULL DEFAULT 'pending',
    "origin" "ChargeOrigin" NOT NULL DEFAULT 'api',
    "depositorName" TEXT,
    "paymentMethodId" UUID,
    "depositedAmount" BIGINT,
    "creditedAmount" BIGINT,
    "failureReason" TEXT,
    "bankAccount" JSONB,
    "processingStartsAt" TIMESTAMPTZ(3),
    "expectedBy" TIMESTAMPTZ(3),
    "expiresAt" TIMESTAMPTZ(3),
    "gatewayReference" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMPTZ(3),
    CONSTRAINT "Charge_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "ChargeEvent" (
    "id" BIGSERIAL NOT NULL,
    "chargeId" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "data" JSONB,
    "key" TEXT NOT NULL,
    CONSTRAINT "ChargeEvent_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "Consumption" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "fundingAccountId" UUID NOT NULL,
    "amount" BIGINT NOT NULL,
    "item" TEXT,
    "quantity" INTEGER,
    "reference" TEXT,
    "memo" TEXT,
    "refundedAmount" BIGINT NOT NULL DEFAULT 0,
    "reservedAmount" BIGINT NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Consumption_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "Consumption_refunds_within_amount" CHECK ("refundedAmount" <= "reservedAmount" AND "reservedAmount" <= "amount")
);

CREATE TABLE "Refund" (
    "id" UUID NOT NULL,
    "consumptionId" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "fundingAccountId" UUID NOT NULL,
    "amount" BIGINT NOT NULL,
    "reason" "RefundReason" NOT NULL,
    "memo" TEXT,
    "status" "RefundStatus" NOT NULL,
    "decisionReason" TEXT,
    "remindedAt" TIMESTAMPTZ(3),
    "overdueAt" TIMESTAMPTZ(3),
    "reviewDueAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMPTZ(3),
    CONSTRAINT "Refund_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "IdempotencyRecord" (
    "principal" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "resourceId" TEXT NOT NULL,
    "responseStatus" INTEGER,
    "responseBody" JSONB,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMPTZ(3),
    CONSTRAINT "IdempotencyRecord_pkey" PRIMARY KEY ("principal","key")
);

CREATE TABLE "AdminEvent" (
    "id" BIGSERIAL NOT NULL,
    "type" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "accountId" UUID,
    "data" JSONB,
    "key" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "AdminEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Account_apiKeyHash_key" ON "Account"("apiKeyHash");
CREATE INDEX "Account_parentId_idx" ON "Account"("parentId");
CREATE UNIQUE INDEX "LedgerEntry_businessKey_key" ON "LedgerEntry"("businessKey");
CREATE INDEX "LedgerEntry_walletId_id_idx" ON "LedgerEntry"("walletId", "id");
CREATE INDEX "LedgerEntry_accountId_id_idx" ON "LedgerEntry"("accountId", "id");
CREATE INDEX "PaymentMethod_accountId_idx" ON "PaymentMethod"("accountId");
CREATE INDEX "Charge_accountId_createdAt_idx" ON "Charge"("accountId", "createdAt");
CREATE INDEX "Charge_status_createdAt_idx" ON "Charge"("status", "createdAt");
CREATE UNIQUE INDEX "ChargeEvent_key_key" ON "ChargeEvent"("key");
CREATE INDEX "ChargeEvent_chargeId_id_idx" ON "ChargeEvent"("chargeId", "id");
CREATE INDEX "Consumption_accountId_createdAt_idx" ON "Consumption"("accountId", "createdAt");
CREATE INDEX "Refund_consumptionId_idx" ON "Refund"("consumptionId");
CREATE INDEX "Refund_status_createdAt_idx" ON "Refund"("status", "createdAt");
CREATE UNIQUE INDEX "AdminEvent_key_key" ON "AdminEvent"("key");
CREATE INDEX "AdminEvent_type_id_idx" ON "AdminEvent"("type", "id");

-- AddForeignKey
ALTER TABLE "Account" ADD CONSTRAINT "Account_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Account"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "Wallet" ADD CONSTRAINT "Wallet_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "LedgerEntry" ADD CONSTRAINT "LedgerEntry_walletId_fkey" FOREIGN KEY ("walletId") REFERENCES "Wallet"("accountId") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "ChargeEvent" ADD CONSTRAINT "ChargeEvent_chargeId_fkey" FOREIGN KEY ("chargeId") REFERENCES "Charge"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Refund" ADD CONSTRAINT "Refund_consumptionId_fkey" FOREIGN KEY ("consumptionId") REFERENCES "Consumption"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- The ledger is append-only: a correction is a new entry, never an edit.
CREATE FUNCTION "ledger_entry_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'LedgerEntry is append-only (% refused)', TG_OP;
END;
$$;
CREATE TRIGGER "LedgerEntry_append_only" BEFORE UPDATE OR DELETE ON "LedgerEntry"
  FOR EACH ROW EXECUTE FUNCTION "ledger_entry_append_only"();
