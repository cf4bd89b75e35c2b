import {
  BudgetPeriodSchema,
  EndpointSchema,
  FailModeSchema,
  KeyStatusSchema,
  ProviderTypeSchema,
  RoleSchema,
  WireFormatSchema,
} from "@gatehouse/shared";
import { describe, expect, it } from "vitest";
import { endpointFromDb, endpointToDb } from "./endpoints";
import {
  BudgetPeriod,
  Endpoint,
  FailMode,
  KeyStatus,
  ProviderType,
  Role,
  WireFormat,
} from "./generated/prisma/enums";

// The database enums must accept exactly the values of the shared contracts, or a valid
// usage event or snapshot could fail to be stored (or a stored row fail to compile).
describe("Prisma enums match the shared contracts", () => {
  it.each([
    ["Role", Role, RoleSchema.options],
    ["FailMode", FailMode, FailModeSchema.options],
    ["BudgetPeriod", BudgetPeriod, BudgetPeriodSchema.options],
    ["ProviderType", ProviderType, ProviderTypeSchema.options],
    ["KeyStatus", KeyStatus, KeyStatusSchema.options],
    ["WireFormat", WireFormat, WireFormatSchema.options],
  ] as const)("%s", (_name, prismaEnum, sharedValues) => {
    expect(Object.values(prismaEnum).sort()).toEqual([...sharedValues].sort());
  });

  it("maps every wire endpoint to a database endpoint and back", () => {
    for (const endpoint of EndpointSchema.options) {
      expect(endpointFromDb(endpointToDb(endpoint))).toBe(endpoint);
    }
    expect(new Set(EndpointSchema.options.map(endpointToDb))).toEqual(
      new Set(Object.values(Endpoint)),
    );
  });
});
