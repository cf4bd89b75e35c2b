-- Prompt-cache writes by TTL and reasoning tokens, counted apart (both were folded into the
-- input / output counts before). Existing rows get 0: their writes stay inside input_tokens.
-- Columns in the schema's order, so a database migrated here matches one created from it.

-- AlterTable
ALTER TABLE "request_logs" ADD COLUMN     "cache_write_5m_tokens" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "cache_write_1h_tokens" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "reasoning_tokens" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "usage_daily" ADD COLUMN     "cache_write_5m_tokens" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "cache_write_1h_tokens" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "reasoning_tokens" BIGINT NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "usage_hourly" ADD COLUMN     "cache_write_5m_tokens" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "cache_write_1h_tokens" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "reasoning_tokens" BIGINT NOT NULL DEFAULT 0;
