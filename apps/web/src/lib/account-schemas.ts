import { z } from "zod";

/**
 * Account forms and their server procedures validate with these schemas (client-safe: no
 * server imports), so the sign-up form shows exactly the errors the server would give.
 */

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 128;

/**
 * Passwords of policy length that top every leaked-password list. A short list on purpose: it
 * stops the guesses an attacker tries first; the length rule does the rest.
 */
const COMMON_PASSWORDS = new Set([
  "0123456789",
  "1234567890",
  "12345678910",
  "123456789a",
  "1q2w3e4r5t",
  "1qaz2wsx3edc",
  "abcdefghij",
  "abcd123456",
  "administrator",
  "changeme123",
  "football123",
  "iloveyou123",
  "letmein123",
  "monkey12345",
  "password01",
  "password12",
  "password123",
  "password1234",
  "password!1",
  "passw0rd123",
  "p@ssw0rd123",
  "qwerty12345",
  "qwerty123456",
  "qwertyuiop",
  "qwertyuiop123",
  "superman123",
  "welcome123",
  "welcome1234",
  "zaq12wsxcde",
  "gatehouse123",
]);

export function isCommonPassword(password: string): boolean {
  const lower = password.toLowerCase();
  // "aaaaaaaaaa", "1111111111": one character repeated
  return COMMON_PASSWORDS.has(lower) || /^(.)\1*$/.test(lower);
}

export const EmailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, "Email is too long.")
  .pipe(z.email("Enter a valid email address."));

export const PasswordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters.`)
  .max(PASSWORD_MAX_LENGTH, `Use at most ${PASSWORD_MAX_LENGTH} characters.`)
  .refine((password) => !isCommonPassword(password), {
    message: "This password is too common. Choose one that is harder to guess.",
  });

export const SignUpSchema = z
  .object({
    name: z
      .string()
      .trim()
      .max(100, "Use at most 100 characters.")
      .transform((name) => (name === "" ? null : name))
      .nullable()
      .optional(),
    email: EmailSchema,
    password: PasswordSchema,
  })
  .superRefine((input, ctx) => {
    const password = input.password.toLowerCase();
    const localPart = input.email.split("@")[0] ?? "";
    if (password === input.email || password === localPart) {
      ctx.addIssue({
        code: "custom",
        path: ["password"],
        message: "Your password must not be your email address.",
      });
    }
  });
export type SignUpInput = z.input<typeof SignUpSchema>;
export type SignUp = z.infer<typeof SignUpSchema>;
