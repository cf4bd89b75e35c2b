import type { Db } from "../db";
import { normalizeEmail } from "./credentials";

export interface OAuthIdentity {
  provider: string;
  providerAccountId: string;
  type: string;
  email: string | null | undefined;
  name: string | null | undefined;
  image: string | null | undefined;
}

export type OAuthResolution =
  { ok: true; userId: string } | { ok: false; error: "OAuthAccountNotLinked" | "EmailRequired" };

/**
 * Maps a GitHub/Google identity to our User row (sessions are JWTs, so there is no adapter
 * doing this). A known account signs in as its user; an unknown one creates a user, unless
 * the email already belongs to someone: linking by email alone would let whoever controls
 * that address at the provider take over the account, so that case is refused.
 */
export async function resolveOAuthUser(db: Db, identity: OAuthIdentity): Promise<OAuthResolution> {
  const existing = await db.account.findUnique({
    where: {
      provider_providerAccountId: {
        provider: identity.provider,
        providerAccountId: identity.providerAccountId,
      },
    },
    select: { userId: true },
  });
  if (existing) return { ok: true, userId: existing.userId };

  if (!identity.email) return { ok: false, error: "EmailRequired" };
  const email = normalizeEmail(identity.email);
  const taken = await db.user.findUnique({ where: { email }, select: { id: true } });
  if (taken) return { ok: false, error: "OAuthAccountNotLinked" };

  const user = await db.user.create({
    data: {
      email,
      name: identity.name ?? null,
      image: identity.image ?? null,
      accounts: {
        create: {
          provider: identity.provider,
          providerAccountId: identity.providerAccountId,
          type: identity.type,
        },
      },
    },
    select: { id: true },
  });
  return { ok: true, userId: user.id };
}
