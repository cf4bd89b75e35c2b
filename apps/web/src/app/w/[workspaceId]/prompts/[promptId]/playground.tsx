"use client";

import { useRef, useState } from "react";
import { renderPrompt } from "@gatehouse/shared";
import {
  FormAlert,
  inputClass,
  primaryButtonClass,
  secondaryButtonClass,
} from "~/components/form-controls";
import type { PlaygroundEvent } from "~/lib/prompt-schemas";
import { compactInput } from "../compact-input";
import type { PromptVersionView } from "~/server/routers/prompt";

type Done = Extract<PlaygroundEvent, { type: "done" }>;

/**
 * Renders a version with variable values (preview, in the browser) and runs it through the
 * gateway (the web server streams the answer back; it holds the short-lived key, see
 * server/playground.ts).
 */
export function Playground({
  workspaceId,
  promptId,
  versions,
  canRun,
  initialVersion,
}: {
  workspaceId: string;
  promptId: string;
  versions: PromptVersionView[];
  canRun: boolean;
  initialVersion: number;
}) {
  const [selected, setSelected] = useState(initialVersion);
  const version = versions.find((v) => v.version === selected) ?? versions[0]!;
  const [values, setValues] = useState<Record<string, string>>({});
  const [message, setMessage] = useState("");
  const [output, setOutput] = useState("");
  const [stats, setStats] = useState<Done | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const abort = useRef<AbortController | null>(null);

  // the values that count: what was typed, else nothing (defaults apply)
  const given = Object.fromEntries(
    version.variables
      .filter((v) => (values[v.name] ?? "") !== "")
      .map((v) => [v.name, values[v.name]!]),
  );
  const preview = renderPrompt(version, given);

  const run = async () => {
    setOutput("");
    setStats(null);
    setError(null);
    setRunning(true);
    const controller = new AbortController();
    abort.current = controller;
    try {
      const res = await fetch(`/api/w/${workspaceId}/prompts/${promptId}/playground`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ version: version.version, variables: given, message }),
        signal: controller.signal,
      });
      if (!res.ok || !res.body) {
        const body = (await res.json().catch(() => null)) as { error?: string } | null;
        setError(body?.error ?? `The playground answered ${res.status}.`);
        return;
      }
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf("\n\n")) !== -1) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!frame.startsWith("data: ")) continue;
          const event = JSON.parse(frame.slice(6)) as PlaygroundEvent;
          if (event.type === "delta") setOutput((text) => text + event.text);
          else if (event.type === "done") setStats(event);
          else if (event.type === "error") setError(event.message);
        }
      }
    } catch (caught) {
      if (!controller.signal.aborted) setError((caught as Error).message);
    } finally {
      setRunning(false);
      abort.current = null;
    }
  };

  return (
    <section aria-labelledby="playground-heading" className="space-y-3">
      <h2 id="playground-heading" className="text-lg font-semibold text-slate-900">
        Playground
      </h2>
      <div className="grid gap-4 rounded-lg border border-slate-200 bg-white p-4 sm:p-5 lg:grid-cols-2">
        <div className="min-w-0 space-y-3">
          <div className="flex flex-wrap items-center gap-2">
            <label htmlFor="playground-version" className="text-sm font-medium text-slate-800">
              Version
            </label>
            <select
              id="playground-version"
              className={compactInput("w-24")}
              value={version.version}
              onChange={(e) => setSelected(Number(e.target.value))}
            >
              {versions.map((v) => (
                <option key={v.id} value={v.version}>
                  v{v.version}
                </option>
              ))}
            </select>
            <span className="font-mono text-xs text-slate-500">
              {version.model ?? "no model: cannot run"}
            </span>
          </div>
          {version.variables.map((variable) => (
            <div key={variable.name} className="space-y-1">
              <label
                htmlFor={`pg-var-${variable.name}`}
                className="block font-mono text-sm text-slate-800"
              >
                {variable.name}
                {variable.default === null ? (
                  <span className="ml-1 font-sans text-xs text-red-700">required</span>
                ) : null}
              </label>
              <textarea
                id={`pg-var-${variable.name}`}
                rows={2}
                className={`${inputClass} font-mono`}
                placeholder={variable.default ?? ""}
                value={values[variable.name] ?? ""}
                onChange={(e) => setValues((all) => ({ ...all, [variable.name]: e.target.value }))}
              />
            </div>
          ))}
          <div className="space-y-1">
            <label htmlFor="pg-message" className="block text-sm font-medium text-slate-800">
              Extra user message (optional)
            </label>
            <textarea
              id="pg-message"
              rows={2}
              className={inputClass}
              value={message}
              onChange={(e) => setMessage(e.target.value)}
            />
          </div>
          <details className="text-sm">
            <summary className="cursor-pointer text-slate-700">Rendered messages</summary>
            <ol className="mt-2 space-y-2" data-testid="playground-preview">
              {preview.messages.map((m, i) => (
                <li key={i} className="rounded bg-slate-50 p-2">
                  <p className="text-xs font-semibold text-slate-500">{m.role}</p>
                  <p className="font-mono text-xs break-words whitespace-pre-wrap text-slate-800">
                    {m.content}
                  </p>
                </li>
              ))}
            </ol>
          </details>
          {preview.missing.length > 0 ? (
            <p className="text-xs text-slate-600">Fill in: {preview.missing.join(", ")}</p>
          ) : null}
          {canRun ? (
            <div className="flex flex-wrap gap-2">
              <button
                type="button"
                className={primaryButtonClass}
                disabled={running || preview.missing.length > 0 || version.model === null}
                onClick={run}
              >
                {running ? "Running…" : `Run v${version.version}`}
              </button>
              {running ? (
                <button
                  type="button"
                  className={secondaryButtonClass}
                  onClick={() => abort.current?.abort()}
                >
                  Stop
                </button>
              ) : null}
            </div>
          ) : (
            <p className="text-sm text-slate-600">
              Members can run the playground; viewers can preview.
            </p>
          )}
        </div>
        <div className="min-w-0 space-y-3">
          <p className="text-sm font-medium text-slate-800">Output</p>
          <div
            className="min-h-40 rounded-md border border-slate-200 bg-slate-50 p-3 text-sm break-words whitespace-pre-wrap text-slate-900"
            aria-live="polite"
            data-testid="playground-output"
          >
            {output ||
              (running ? "…" : <span className="text-slate-400">Run to see the answer.</span>)}
          </div>
          {error ? <FormAlert>{error}</FormAlert> : null}
          {stats ? (
            <dl
              className="grid grid-cols-2 gap-2 text-sm sm:grid-cols-4"
              data-testid="playground-stats"
            >
              <Stat
                label="Tokens in / out"
                value={`${stats.inputTokens} / ${stats.outputTokens}`}
              />
              <Stat label="Cost" value={stats.costUsd ?? "unknown price"} />
              <Stat label="Latency" value={`${stats.latencyMs} ms`} />
              <Stat
                label="First token"
                value={stats.ttfbMs === null ? "—" : `${stats.ttfbMs} ms`}
              />
            </dl>
          ) : null}
          {stats?.requestId ? (
            <p className="text-xs break-all text-slate-500">
              Request <span className="font-mono">{stats.requestId}</span>
              {stats.upstreamModel ? (
                <>
                  {" "}
                  · served by <span className="font-mono">{stats.upstreamModel}</span>
                </>
              ) : null}
            </p>
          ) : null}
        </div>
      </div>
    </section>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div className="rounded-md border border-slate-200 p-2">
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="font-medium text-slate-900 tabular-nums">{value}</dd>
    </div>
  );
}
