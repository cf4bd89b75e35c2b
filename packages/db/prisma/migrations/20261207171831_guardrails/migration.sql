-- AlterTable
ALTER TABLE "workspaces" ADD COLUMN     "guardrails" JSONB NOT NULL DEFAULT '{}';

-- AlterTable
ALTER TABLE "virtual_keys" ADD COLUMN     "guardrails" JSONB;

-- AlterTable
ALTER TABLE "request_logs" ADD COLUMN     "guardrail_findings" JSONB;

-- CreateTable
CREATE TABLE "guardrail_daily" (
    "workspace_id" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "detector" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "findings" INTEGER NOT NULL DEFAULT 0,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "guardrail_daily_pkey" PRIMARY KEY ("workspace_id","day","detector","action")
);

-- AddForeignKey
ALTER TABLE "guardrail_daily" ADD CONSTRAINT "guardrail_daily_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE CASCADE;

