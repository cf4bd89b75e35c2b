import type {
  Detector,
  GuardrailAction,
  GuardrailKeyOverride,
  GuardrailPolicy,
} from "../guardrail-policy";
import { findCards } from "./detectors/card";
import {
  compileDenyList,
  compilePatterns,
  findCustom,
  findDenied,
  type CompiledPattern,
} from "./detectors/custom";
import { findDatabaseUrls } from "./detectors/database-url";
import { findEmails } from "./detectors/email";
import { findIbans } from "./detectors/iban";
import { findInjections } from "./detectors/injection";
import { findIps } from "./detectors/ip";
import { findPhones } from "./detectors/phone";
import { findPrivateKeys } from "./detectors/private-key";
import { findSecrets } from "./detectors/secrets";
import { findSsns } from "./detectors/ssn";
import { customPatternAction, effectiveActions, scansResponses } from "./effective-policy";
import type { Hit, RawHit, TextKind } from "./types";

/** A custom pattern's match is found across stream events if it is at most this long. */
export const CUSTOM_PATTERN_WINDOW = 64;

/**
 * A policy compiled for scanning (once per workspace/key snapshot, not per request): the
 * detectors whose action is not `off`, custom patterns and the deny-list as regexes.
 * `scan` returns non-overlapping hits in text order; `scanAnswer` uses only the detectors an
 * answer is checked with (secrets, custom patterns, deny-list).
 */
export class GuardrailScanner {
  readonly actions: Readonly<Record<Detector, GuardrailAction>>;
  /** any detector is on: without one a request is not even walked */
  readonly active: boolean;
  /** answers are scanned (policy.scanResponses and a response detector is on) */
  readonly answersScanned: boolean;
  /** custom patterns left out (invalid or unsafe): their names, for a log line */
  readonly rejectedPatterns: readonly string[];
  /** how much of a streamed answer's end a custom pattern or deny-list term may still match
   * into (characters; 0 when the answer policy has neither): the longest deny-list term, and
   * at least CUSTOM_PATTERN_WINDOW with custom patterns */
  readonly answerFreeformWindow: number;
  private readonly patterns: readonly CompiledPattern[];
  private readonly patternActions: ReadonlyMap<string, GuardrailAction>;
  private readonly denyList: RegExp | null;
  private readonly requestSet: DetectorSet;
  private readonly answerSet: DetectorSet;

  constructor(policy: GuardrailPolicy, override: GuardrailKeyOverride | null = null) {
    this.actions = effectiveActions(policy, override);
    const patternActions = new Map<string, GuardrailAction>();
    const enabledPatterns = policy.customPatterns.filter((p) => {
      const action = customPatternAction(policy, override, p.action);
      patternActions.set(p.name, action);
      return action !== "off";
    });
    const { compiled, rejected } = compilePatterns(enabledPatterns);
    this.patterns = compiled;
    this.rejectedPatterns = rejected;
    this.patternActions = patternActions;
    this.denyList = this.actions.deny_list === "off" ? null : compileDenyList(policy.denyList);
    const on = (d: Detector) => this.actions[d] !== "off";
    this.requestSet = detectorSet(on, this.patterns.length > 0, this.denyList !== null);
    this.answerSet = policy.scanResponses
      ? detectorSet(
          (d) => on(d) && scansResponses(d),
          this.patterns.length > 0,
          this.denyList !== null,
        )
      : NO_DETECTORS;
    this.active = this.requestSet.any;
    this.answersScanned = this.answerSet.any;
    let window = this.answerSet.custom ? CUSTOM_PATTERN_WINDOW : 0;
    if (this.answerSet.deny)
      for (const term of policy.denyList) window = Math.max(window, term.trim().length);
    this.answerFreeformWindow = window;
  }

  /** What the request-side detectors find in one text. */
  scan(text: string, kind: TextKind = "text"): Hit[] {
    return this.run(text, kind, this.requestSet);
  }

  /** What the answer-side detectors (secrets, custom, deny-list) find in answer text. */
  scanAnswer(text: string): Hit[] {
    return this.run(text, "text", this.answerSet);
  }

