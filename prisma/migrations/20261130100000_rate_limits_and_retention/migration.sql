-- Rate-limit windows shared by every API process (rate-limiter-flexible's RateLimiterPostgres, told the
-- table exists: api/rate-limit.ts). `expire` is epoch milliseconds. UNLOGGED: a counter is written on every
-- request, and losing the counters in a crash (or a failover) only resets the current minute's budgets.
-- CreateTable
CREATE UNLOGGED TABLE "RateLimit" (
    "key" VARCHAR(255) NOT NULL,
    "points" INTEGER NOT NULL DEFAULT 0,
    "expire" BIGINT,

    CONSTRAINT "RateLimit_pkey" PRIMARY KEY ("key")
);

-- The idempotency retention schedule deletes records by age.
-- CreateIndex
CREATE INDEX "IdempotencyRecord_createdAt_idx" ON "IdempotencyRecord"("createdAt");
