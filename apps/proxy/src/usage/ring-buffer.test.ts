import { expect, it } from "vitest";
import { RingBuffer } from "./ring-buffer";

it("is FIFO and drops the oldest when full", () => {
  const ring = new RingBuffer<number>(3);
  expect(ring.push(1)).toBe(false);
  ring.push(2);
  ring.push(3);
  expect(ring.push(4)).toBe(true);
  expect(ring.length).toBe(3);
  expect(ring.shift(2)).toEqual([2, 3]);
  ring.push(5);
  expect(ring.shift(10)).toEqual([4, 5]);
  expect(ring.length).toBe(0);
});

it("puts a failed batch back in front, dropping its oldest items when there is no room", () => {
  const ring = new RingBuffer<number>(4);
  for (const n of [1, 2, 3, 4]) ring.push(n);
  const batch = ring.shift(3); // [1,2,3]
  ring.push(5);
  ring.push(6); // buffer: 4,5,6 (room for 1)
  expect(ring.unshift(batch)).toBe(2);
  expect(ring.shift(10)).toEqual([3, 4, 5, 6]);

  for (const n of [7, 8]) ring.push(n);
  const again = ring.shift(2);
  expect(ring.unshift(again)).toBe(0);
  expect(ring.shift(10)).toEqual([7, 8]);
});
