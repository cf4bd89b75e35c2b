"use client";

import type { ReactNode } from "react";
import { TRPCReactProvider } from "~/trpc/react";

/** Client-side providers for the whole app (tRPC + TanStack Query). */
export function Providers({ children }: { children: ReactNode }) {
  return <TRPCReactProvider>{children}</TRPCReactProvider>;
}
