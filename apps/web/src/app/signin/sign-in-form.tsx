"use client";

import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useActionState } from "react";
import { signInErrorMessage } from "~/lib/sign-in-errors";

interface SignInFormProps {
  callbackUrl: string;
  initialError: string | null;
  oauthProviders: { id: string; name: string }[];
}

type FormState = { error: string | null; email: string };

export function SignInForm({ callbackUrl, initialError, oauthProviders }: SignInFormProps) {
  const router = useRouter();
  const [state, formAction, pending] = useActionState<FormState, FormData>(
    async (_previous, formData) => {
      const email = String(formData.get("email") ?? "");
      const password = String(formData.get("password") ?? "");
      const result = await signIn("credentials", { email, password, redirect: false });
      if (!result?.ok || result.error) {
        return { error: signInErrorMessage(result?.error ?? "Default"), email };
      }
      router.replace(callbackUrl);
      router.refresh();
      return { error: null, email };
    },
    { error: initialError, email: "" },
  );

  return (
    <div className="space-y-6">
      <form
        action={formAction}
        className="space-y-4"
        aria-describedby={state.error ? "signin-error" : undefined}
      >
        {state.error ? (
          <p
            id="signin-error"
            role="alert"
            className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800"
          >
            {state.error}
          </p>
        ) : null}
        <div className="space-y-1.5">
          <label htmlFor="email" className="block text-sm font-medium text-slate-800">
            Email
          </label>
          <input
            id="email"
            name="email"
            type="email"
            autoComplete="email"
            required
            defaultValue={state.email}
            aria-invalid={state.error ? true : undefined}
            className="block w-full rounded-md border border-slate-300 px-3 py-2 text-slate-900 shadow-sm placeholder:text-slate-400 focus:border-indigo-600 focus:outline-none focus:ring-2 focus:ring-indigo-600/30"
          />
        </div>
        <div className="space-y-1.5">
          <label htmlFor="password" className="block text-sm font-medium text-slate-800">
            Password
          </label>
          <input
            id="password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            aria-invalid={state.error ? true : undefined}
            className="block w-full rounded-md border border-slate-300 px-3 py-2 text-slate-900 shadow-sm focus:border-indigo-600 focus:outline-none focus:ring-2 focus:ring-indigo-600/30"
          />
        </div>
        <button
          type="submit"
          disabled={pending}
          className="w-full rounded-md bg-indigo-600 px-4 py-2.5 font-semibold text-white shadow-sm hover:bg-indigo-500 disabled:cursor-wait disabled:opacity-70"
        >
          {pending ? "Signing in…" : "Sign in"}
        </button>
      </form>

      {oauthProviders.length > 0 ? (
        <div className="space-y-3">
          <p className="text-center text-xs uppercase tracking-wide text-slate-500">or</p>
          {oauthProviders.map((provider) => (
            <button
              key={provider.id}
              type="button"
              onClick={() => void signIn(provider.id, { callbackUrl })}
              className="w-full rounded-md border border-slate-300 bg-white px-4 py-2.5 font-medium text-slate-800 hover:bg-slate-50"
            >
              Continue with {provider.name}
            </button>
          ))}
        </div>
      ) : null}
    </div>
  );
}
