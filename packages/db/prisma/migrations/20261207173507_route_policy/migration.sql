-- A model route's routing policy (retries, timeouts, load balancing, cooldowns, dedicated
-- fallbacks; RoutePolicySchema in @gatehouse/shared). '{}' means every default, so existing
-- routes get retries on transient failures from this release on.

-- AlterTable
ALTER TABLE "model_routes" ADD COLUMN     "policy" JSONB NOT NULL DEFAULT '{}';

