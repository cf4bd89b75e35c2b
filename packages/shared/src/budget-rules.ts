/**
 * How the proxies hold a request to a budget, shared with the dashboard that explains it.
 *
 * A request reserves the most it can cost: its prompt plus its max output tokens (the
 * request's own, or GATEHOUSE_DEFAULT_MAX_TOKENS when it sets none). When what is left of a
 * budget cannot pay for that, the proxy lowers the forwarded max output tokens to what it can
 * pay for (response header BUDGET_CAP_HEADER), and refuses only when less than
 * MIN_BUDGET_ANSWER_TOKENS (or the request's own smaller max) would fit.
 */

/** The smallest answer worth sending under a budget, in output tokens per answer. */
export const MIN_BUDGET_ANSWER_TOKENS = 16;

/** Response header: the max output tokens per answer a budget made the proxy forward. */
export const BUDGET_CAP_HEADER = "x-gatehouse-max-tokens-capped";
