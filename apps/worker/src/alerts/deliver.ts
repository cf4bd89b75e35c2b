import { createHmac, randomBytes } from "node:crypto";
import type { Pool } from "pg";
import { formatUsd, type JobPayload } from "@gatehouse/shared";
import { decryptSecret, type Keyring } from "@gatehouse/shared/server";

export type BudgetAlertJob = JobPayload<"alerts", "budget-alert">;

/** The JSON body POSTed to a workspace's alert webhook. */
export interface BudgetAlertPayload {
  type: "budget.threshold_reached";
  /** the BudgetAlert row id: the same on every retry of one alert (dedupe on it) */
  id: string;
  workspaceId: string;
  scope: "workspace" | "key";
  scopeId: string;
  /** the key's name for key budgets, the workspace's name for workspace budgets */
  scopeName: string | null;
  periodStart: string;
  thresholdPct: number;
  spentNanoUsd: number;
  budgetNanoUsd: number;
  spentUsd: string;
  budgetUsd: string;
  firedAt: string;
}

export const SIGNATURE_HEADER = "x-gatehouse-signature";

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, like Stripe's: the receiver
 * recomputes it with the shared secret and rejects old timestamps (replays).
 */
export function signWebhook(secret: string, body: string, timestamp: number): string {
  const mac = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  return `t=${timestamp},v1=${mac}`;
}

export type AlertOutcome = "delivered" | "already_delivered" | "no_webhook";

export interface DeliverOptions {
  pool: Pool;
  /** null when GATEHOUSE_ENCRYPTION_KEYS is unset: signed deliveries then fail (and retry) */
  keyring: Keyring | null;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * Records the alert (one BudgetAlert row per budget, period and threshold: a repeated job
 * finds the row) and POSTs it, signed, to the workspace's webhook. Throws on a failed delivery
 * so BullMQ retries the job with backoff; a delivered alert is never sent again.
 */
export async function recordAndDeliverAlert(
  job: BudgetAlertJob,
  options: DeliverOptions,
): Promise<AlertOutcome> {
  const { pool } = options;
  const inserted = await pool.query<{ id: string; fired_at: Date; delivered_at: Date | null }>(
    `INSERT INTO budget_alerts
       (id, workspace_id, scope, scope_id, period_start, threshold_pct, spent_nano_usd,
        budget_nano_usd, fired_at, created_at, updated_at)
     VALUES ($1, $2, $3::"BudgetScope", $4, $5, $6, $7, $8, now(), now(), now())
     ON CONFLICT (scope, scope_id, period_start, threshold_pct)
       DO UPDATE SET updated_at = budget_alerts.updated_at
     RETURNING id, fired_at, delivered_at`,
    [
      `alrt_${randomBytes(12).toString("hex")}`,
      job.workspaceId,
      job.scope,
      job.scopeId,
      job.periodStart,
      job.thresholdPct,
      job.spentNanoUsd,
      job.budgetNanoUsd,
    ],
  );
  const alert = inserted.rows[0]!;
  if (alert.delivered_at !== null) return "already_delivered";

  const workspace = await pool.query<{
    name: string;
    alert_webhook_url: string | null;
    alert_webhook_secret_encrypted: string | null;
  }>(
    `SELECT name, alert_webhook_url, alert_webhook_secret_encrypted FROM workspaces WHERE id = $1`,
    [job.workspaceId],
  );
  const ws = workspace.rows[0];
  if (!ws || !ws.alert_webhook_url) return "no_webhook";

  let scopeName: string | null = ws.name;
  if (job.scope === "key") {
    const key = await pool.query<{ name: string }>(`SELECT name FROM virtual_keys WHERE id = $1`, [
      job.scopeId,
    ]);
    scopeName = key.rows[0]?.name ?? null;
  }
  const payload: BudgetAlertPayload = {
    type: "budget.threshold_reached",
    id: alert.id,
    workspaceId: job.workspaceId,
    scope: job.scope,
    scopeId: job.scopeId,
    scopeName,
    periodStart: job.periodStart,
    thresholdPct: job.thresholdPct,
    spentNanoUsd: job.spentNanoUsd,
    budgetNanoUsd: job.budgetNanoUsd,
    spentUsd: formatUsd(job.spentNanoUsd, { decimals: 2 }),
    budgetUsd: formatUsd(job.budgetNanoUsd, { decimals: 2 }),
    firedAt: alert.fired_at.toISOString(),
  };
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "gatehouse-alerts/1",
    "x-gatehouse-event": payload.type,
    "x-gatehouse-delivery": alert.id,
  };
  if (ws.alert_webhook_secret_encrypted !== null) {
    if (options.keyring === null) {
      throw new Error(
        "GATEHOUSE_ENCRYPTION_KEYS is not set in the worker: cannot sign the alert webhook",
      );
    }
    const secret = decryptSecret(
      ws.alert_webhook_secret_encrypted,
      options.keyring,
      job.workspaceId,
    );
    headers[SIGNATURE_HEADER] = signWebhook(secret, body, Math.floor(Date.now() / 1000));
  }
  const response = await (options.fetch ?? fetch)(ws.alert_webhook_url, {
    method: "POST",
    headers,
    body,
    redirect: "manual",
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  // the receiver's body is never needed; drain it so the connection is released
  await response.arrayBuffer().catch(() => undefined);
  if (response.status < 200 || response.status >= 300) {
    throw new Error(`alert webhook answered ${response.status}`);
  }
  await pool.query(
    `UPDATE budget_alerts SET delivered_at = now(), updated_at = now() WHERE id = $1`,
    [alert.id],
  );
  return "delivered";
}
