import type { AuthOptions, Session } from "next-auth";
import { getServerSession } from "next-auth";
import { connection } from "next/server";
import CredentialsProvider from "next-auth/providers/credentials";
import GitHubProvider from "next-auth/providers/github";
import GoogleProvider from "next-auth/providers/google";
import { getEnv } from "~/env";
import { getDb } from "../db";
import { getRedis } from "../redis";
import { clientIp, signInWithLimits } from "./sign-in-limit";
import { resolveOAuthUser, type OAuthIdentity } from "./oauth";

const SESSION_MAX_AGE_SECONDS = 30 * 24 * 60 * 60;

function buildAuthOptions(): AuthOptions {
  const env = getEnv();
  const providers: AuthOptions["providers"] = [
    CredentialsProvider({
      id: "credentials",
      name: "Email and password",
      credentials: {
        email: { label: "Email", type: "email" },
        password: { label: "Password", type: "password" },
      },
      // Returning null makes next-auth answer "CredentialsSignin", which the form shows as
      // "wrong email or password"; a TooManySignInsError reaches the form as its message.
      authorize: (credentials, req) =>
        signInWithLimits(getDb(), getRedis(), {
          email: credentials?.email ?? "",
          password: credentials?.password ?? "",
          ip: clientIp(req.headers),
        }),
    }),
  ];
  if (env.GITHUB_ID && env.GITHUB_SECRET) {
    providers.push(GitHubProvider({ clientId: env.GITHUB_ID, clientSecret: env.GITHUB_SECRET }));
  }
  if (env.GOOGLE_CLIENT_ID && env.GOOGLE_CLIENT_SECRET) {
    providers.push(
      GoogleProvider({ clientId: env.GOOGLE_CLIENT_ID, clientSecret: env.GOOGLE_CLIENT_SECRET }),
    );
  }

  return {
    secret: env.NEXTAUTH_SECRET,
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
    pages: { signIn: "/signin", error: "/signin" },
    providers,
    callbacks: {
      async signIn({ user, account }) {
        if (!account || account.type !== "oauth") return true;
        const result = await resolveOAuthUser(getDb(), oauthIdentity(account, user));
        return result.ok ? true : `/signin?error=${result.error}`;
      },
      async jwt({ token, user, account }) {
        if (account?.type === "oauth") {
          // The identity was resolved (and the user created) in signIn above; look it up again
          // so the token carries our user id, not the provider's.
          const result = await resolveOAuthUser(getDb(), oauthIdentity(account, user));
          if (!result.ok) throw new Error(result.error);
          token.sub = result.userId;
        } else if (user) {
          token.sub = user.id;
        }
        return token;
      },
      session({ session, token }) {
        return {
          ...session,
          user: {
            id: token.sub ?? "",
            email: token.email ?? null,
            name: token.name ?? null,
            image: typeof token.picture === "string" ? token.picture : null,
          },
        };
      },
    },
  };
}

function oauthIdentity(
  account: { provider: string; providerAccountId: string; type: string },
  user: { email?: string | null; name?: string | null; image?: string | null },
): OAuthIdentity {
  return {
    provider: account.provider,
    providerAccountId: account.providerAccountId,
    type: account.type,
    email: user.email,
    name: user.name,
    image: user.image,
  };
}

let authOptions: AuthOptions | undefined;

/** next-auth's configuration, built on first use from the validated env. */
export function getAuthOptions(): AuthOptions {
  authOptions ??= buildAuthOptions();
  return authOptions;
}

/** The signed-in user's session in a server component, route handler or tRPC context. */
export async function getServerAuthSession(): Promise<Session | null> {
  // A session belongs to a request: this keeps every caller out of build-time prerendering,
  // where neither cookies nor the environment exist.
  await connection();
  const session = await getServerSession(getAuthOptions());
  return session?.user.id ? session : null;
}

/** OAuth providers enabled by the environment, for sign-in buttons. */
export function getOAuthProviders(): { id: string; name: string }[] {
  return getAuthOptions()
    .providers.filter((provider) => provider.type === "oauth")
    .map((provider) => ({ id: provider.id, name: provider.name }));
}
