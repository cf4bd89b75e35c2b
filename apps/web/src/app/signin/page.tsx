import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { safeCallbackUrl } from "~/lib/safe-callback-url";
import { signInErrorMessage } from "~/lib/sign-in-errors";
import { getOAuthProviders, getServerAuthSession } from "~/server/auth";
import { SignInForm } from "./sign-in-form";

export const metadata: Metadata = { title: "Sign in" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function SignInPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const callbackUrl = safeCallbackUrl(params.callbackUrl);
  if (await getServerAuthSession()) redirect(callbackUrl);

  const errorCode = typeof params.error === "string" ? params.error : undefined;
  const signUpHref =
    callbackUrl === "/dashboard"
      ? "/signup"
      : `/signup?callbackUrl=${encodeURIComponent(callbackUrl)}`;

  return (
    <div className="mx-auto w-full max-w-sm">
      <h1 className="text-2xl font-bold tracking-tight text-slate-900">Sign in to Gatehouse</h1>
      <p className="mt-2 text-sm text-slate-600">
        Use the email and password of your Gatehouse account.
      </p>
      <div className="mt-6 rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
        <SignInForm
          callbackUrl={callbackUrl}
          initialError={signInErrorMessage(errorCode)}
          oauthProviders={getOAuthProviders()}
        />
      </div>
      <p className="mt-4 text-center text-sm text-slate-600">
        New to Gatehouse?{" "}
        <Link href={signUpHref} className="font-medium text-indigo-700 hover:underline">
          Create an account
        </Link>
      </p>
    </div>
  );
}
