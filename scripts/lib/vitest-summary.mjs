// Sums vitest's JSON report (`--reporter=json`, the Jest-compatible format) into the counts
// of the final `N passed, N failed` line. Node built-ins only.

/**
 * @typedef {{ status: string }} Assertion
 * @typedef {{ name?: string, status?: string, message?: string, assertionResults?: Assertion[] }} FileResult
 * @typedef {{ numPassedTests?: number, numFailedTests?: number, numPendingTests?: number, numTodoTests?: number, testResults?: FileResult[] }} VitestJson
 */

/**
 * A test file that failed without a failed test in it (it did not load, or a hook outside
 * any test threw) counts as one failure, so a broken file can never pass unnoticed.
 * @param {VitestJson} report
 * @returns {{ passed: number, failed: number, skipped: number, brokenFiles: string[] }}
 */
export function summarizeVitestJson(report) {
  const brokenFiles = (report.testResults ?? [])
    .filter(
      (file) =>
        file.status === "failed" &&
        !(file.assertionResults ?? []).some((a) => a.status === "failed"),
    )
    .map((file) => file.name ?? "(unknown file)");
  return {
    passed: report.numPassedTests ?? 0,
    failed: (report.numFailedTests ?? 0) + brokenFiles.length,
    skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
    brokenFiles,
  };
}
