-- Card outcomes that are not known (SPEC §6.1) and auto-recharge that cannot be flooded.
--
-- SimulatedGatewayContact: when the simulated gateway first heard of a capture key, so its outage and
-- lost-answer windows (tok_outage, tok_lost_answer) are measured from the charge's first attempt, also
-- across worker restarts. A real gateway needs nothing here.
--
-- AutoRecharge.requestedAt / requestedBy: the claim of the debit (or settings change) that asked the
-- account's auto-recharge workflow to run; while it is set (and fresh), further debits below the
-- threshold send no request, so a busy account sends one signal per recharge, not one per debit. A
-- retried debit that holds the claim sends its request again. The workflow clears it when its run ends.
-- AutoRecharge.pausedUntil: the monthly limit is reached until then; debits send no request meanwhile.

-- CreateTable
CREATE TABLE "SimulatedGatewayContact" (
    "idempotencyKey" TEXT NOT NULL,
    "firstAt" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "SimulatedGatewayContact_pkey" PRIMARY KEY ("idempotencyKey")
);

-- AlterTable
ALTER TABLE "AutoRecharge" ADD COLUMN "requestedAt" TIMESTAMPTZ(3),
ADD COLUMN "requestedBy" TEXT,
ADD COLUMN "pausedUntil" TIMESTAMPTZ(3);
