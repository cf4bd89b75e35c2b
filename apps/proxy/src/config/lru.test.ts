import { expect, it } from "vitest";
import { Lru } from "./lru";

it("evicts the least recently used entry past its capacity", () => {
  const lru = new Lru<string, number>(2);
  lru.set("a", 1);
  lru.set("b", 2);
  expect(lru.get("a")).toBe(1); // a is now the most recent
  lru.set("c", 3);
  expect(lru.get("b")).toBeUndefined();
  expect(lru.get("a")).toBe(1);
  expect(lru.get("c")).toBe(3);
  expect(lru.size).toBe(2);
  lru.delete("a");
  expect(lru.size).toBe(1);
  lru.clear();
  expect(lru.size).toBe(0);
});

it("deleteWhere drops only the matching entries", () => {
  const lru = new Lru<string, number | null>(10);
  lru.set("a", 1);
  lru.set("b", null);
  lru.set("c", 3);
  lru.set("d", null);
  lru.deleteWhere((value) => value === null);
  expect(lru.size).toBe(2);
  expect(lru.get("a")).toBe(1);
  expect(lru.get("c")).toBe(3);
  expect(lru.get("b")).toBeUndefined();
});
