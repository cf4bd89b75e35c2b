import { createPrismaClient } from "@gatehouse/db";
import { createTestDatabase } from "@gatehouse/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkHealth } from "./health";

let testDb: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  testDb = await createTestDatabase("web-health");
});

afterAll(async () => {
  await testDb?.drop();
});

describe("checkHealth", () => {
  it("is ok when Postgres answers", async () => {
    expect(await checkHealth(testDb.prisma)).toEqual({
      httpStatus: 200,
      body: { status: "ok", checks: { database: "ok" } },
    });
  });

  it("is 503 when Postgres cannot be reached", async () => {
    // Port 1 on localhost refuses connections: the same as a stopped database.
    const unreachable = createPrismaClient("postgresql://postgres@127.0.0.1:1/none");
    try {
      expect(await checkHealth(unreachable)).toEqual({
        httpStatus: 503,
        body: { status: "error", checks: { database: "unreachable" } },
      });
    } finally {
      await unreachable.$disconnect();
    }
  });
});
