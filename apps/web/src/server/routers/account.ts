import { TRPCError } from "@trpc/server";
import { SignUpSchema } from "~/lib/account-schemas";
import { hashPassword } from "../auth/credentials";
import { isUniqueViolation } from "../prisma-errors";
import { createTRPCRouter, publicProcedure } from "../trpc";

export const DUPLICATE_EMAIL_MESSAGE =
  "An account with this email already exists. Sign in instead.";

export const accountRouter = createTRPCRouter({
  /**
   * Creates an email + password account. The client then signs in through next-auth with the
   * same credentials (the session cookie is next-auth's to set).
   */
  signUp: publicProcedure.input(SignUpSchema).mutation(async ({ ctx, input }) => {
    const passwordHash = await hashPassword(input.password);
    try {
      const user = await ctx.db.user.create({
        data: { email: input.email, name: input.name ?? null, passwordHash },
        select: { id: true, email: true, name: true },
      });
      return user;
    } catch (error) {
      // The unique index decides, also between two sign-ups racing for one email.
      if (isUniqueViolation(error)) {
        throw new TRPCError({ code: "CONFLICT", message: DUPLICATE_EMAIL_MESSAGE });
      }
      throw error;
    }
  }),
});
