import { Prisma } from "@gatehouse/db";
import { TRPCError } from "@trpc/server";

/** True for Prisma's "record to update/delete not found" (P2025). */
export function isNotFound(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2025";
}

/** True for a unique-constraint violation (P2002). */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}

/** True for a foreign-key violation (P2003), e.g. deleting a credential still in use. */
export function isForeignKeyViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2003";
}

export function notFound(what: string): TRPCError {
  return new TRPCError({ code: "NOT_FOUND", message: `${what} not found.` });
}

/** Maps the expected Prisma failures of a mutation to client errors; rethrows the rest. */
export function mapPrismaError(
  error: unknown,
  messages: { notFound: string; conflict: string },
): never {
  if (error instanceof TRPCError) throw error;
  if (isNotFound(error)) throw notFound(messages.notFound);
  if (isUniqueViolation(error) || isForeignKeyViolation(error)) {
    throw new TRPCError({ code: "CONFLICT", message: messages.conflict });
  }
  throw error;
}
