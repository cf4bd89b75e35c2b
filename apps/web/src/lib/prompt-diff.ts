/**
 * Side-by-side line diff of two prompt versions (client-safe, pure). Each version is shown as
 * a small text document (model, parameters, variables, then each message), and the two
 * documents are aligned by their longest common subsequence of lines.
 */

export interface DiffableVersion {
  model: string | null;
  params: unknown;
  variables: readonly { name: string; default: string | null }[];
  messages: readonly { role: string; content: string }[];
}

export type DiffRow =
  | { kind: "same"; left: string; right: string }
  | { kind: "removed"; left: string; right: null }
  | { kind: "added"; left: null; right: string }
  | { kind: "changed"; left: string; right: string };

export function versionDocument(version: DiffableVersion): string[] {
  const lines = [`model: ${version.model ?? "(set by the client)"}`];
  lines.push(`params: ${JSON.stringify(version.params ?? {})}`);
  for (const variable of version.variables) {
    lines.push(
      `variable ${variable.name}${variable.default === null ? " (required)" : ` = ${JSON.stringify(variable.default)}`}`,
    );
  }
  for (const message of version.messages) {
    lines.push(`── ${message.role} ──`);
    lines.push(...message.content.split("\n"));
  }
  return lines;
}

/** LCS alignment; a removed line directly followed by an added one is shown as "changed". */
export function diffLines(left: readonly string[], right: readonly string[]): DiffRow[] {
  const n = left.length;
  const m = right.length;
  // lengths of the LCS of left[i..] and right[j..]
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] =
        left[i] === right[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const raw: DiffRow[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (left[i] === right[j]) {
      raw.push({ kind: "same", left: left[i]!, right: right[j]! });
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) {
      raw.push({ kind: "removed", left: left[i++]!, right: null });
    } else {
      raw.push({ kind: "added", left: null, right: right[j++]! });
    }
  }
  while (i < n) raw.push({ kind: "removed", left: left[i++]!, right: null });
  while (j < m) raw.push({ kind: "added", left: null, right: right[j++]! });

  // pair runs of removals with the additions that follow them
  const rows: DiffRow[] = [];
  for (let k = 0; k < raw.length;) {
    if (raw[k]!.kind !== "removed") {
      rows.push(raw[k++]!);
      continue;
    }
    const removed: string[] = [];
    while (k < raw.length && raw[k]!.kind === "removed") removed.push(raw[k++]!.left!);
    const added: string[] = [];
    while (k < raw.length && raw[k]!.kind === "added") added.push(raw[k++]!.right!);
    const pairs = Math.min(removed.length, added.length);
    for (let p = 0; p < pairs; p++)
      rows.push({ kind: "changed", left: removed[p]!, right: added[p]! });
    for (let p = pairs; p < removed.length; p++)
      rows.push({ kind: "removed", left: removed[p]!, right: null });
    for (let p = pairs; p < added.length; p++)
      rows.push({ kind: "added", left: null, right: added[p]! });
  }
  return rows;
}

export function diffVersions(a: DiffableVersion, b: DiffableVersion): DiffRow[] {
  return diffLines(versionDocument(a), versionDocument(b));
}
