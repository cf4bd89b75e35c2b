/** next-auth error codes (from ?error= or signIn()) as sentences a person can act on. */
export function signInErrorMessage(code: string | null | undefined): string | null {
  if (!code) return null;
  // "TooManySignIns:12" (see server/auth/sign-in-limit.ts): the minutes to wait
  const tooMany = /^TooManySignIns:(\d{1,3})$/.exec(code);
  if (tooMany) {
    const minutes = Number(tooMany[1]);
    return `Too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
  }
  switch (code) {
    case "CredentialsSignin":
      return "Wrong email or password.";
    case "OAuthAccountNotLinked":
      return "An account with this email already exists. Sign in with your email and password.";
    case "EmailRequired":
      return "Your provider did not share an email address, which Gatehouse needs to sign you in.";
    case "AccessDenied":
      return "Access denied.";
    case "SessionRequired":
      return "Sign in to continue.";
    default:
      return "Sign-in failed. Please try again.";
  }
}
