"use client";

import { SectionError } from "~/components/section-error";

export default function CredentialsError({ retry }: { error: unknown; retry: () => void }) {
  return <SectionError what="credentials" retry={retry} />;
}
