-- A consumption refused for want of balance, recorded once per consumption id. A consumption id (the
-- resource id of an Idempotency-Key, or of a batch item's key) is decided exactly once: debited (its
-- "Consumption" row) or refused (this row). Both decisions are taken while holding the funding wallet's
-- row lock, so whichever path (a single consumption, a batch, a retry) comes second finds the first
-- decision instead of taking another one — a key refused with 402 never debits later behind it.

-- CreateTable
CREATE TABLE "ConsumptionRefusal" (
    "consumptionId" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "fundingAccountId" UUID NOT NULL,
    "balance" BIGINT NOT NULL,
    "required" BIGINT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ConsumptionRefusal_pkey" PRIMARY KEY ("consumptionId")
);
