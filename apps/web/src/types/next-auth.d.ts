import type { DefaultSession } from "next-auth";

declare module "next-auth" {
  interface Session {
    user: {
      /** Our User.id (the JWT's `sub`). */
      id: string;
      email: string | null;
      name: string | null;
      image: string | null;
    } & Omit<DefaultSession["user"], "email" | "name" | "image">;
  }
}
