"use client";

import { SectionError } from "~/components/section-error";

export default function AuditError({ retry }: { error: unknown; retry: () => void }) {
  return <SectionError what="audit log" retry={retry} />;
}
