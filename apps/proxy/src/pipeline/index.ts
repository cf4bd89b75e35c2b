import { authenticate } from "./authenticate";
import { authorizeModel } from "./authorize-model";
import { callUpstream } from "./call-upstream";
import type { Stage } from "./context";
import { countTokensLocally } from "./count-tokens-locally";
import { enforceLimits } from "./enforce-limits";
import { listModels } from "./list-models";
import { parseJson } from "./parse-json";
import { planUpstream } from "./plan-upstream";
import { readBody } from "./read-body";
import { resolvePrompt } from "./resolve-prompt";
import { resolveRoute } from "./resolve-route";
import { respond } from "./respond";
import { validateRequest } from "./validate-request";

/**
 * The request pipeline, in order. Each stage is a small function over the RequestContext: it
 * throws a GatewayError to answer with an error, sets `ctx.done` when it answered itself, and
 * returns a promise only when it has to wait. Later policies slot in here as new stages: the
 * PII guard before planUpstream, the cache before enforceLimits (a hit costs nothing),
 * retries/fallbacks around callUpstream (they append to ctx.attempts).
 */
export const MODEL_CALL_STAGES: readonly Stage[] = [
  readBody, //          413 (limit checked before and while reading)
  parseJson, //         400 malformed JSON
  validateRequest, //   400 naming the missing/invalid field
  authenticate, //      401 (unknown / revoked / expired / rotated-out key)
  resolvePrompt, //     "prompt:<slug>[@label|@n]": renders the version; 404 unknown, 400 missing variables
  authorizeModel, //    403 (key not allowed this model)
  resolveRoute, //      404 (unknown model) → deployment by priority, then weight
  planUpstream, //      same format / translated / local; builds the upstream body
  countTokensLocally, // answers count_tokens here when the provider cannot
  enforceLimits, //     429 rate limit / budget, 503 limit store down (fail closed); reserves
  callUpstream, //      undici; 502 unreachable, 504 timeout
  respond, //           relay JSON or stream (translated when formats differ)
];

export const LIST_MODELS_STAGES: readonly Stage[] = [authenticate, listModels];

export { ClientGoneError } from "./read-body";
export {
  RequestContext,
  type ProxyServices,
  type ProxySettings,
  type EndpointSpec,
} from "./context";
