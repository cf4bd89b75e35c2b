"use client";

import { SectionError } from "~/components/section-error";

export default function KeysError({ retry }: { error: unknown; retry: () => void }) {
  return <SectionError what="keys" retry={retry} />;
}
