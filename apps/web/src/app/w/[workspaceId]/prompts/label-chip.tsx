/** A label and the version it points at ("production → v3"). */
export function LabelChip({ name, version }: { name: string; version: number }) {
  const style =
    name === "production"
      ? "bg-emerald-50 text-emerald-800 ring-emerald-600/20"
      : name === "latest"
        ? "bg-slate-100 text-slate-700 ring-slate-500/20"
        : "bg-sky-50 text-sky-800 ring-sky-600/20";
  return (
    <span
      className={`inline-flex items-center gap-1 rounded-full px-2.5 py-0.5 text-xs font-medium ring-1 ring-inset ${style}`}
      data-testid={`label-${name}`}
    >
      {name} <span aria-hidden="true">→</span>
      <span className="sr-only">points at</span> v{version}
    </span>
  );
}
