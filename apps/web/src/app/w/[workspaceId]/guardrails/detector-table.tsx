"use client";

import type { Detector, GuardrailAction } from "@gatehouse/shared";
import {
  ACTION_HINTS,
  ACTION_NAMES,
  ACTIONS,
  DETECTOR_GROUPS,
  DETECTOR_NAMES,
} from "./detector-names";
import { HeuristicNote } from "./heuristic-note";

export type ActionMap = Partial<Record<Detector, GuardrailAction>>;
/** Stored values that are not actions, by detector (a hand-edited override's typos). */
export type InvalidActions = Partial<Record<Detector, string>>;

/**
 * The detector × action table: one radio group per detector. The first column takes the
 * action from elsewhere — the built-in default for a workspace, the workspace's action for a
 * key — and shows which one that is; the others set the detector's own action.
 */
export function DetectorTable({
  actions,
  invalid = {},
  inheritLabel,
  inherited,
  onChange,
  disabled,
  falsePositiveRate,
}: {
  actions: ActionMap;
  /**
   * Stored values that are not actions, by detector: the row shows the value and checks no
   * radio (it does not inherit, whatever the first column says) until one is chosen.
   */
  invalid?: InvalidActions;
  /** "Default" (workspace) or "Workspace" (key) */
  inheritLabel: string;
  /** what a detector does without its own action ("Mask", "Per pattern") */
  inherited: (detector: Detector) => string;
  onChange: (detector: Detector, action: GuardrailAction | undefined) => void;
  disabled: boolean;
  falsePositiveRate: number | null;
}) {
  return (
    <div className="overflow-x-auto">
      <table className="min-w-full text-sm" data-testid="detector-table">
        <caption className="sr-only">What each detector does when it finds something</caption>
        <thead>
          <tr className="border-b border-slate-200 text-left text-xs font-medium text-slate-500">
            <th scope="col" className="py-2 pr-3">
              Detector
            </th>
            <th scope="col" className="px-2 py-2 text-center">
              {inheritLabel}
            </th>
            {ACTIONS.map((action) => (
              <th
                key={action}
                scope="col"
                className="px-2 py-2 text-center"
                title={ACTION_HINTS[action]}
              >
                {ACTION_NAMES[action]}
              </th>
            ))}
          </tr>
        </thead>
        {DETECTOR_GROUPS.map((group) => (
          <tbody key={group.id} className="border-b border-slate-100">
            <tr>
              <th
                scope="rowgroup"
                colSpan={ACTIONS.length + 2}
                className="pt-3 pb-1 text-left text-xs font-semibold uppercase tracking-wide text-slate-500"
              >
                {group.title}
              </th>
            </tr>
            {group.detectors.map((detector) => (
              <DetectorRow
                key={detector}
                detector={detector}
                own={actions[detector]}
                invalidValue={invalid[detector]}
                inherited={inherited(detector)}
                onChange={onChange}
                disabled={disabled}
                falsePositiveRate={falsePositiveRate}
              />
            ))}
          </tbody>
        ))}
      </table>
    </div>
  );
}

function DetectorRow({
  detector,
  own,
  invalidValue,
  inherited,
  onChange,
  disabled,
  falsePositiveRate,
}: {
  detector: Detector;
  own: GuardrailAction | undefined;
  invalidValue: string | undefined;
  inherited: string;
  onChange: (detector: Detector, action: GuardrailAction | undefined) => void;
  disabled: boolean;
  falsePositiveRate: number | null;
}) {
  const name = DETECTOR_NAMES[detector];
  const radio = (value: GuardrailAction | undefined, label: string) => (
    <input
      type="radio"
      name={`action-${detector}`}
      aria-label={`${name}: ${label}`}
      checked={invalidValue === undefined && own === value}
      aria-invalid={invalidValue !== undefined ? true : undefined}
      disabled={disabled}
      onChange={() => onChange(detector, value)}
      className="size-4 border-slate-300 text-indigo-600"
    />
  );
  return (
    <tr data-testid={`detector-${detector}`}>
      <th scope="row" className="py-2 pr-3 text-left font-normal text-slate-800">
        <span className="font-medium">{name}</span>
        {invalidValue !== undefined ? (
          <span
            className="ml-2 rounded bg-red-50 px-1.5 py-0.5 font-mono text-xs font-medium text-red-800"
            data-testid={`invalid-${detector}`}
          >
            invalid: {invalidValue}
          </span>
        ) : null}
        {detector === "prompt_injection" ? (
          <HeuristicNote falsePositiveRate={falsePositiveRate} />
        ) : null}
      </th>
      <td className="px-2 py-2 text-center">
        <label className="inline-flex items-center gap-1.5 text-xs text-slate-500">
          {radio(undefined, `${inherited.toLowerCase()} (inherited)`)}
          {inherited}
        </label>
      </td>
      {ACTIONS.map((action) => (
        <td key={action} className="px-2 py-2 text-center">
          {radio(action, ACTION_NAMES[action].toLowerCase())}
        </td>
      ))}
    </tr>
  );
}
