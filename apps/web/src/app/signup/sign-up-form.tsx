"use client";

import { useMutation } from "@tanstack/react-query";
import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import {
  describedBy,
  errorMessage,
  Field,
  fieldErrors,
  FormAlert,
  inputClass,
} from "~/components/form-controls";
import { PASSWORD_MIN_LENGTH, SignUpSchema } from "~/lib/account-schemas";
import { signInErrorMessage } from "~/lib/sign-in-errors";
import { useTRPC } from "~/trpc/react";

export function SignUpForm({ callbackUrl }: { callbackUrl: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const signUp = useMutation(trpc.account.signUp.mutationOptions());
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [signingIn, setSigningIn] = useState(false);
  const pending = signUp.isPending || signingIn;

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const values = {
      name: String(form.get("name") ?? ""),
      email: String(form.get("email") ?? ""),
      password: String(form.get("password") ?? ""),
    };
    // The server validates with the same schema; checking here answers without a round trip.
    const parsed = SignUpSchema.safeParse(values);
    if (!parsed.success) {
      setErrors(fieldErrors(parsed.error.issues));
      return;
    }
    setErrors({});
    try {
      await signUp.mutateAsync(values);
    } catch (error) {
      setErrors({ form: errorMessage(error) });
      return;
    }
    setSigningIn(true);
    const result = await signIn("credentials", {
      email: parsed.data.email,
      password: values.password,
      redirect: false,
    });
    if (!result?.ok || result.error) {
      setSigningIn(false);
      setErrors({
        form: `Your account was created, but signing in failed: ${signInErrorMessage(result?.error ?? "Default")}`,
      });
      return;
    }
    router.replace(callbackUrl);
    router.refresh();
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4">
      {errors.form ? <FormAlert>{errors.form}</FormAlert> : null}
      <Field id="name" label="Name" hint="Optional; shown to your teammates." error={errors.name}>
        <input
          name="name"
          type="text"
          autoComplete="name"
          maxLength={100}
          className={inputClass}
          {...describedBy("name", true, errors.name)}
        />
      </Field>
      <Field id="email" label="Email" error={errors.email}>
        <input
          name="email"
          type="email"
          autoComplete="email"
          required
          className={inputClass}
          {...describedBy("email", false, errors.email)}
        />
      </Field>
      <Field
        id="password"
        label="Password"
        hint={`At least ${PASSWORD_MIN_LENGTH} characters; not your email or a common password.`}
        error={errors.password}
      >
        <input
          name="password"
          type="password"
          autoComplete="new-password"
          required
          className={inputClass}
          {...describedBy("password", true, errors.password)}
        />
      </Field>
      <button
        type="submit"
        disabled={pending}
        className="w-full rounded-md bg-indigo-600 px-4 py-2.5 font-semibold text-white shadow-sm hover:bg-indigo-500 disabled:cursor-wait disabled:opacity-70"
      >
        {pending ? "Creating account…" : "Create account"}
      </button>
    </form>
  );
}
