import { expect, it } from "vitest";
import { nextRequestId, safeClientRequestId } from "./request-id";

it("generates unique, header-safe ids", () => {
  const ids = new Set(Array.from({ length: 1000 }, nextRequestId));
  expect(ids.size).toBe(1000);
  for (const id of ids) expect(id).toMatch(/^req_[0-9a-f]{12}[0-9a-z]{6,}$/);
});

it("accepts only short, plain client ids", () => {
  expect(safeClientRequestId("trace-1.2:3_x")).toBe("trace-1.2:3_x");
  expect(safeClientRequestId("a".repeat(129))).toBeNull();
  expect(safeClientRequestId("a b")).toBeNull();
  expect(safeClientRequestId("x\r\ny")).toBeNull();
  expect(safeClientRequestId(["a", "b"])).toBeNull();
  expect(safeClientRequestId(undefined)).toBeNull();
});
