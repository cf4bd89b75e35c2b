import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createTestDatabase } from "@gatehouse/db/testing";
import { MODEL_PRICES } from "@gatehouse/shared";
import { syncBuiltinPrices } from "./sync";

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;
const MODELS = Object.keys(MODEL_PRICES).length;

beforeAll(async () => {
  db = await createTestDatabase("worker_prices");
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const row = async (model: string) =>
  (
    await pool.query(
      `SELECT provider, input_micro_usd_per_mtok AS input, output_micro_usd_per_mtok AS output,
              cached_input_micro_usd_per_mtok AS cached, cache_write_micro_usd_per_mtok AS write,
              source
         FROM model_prices WHERE model = $1`,
      [model],
    )
  ).rows[0];

describe("price table sync at boot", () => {
  it("inserts the built-in table once, then only repairs what changed", async () => {
    expect(await syncBuiltinPrices(pool)).toEqual({ models: MODELS, created: MODELS, updated: 0 });
    expect(await row("claude-sonnet-4-5")).toEqual({
      provider: "anthropic",
      input: 3_000_000,
      output: 15_000_000,
      cached: 300_000,
      write: 3_750_000,
      source: "builtin",
    });
    // idempotent: a second boot writes nothing
    expect(await syncBuiltinPrices(pool)).toEqual({ models: MODELS, created: 0, updated: 0 });

    // a stale built-in row (an older table version) is brought up to date
    await pool.query(
      "UPDATE model_prices SET input_micro_usd_per_mtok = 1, cached_input_micro_usd_per_mtok = NULL WHERE model = 'gpt-4o'",
    );
    // an operator's row is left alone, and so is a workspace override
    await pool.query(
      "UPDATE model_prices SET output_micro_usd_per_mtok = 42, source = 'custom' WHERE model = 'gpt-4o-mini'",
    );
    const ws = await db.prisma.workspace.create({ data: { name: "P", slug: "prices-p" } });
    await db.prisma.workspaceModelPrice.create({
      data: {
        workspaceId: ws.id,
        model: "gpt-4o",
        inputMicroUsdPerMTok: 7,
        outputMicroUsdPerMTok: 8,
        cachedInputMicroUsdPerMTok: null,
      },
    });
    await pool.query("DELETE FROM model_prices WHERE model = 'o3'");

    expect(await syncBuiltinPrices(pool)).toEqual({ models: MODELS, created: 1, updated: 1 });
    expect(await row("gpt-4o")).toMatchObject({ input: 2_500_000, cached: 1_250_000 });
    expect(await row("gpt-4o-mini")).toMatchObject({ output: 42, source: "custom" });
    expect(await row("o3")).toMatchObject({ input: 2_000_000, source: "builtin" });
    const override = await db.prisma.workspaceModelPrice.findFirstOrThrow({
      where: { workspaceId: ws.id },
    });
    expect(override).toMatchObject({ inputMicroUsdPerMTok: 7, outputMicroUsdPerMTok: 8 });
  });

  it("is safe when several workers boot at once", async () => {
    await pool.query("DELETE FROM model_prices");
    const results = await Promise.all([syncBuiltinPrices(pool), syncBuiltinPrices(pool)]);
    expect(results.reduce((sum, r) => sum + r.created, 0)).toBe(MODELS);
    const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM model_prices");
    expect(rows[0]!.n).toBe(MODELS);
  });
});
