import { MODEL_PRICES } from "@gatehouse/shared";
import type { Db } from "./config/compile";

export interface SyncModelPricesResult {
  created: number;
  updated: number;
  unchanged: number;
  /** rows whose source is not "builtin" (edited by an operator) are left alone */
  skipped: number;
}

/**
 * Upserts the built-in price table of @gatehouse/shared into model_prices (prices are data,
 * refreshed at boot, not migrations). Writes only rows that changed, so it is cheap to run
 * on every start.
 */
export async function syncModelPrices(db: Db): Promise<SyncModelPricesResult> {
  const result: SyncModelPricesResult = { created: 0, updated: 0, unchanged: 0, skipped: 0 };
  const existing = new Map((await db.modelPrice.findMany()).map((row) => [row.model, row]));

  for (const [model, price] of Object.entries(MODEL_PRICES)) {
    const data = {
      provider: price.provider,
      inputMicroUsdPerMTok: price.inputMicroUsdPerMTok,
      outputMicroUsdPerMTok: price.outputMicroUsdPerMTok,
      cachedInputMicroUsdPerMTok: price.cachedInputMicroUsdPerMTok,
      cacheWriteMicroUsdPerMTok: price.cacheWriteMicroUsdPerMTok,
    };
    const row = existing.get(model);
    if (!row) {
      await db.modelPrice.upsert({ where: { model }, create: { model, ...data }, update: {} });
      result.created += 1;
    } else if (row.source !== "builtin") {
      result.skipped += 1;
    } else if (
      row.provider !== data.provider ||
      row.inputMicroUsdPerMTok !== data.inputMicroUsdPerMTok ||
      row.outputMicroUsdPerMTok !== data.outputMicroUsdPerMTok ||
      row.cachedInputMicroUsdPerMTok !== data.cachedInputMicroUsdPerMTok ||
      row.cacheWriteMicroUsdPerMTok !== data.cacheWriteMicroUsdPerMTok
    ) {
      await db.modelPrice.update({ where: { model }, data });
      result.updated += 1;
    } else {
      result.unchanged += 1;
    }
  }
  return result;
}
