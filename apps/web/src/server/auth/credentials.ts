import bcrypt from "bcryptjs";
import { z } from "zod";
import type { Db } from "../db";

/** bcrypt work factor for new password hashes (sign-up and password changes use hashPassword). */
export const PASSWORD_HASH_COST = 12;

export const CredentialsSchema = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email()),
  password: z.string().min(1).max(1024),
});
export type Credentials = z.infer<typeof CredentialsSchema>;

export interface AuthUser {
  id: string;
  email: string;
  name: string | null;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, PASSWORD_HASH_COST);
}

// Compared against when the email is unknown, so both outcomes cost one bcrypt round and
// response time does not reveal which emails have accounts.
let dummyHash: Promise<string> | undefined;

/**
 * The credentials check behind the sign-in form: the user when `input` holds a known email
 * and its password, otherwise null (never saying which part was wrong).
 */
export async function verifyCredentials(db: Db, input: unknown): Promise<AuthUser | null> {
  const parsed = CredentialsSchema.safeParse(input);
  if (!parsed.success) return null;
  const { email, password } = parsed.data;

  const user = await db.user.findUnique({
    where: { email },
    select: { id: true, email: true, name: true, passwordHash: true },
  });
  if (!user?.passwordHash) {
    dummyHash ??= hashPassword("gatehouse-timing-equaliser");
    await bcrypt.compare(password, await dummyHash);
    return null;
  }
  if (!(await bcrypt.compare(password, user.passwordHash))) return null;
  return { id: user.id, email: user.email, name: user.name };
}
