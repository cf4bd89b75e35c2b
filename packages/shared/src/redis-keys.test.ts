import { describe, expect, it } from "vitest";
import { QUEUE_PREFIX } from "./queues";
import { RedisKeys, workspaceIdOfKey } from "./redis-keys";

/** The part of a key Redis Cluster hashes: the first non-empty {...}, else the whole key. */
function hashTag(key: string): string {
  const open = key.indexOf("{");
  if (open >= 0) {
    const close = key.indexOf("}", open + 1);
    if (close > open + 1) return key.slice(open + 1, close);
  }
  return key;
}

/** CRC16/XMODEM mod 16384, as Redis Cluster assigns slots. */
function hashSlot(key: string): number {
  let crc = 0;
  for (const byte of Buffer.from(hashTag(key))) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc % 16384;
}

const workspaceKeys = (ws: string) => [
  RedisKeys.workspaceSnapshot(ws),
  RedisKeys.workspaceKeyHashes(ws),
  RedisKeys.rateLimit(ws, "ws", ws, "rpm"),
  RedisKeys.rateLimit(ws, "key", "key_1", "tpm"),
  RedisKeys.rateLimitTokenSum(ws, "key", "key_1"),
  RedisKeys.inFlight(ws, "ws", ws),
  RedisKeys.inFlight(ws, "key", "key_1"),
  RedisKeys.budget(ws, "ws", ws, "2026-01-01T05:00:00.000Z"),
  RedisKeys.budget(ws, "key", "key_1", "2026-01-01T05:00:00.000Z"),
  RedisKeys.budgetReservations(ws, "ws", ws),
  RedisKeys.budgetReservations(ws, "key", "key_1"),
  RedisKeys.budgetSpendRestored(ws),
];

describe("RedisKeys", () => {
  it("tags every per-workspace key with {ws:<id>}, so they share one cluster slot", () => {
    const keys = workspaceKeys("cm5abc123");
    for (const key of keys) {
      expect(hashTag(key), key).toBe("ws:cm5abc123");
      expect(workspaceIdOfKey(key), key).toBe("cm5abc123");
    }
    expect(new Set(keys.map(hashSlot)).size).toBe(1);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("keeps different workspaces under different tags", () => {
    expect(hashTag(RedisKeys.workspaceSnapshot("ws_a"))).not.toBe(
      hashTag(RedisKeys.workspaceSnapshot("ws_b")),
    );
  });

  it("keeps scope ids apart within a workspace", () => {
    expect(RedisKeys.rateLimit("w", "ws", "x", "rpm")).not.toBe(
      RedisKeys.rateLimit("w", "key", "x", "rpm"),
    );
    expect(RedisKeys.budget("w", "key", "k", "2026-01-01T00:00:00.000Z")).not.toBe(
      RedisKeys.budget("w", "key", "k", "2026-02-01T00:00:00.000Z"),
    );
  });

  it("leaves global keys untagged", () => {
    for (const key of [
      RedisKeys.keySnapshot("ab".repeat(32)),
      RedisKeys.configChannel,
      RedisKeys.keyLastUsed,
    ]) {
      expect(workspaceIdOfKey(key)).toBeNull();
      expect(key.startsWith("gh:")).toBe(true);
    }
  });

  it("keeps the config generation marker and the republish lock in one slot, apart from workspaces", () => {
    // the control plane checks the lock and writes the marker in one script
    expect(hashSlot(RedisKeys.configGeneration)).toBe(hashSlot(RedisKeys.configRepublishLock));
    expect(RedisKeys.configGeneration).not.toBe(RedisKeys.configRepublishLock);
    expect(workspaceIdOfKey(RedisKeys.configGeneration)).toBeNull();
    // resync's orphan sweep scans gh:key:* and gh:{ws:*}:*: the marker must match neither
    expect(RedisKeys.configGeneration.startsWith(RedisKeys.keySnapshot(""))).toBe(false);
  });

  it("puts every BullMQ queue key in one slot", () => {
    expect(hashTag(`${QUEUE_PREFIX}:usage:wait`)).toBe("gh-bull");
    expect(hashSlot(`${QUEUE_PREFIX}:usage:wait`)).toBe(hashSlot(`${QUEUE_PREFIX}:alerts:events`));
  });

  it("computes Redis's documented slot for a known key", () => {
    // from the Redis Cluster specification: "123456789" → CRC16 0x31C3
    expect(hashSlot("123456789")).toBe(0x31c3 % 16384);
  });
});