  /** The action for a hit's detector (a custom pattern: its own). */
  actionFor(detector: Detector, label: string): GuardrailAction {
    return detector === "custom"
      ? (this.patternActions.get(label) ?? "off")
      : this.actions[detector];
  }

  private run(text: string, kind: TextKind, set: DetectorSet): Hit[] {
    if (!set.any || text.length === 0) return [];
    const raw: RawHit[] = [];
    if (set.secrets) findSecrets(text, raw);
    if (set.privateKey) findPrivateKeys(text, raw);
    if (set.databaseUrl) findDatabaseUrls(text, raw);
    if (set.email) findEmails(text, raw);
    if (set.phone) findPhones(text, raw);
    if (set.card) findCards(text, raw);
    if (set.iban) findIbans(text, raw);
    if (set.ssn) findSsns(text, raw);
    if (set.ip) findIps(text, raw);
    if (set.custom) findCustom(text, this.patterns, raw);
    if (set.deny) findDenied(text, this.denyList!, raw);
    if (set.injection) findInjections(text, raw, kind);
    if (raw.length === 0) return [];
    const hits: Hit[] = [];
    for (const r of resolveOverlaps(raw)) {
      const action = this.actionFor(r.detector, r.label);
      // a detector that shares a pass with others (secrets) may find kinds that are off
      if (action === "off" || !set.allows(r.detector)) continue;
      hits.push({ ...r, action });
    }
    return hits;
  }
}

interface DetectorSet {
  readonly any: boolean;
  readonly secrets: boolean;
  readonly privateKey: boolean;
  readonly databaseUrl: boolean;
  readonly email: boolean;
  readonly phone: boolean;
  readonly card: boolean;
  readonly iban: boolean;
  readonly ssn: boolean;
  readonly ip: boolean;
  readonly custom: boolean;
  readonly deny: boolean;
  readonly injection: boolean;
  allows(detector: Detector): boolean;
}

const PASS_SECRETS: readonly Detector[] = [
  "aws_key",
  "openai_key",
  "anthropic_key",
  "google_key",
  "github_token",
  "gitlab_token",
  "slack_token",
  "stripe_key",
  "jwt",
];

function detectorSet(on: (d: Detector) => boolean, custom: boolean, deny: boolean): DetectorSet {
  const set = {
    secrets: PASS_SECRETS.some(on),
    privateKey: on("private_key"),
    databaseUrl: on("database_url"),
    email: on("email"),
    phone: on("phone"),
    card: on("card"),
    iban: on("iban"),
    ssn: on("ssn"),
    ip: on("ip"),
    custom: custom && on("custom"),
    deny: deny && on("deny_list"),
    injection: on("prompt_injection"),
    allows: (d: Detector) => (d === "custom" ? custom : on(d)),
  };
  const any = Object.entries(set).some(([k, v]) => k !== "allows" && v === true);
  return { ...set, any };
}

const NO_DETECTORS = detectorSet(() => false, false, false);

/** Detectors that win an overlap: secrets over PII (a DB URL's `user:pw@host` is no e-mail). */
const PRIORITY: Partial<Record<Detector, number>> = {
  private_key: 6,
  database_url: 5,
  jwt: 5,
  custom: 3,
  deny_list: 3,
  card: 2,
  iban: 2,
  ssn: 2,
  email: 2,
  phone: 1,
  ip: 1,
  prompt_injection: 0,
};
const SECRET_PRIORITY = 4;

function priorityOf(d: Detector): number {
  return PRIORITY[d] ?? SECRET_PRIORITY;
}

/** Keeps the higher-priority (then longer, then earlier) hit of overlapping ones; text order. */
export function resolveOverlaps(raw: RawHit[]): RawHit[] {
  if (raw.length === 1) return raw;
  const ranked = [...raw].sort(
    (a, b) =>
      priorityOf(b.detector) - priorityOf(a.detector) ||
      b.end - b.start - (a.end - a.start) ||
      a.start - b.start,
  );
  const kept: RawHit[] = [];
  for (const hit of ranked) {
    if (kept.every((k) => hit.end <= k.start || hit.start >= k.end)) kept.push(hit);
  }
  return kept.sort((a, b) => a.start - b.start);
}
