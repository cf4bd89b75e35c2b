"use client";

import { SectionError } from "~/components/section-error";

export default function RoutesError({ retry }: { error: unknown; retry: () => void }) {
  return <SectionError what="routes" retry={retry} />;
}
