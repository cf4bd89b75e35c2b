"use client";

/** The error state of a workspace section (its error.tsx renders this). */
export function SectionError({ what, retry }: { what: string; retry: () => void }) {
  return (
    <div role="alert" className="rounded-lg border border-red-200 bg-red-50 p-6">
      <h2 className="font-semibold text-red-900">The {what} could not be loaded</h2>
      <p className="mt-1 text-sm text-red-800">
        This is usually temporary (the database may be restarting). Try again in a moment.
      </p>
      <button
        type="button"
        onClick={() => retry()}
        className="mt-4 rounded-md bg-white px-3 py-1.5 text-sm font-medium text-red-900 ring-1 ring-red-300 hover:bg-red-100"
      >
        Try again
      </button>
    </div>
  );
}
