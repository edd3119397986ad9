-- Deposits that confirm themselves (SPEC §6.2): virtual accounts, the bank deposit feed, tax documents.
--
-- ChargeMethod gains virtual_account; Charge.virtualAccount holds the issued account, Charge.confirmedBy
-- who confirmed a deposit (admin, bank_feed, gateway).
-- SimulatedVirtualAccount: the simulated gateway's own accounts, one per charge; a real gateway needs none.
-- GatewayNotification: deposit notifications received, once per gateway transaction id.
-- BankDeposit: the bank feed, once per bank transaction id; chargeId is unique, so a charge is confirmed
-- by at most one deposit (two deposits racing for one charge: the second stays unmatched).
-- TaxDocument: the document requested for a succeeded deposit top-up; SimulatedTaxIssue: the simulated
-- issuer's own records.

-- AlterEnum
ALTER TYPE "ChargeMethod" ADD VALUE 'virtual_account';

-- CreateEnum
CREATE TYPE "TaxDocumentType" AS ENUM ('tax_invoice', 'cash_receipt', 'none');

-- CreateEnum
CREATE TYPE "TaxDocumentStatus" AS ENUM ('requested', 'issued', 'failed');

-- CreateEnum
CREATE TYPE "BankDepositStatus" AS ENUM ('received', 'matched', 'unmatched', 'assigned');

-- AlterTable
ALTER TABLE "Account" ADD COLUMN     "businessRegistrationNumber" TEXT,
ADD COLUMN     "taxDocument" "TaxDocumentType" NOT NULL DEFAULT 'none';

-- AlterTable
ALTER TABLE "Charge" ADD COLUMN     "confirmedBy" TEXT,
ADD COLUMN     "virtualAccount" JSONB;

-- CreateTable
CREATE TABLE "SimulatedVirtualAccount" (
    "chargeId" TEXT NOT NULL,
    "accountNumber" TEXT NOT NULL,
    "bank" TEXT NOT NULL,
    "holder" TEXT NOT NULL,
    "amount" BIGINT NOT NULL,
    "dueAt" TIMESTAMPTZ(3) NOT NULL,
    "status" TEXT NOT NULL,
    "transactionId" TEXT,
    "depositorName" TEXT,
    "depositedAt" TIMESTAMPTZ(3),
    "closedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SimulatedVirtualAccount_pkey" PRIMARY KEY ("chargeId")
);

-- CreateTable
CREATE TABLE "GatewayNotification" (
    "transactionId" TEXT NOT NULL,
    "chargeId" UUID NOT NULL,
    "accountNumber" TEXT NOT NULL,
    "amount" BIGINT NOT NULL,
    "depositorName" TEXT,
    "depositedAt" TIMESTAMPTZ(3) NOT NULL,
    "outcome" TEXT,
    "detail" TEXT,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "GatewayNotification_pkey" PRIMARY KEY ("transactionId")
);

-- CreateTable
CREATE TABLE "BankDeposit" (
    "id" UUID NOT NULL,
    "bankTransactionId" TEXT NOT NULL,
    "amount" BIGINT NOT NULL,
    "depositorName" TEXT NOT NULL,
    "depositedAt" TIMESTAMPTZ(3) NOT NULL,
    "status" "BankDepositStatus" NOT NULL DEFAULT 'received',
    "chargeId" UUID,
    "source" TEXT NOT NULL,
    "note" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "settledAt" TIMESTAMPTZ(3),

    CONSTRAINT "BankDeposit_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TaxDocument" (
    "chargeId" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "type" "TaxDocumentType" NOT NULL,
    "status" "TaxDocumentStatus" NOT NULL,
    "businessRegistrationNumber" TEXT,
    "amount" BIGINT NOT NULL,
    "number" TEXT,
    "failureReason" TEXT,
    "requestedAt" TIMESTAMPTZ(3) NOT NULL,
    "completedAt" TIMESTAMPTZ(3),

    CONSTRAINT "TaxDocument_pkey" PRIMARY KEY ("chargeId")
);

-- CreateTable
CREATE TABLE "SimulatedTaxIssue" (
    "idempotencyKey" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "businessRegistrationNumber" TEXT,
    "amount" BIGINT NOT NULL,
    "number" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SimulatedTaxIssue_pkey" PRIMARY KEY ("idempotencyKey")
);

-- CreateIndex
CREATE UNIQUE INDEX "SimulatedVirtualAccount_accountNumber_key" ON "SimulatedVirtualAccount"("accountNumber");

-- CreateIndex
CREATE UNIQUE INDEX "SimulatedVirtualAccount_transactionId_key" ON "SimulatedVirtualAccount"("transactionId");

-- CreateIndex
CREATE INDEX "GatewayNotification_chargeId_idx" ON "GatewayNotification"("chargeId");

-- CreateIndex
CREATE UNIQUE INDEX "BankDeposit_bankTransactionId_key" ON "BankDeposit"("bankTransactionId");

-- CreateIndex
CREATE UNIQUE INDEX "BankDeposit_chargeId_key" ON "BankDeposit"("chargeId");

-- CreateIndex
CREATE INDEX "BankDeposit_status_createdAt_idx" ON "BankDeposit"("status", "createdAt");

-- CreateIndex
CREATE INDEX "TaxDocument_status_requestedAt_idx" ON "TaxDocument"("status", "requestedAt");

-- CreateIndex
CREATE UNIQUE INDEX "SimulatedTaxIssue_number_key" ON "SimulatedTaxIssue"("number");

-- AddForeignKey
ALTER TABLE "TaxDocument" ADD CONSTRAINT "TaxDocument_chargeId_fkey" FOREIGN KEY ("chargeId") REFERENCES "Charge"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
