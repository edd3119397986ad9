-- The simulated card gateway's own books. A real gateway keeps its captures on its side and honours the
-- idempotency key of a capture request; the simulated one keeps them here, so a capture retried after a
-- worker crash (the capture went through, its answer was lost) returns the first capture instead of
-- charging the card twice. Declines are recorded too, so a retried key answers the same decline.

-- CreateTable
CREATE TABLE "SimulatedCardCapture" (
    "idempotencyKey" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "amount" BIGINT NOT NULL,
    "outcome" TEXT NOT NULL,
    "reference" TEXT NOT NULL,
    "declineCode" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "SimulatedCardCapture_pkey" PRIMARY KEY ("idempotencyKey"),
    CONSTRAINT "SimulatedCardCapture_outcome_check" CHECK ("outcome" IN ('captured', 'declined'))
);

-- The machine code of a failed charge (e.g. card_declined, gateway_unavailable) beside its human reason,
-- so the read model answers a retried request exactly like the first one.
-- AlterTable
ALTER TABLE "Charge" ADD COLUMN "failureCode" TEXT;
