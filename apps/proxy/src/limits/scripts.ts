/**
 * The two Lua scripts that make limits and budgets hold across every proxy. Each request runs
 * `admit` once before it is forwarded and `settle` once when it is over (JSON, stream, error,
 * client abort or timeout): two round trips, whatever limits and budgets apply.
 *
 * Rate limits are a **sliding window log** (a sorted set of the admitted requests of the last
 * 60 s, scored by time), not GCRA:
 *  - it is exact: "60 RPM" admits at most 60 requests in *any* 60-second window, which is what
 *    users read into the number and what the tests check across processes. GCRA with a burst of
 *    60 admits the burst plus one more per second, up to ~2x the limit in a minute;
 *  - TPM needs per-request entries anyway: the estimate reserved up front is corrected to the
 *    real usage afterwards, which replaces that request's own entry (GCRA could only shift its
 *    single timestamp, and would refund into the wrong moment);
 *  - the cost is memory proportional to the requests admitted in the last minute per scope,
 *    bounded by the RPM limit when one is set; each call purges the entries that left the
 *    window (amortised O(log n)).
 *
 * Concurrency slots are a sorted set of request ids scored by a lease expiry (the TTL safety
 * net for a proxy that crashed holding slots); budget reservations a sorted set scored by
 * expiry, purged in the same call. Budget state per period is a hash {spent, reserved,
 * alerted}. Every check of every scope happens before anything is taken (only expired entries
 * are purged), so a refused request changes nothing, and admission is all-or-nothing across the
 * key and workspace scopes.
 *
 * All keys of one request share the workspace hash tag (RedisKeys), so both scripts run on one
 * Redis Cluster slot. Numbers are formatted with %.0f before they reach Redis: Lua would print
 * 1e12 as "1e+12", which HINCRBY rejects.
 */

/** keys per scope, in this order; the workspace's budget-spend marker follows the last scope */
export const KEYS_PER_SCOPE = 6;
/** request-wide ARGV before the scopes */
export const ADMIT_HEADER_ARGS = 8;
export const ADMIT_ARGS_PER_SCOPE = 10;
export const SETTLE_ARGS_PER_SCOPE = 9;
export const WINDOW_MS = 60_000;
/**
 * The most budget headroom (nano-USD) the max-output cap reasons with: floor(2^50 / 1000), so
 * every product in the cap arithmetic stays an exact integer in Lua's doubles. It only matters
 * for requests whose max output costs more than ~$1,125, and then it caps at what $1,125 buys
 * (millions of tokens): conservative, never an overspend.
 */
export const CAP_HEADROOM_MAX = 1_125_899_906_842;

/*
 * KEYS per scope: rpm log, tpm log, tpm sum, in-flight leases, budget hash, reservations; then
 * the workspace's budget-spend marker (RedisKeys.budgetSpendRestored).
 * ARGV: now, requestId, scopeCount, maxOut (max output tokens per answer; 0 = no answer to cap),
 * choices, promptCost (nano-USD, rounded up), outputPrice (choices × output price: micro-USD per
 * 1M tokens for one more token in every answer), minOut (smallest answer worth sending),
 * then per scope: rpm, tpm, parallel (0 = none), budget (-1 = none), tokens, cost, leaseExpiry,
 * periodStartMs, budgetTtlMs (0 = never), leaseTtlMs.
 *
 * Budgets are read first: when a budget's headroom cannot pay for the whole request, the max
 * output per answer is lowered (`cap`) to what the tightest budget can pay for, and the
 * request's tokens and cost shrink with it; below minOut (or without an answer to shorten) the
 * budget refuses. While the marker is missing (Redis lost its data and the control plane has not
 * yet restored period spend from PostgreSQL) budgeted requests are refused, so a flush never
 * reopens a spent budget.
 *
 * Returns {1, per scope: rpmRemaining, rpmResetMs, tpmRemaining, tpmResetMs (-1 = no limit;
 * reset = when the window is back to its initial state: the full window after an admission),
 * then cap (max output per answer, -1 = not lowered), reservedCost}, or
 * {0, scopeIndex (-1 = the whole request), kind, retryAfterMs, limit, used}.
 */
export const ADMIT_LUA = `
local now = tonumber(ARGV[1])
local id = ARGV[2]
local n = tonumber(ARGV[3])
local maxOut = tonumber(ARGV[4])
local choices = tonumber(ARGV[5])
local promptCost = tonumber(ARGV[6])
local outputPrice = tonumber(ARGV[7])
local minOut = tonumber(ARGV[8])
local WINDOW = ${WINDOW_MS}
local HEADROOM_MAX = ${CAP_HEADROOM_MAX}
local function I(x) return string.format('%.0f', x) end
local function tail(m) return tonumber(string.match(m, ':(%d+)$')) end

-- budgets: what is used, and how long an answer each one's headroom pays for
local used = {}
local fits = {}
local cap = maxOut
local marked = false
for i = 0, n - 1 do
  local k = i * ${KEYS_PER_SCOPE}
  local a = ${ADMIT_HEADER_ARGS} + i * ${ADMIT_ARGS_PER_SCOPE}
  local budget = tonumber(ARGV[a + 4])
  if budget >= 0 then
    if not marked then
      if redis.call('EXISTS', KEYS[n * ${KEYS_PER_SCOPE} + 1]) == 0 then
        return {0, -1, 'unrestored', 2000, 0, 0}
      end
      marked = true
    end
    local expired = redis.call('ZRANGEBYSCORE', KEYS[k + 6], '-inf', now)
    if #expired > 0 then
      local freed = 0
      local period = ARGV[a + 8]
      for _, m in ipairs(expired) do
        -- only reservations of the current period count in its hash
        if string.match(m, ':(%d+):%d+$') == period then freed = freed + tail(m) end
      end
      redis.call('ZREMRANGEBYSCORE', KEYS[k + 6], '-inf', now)
      if freed > 0 then redis.call('HINCRBY', KEYS[k + 5], 'reserved', I(-freed)) end
    end
    local v = redis.call('HMGET', KEYS[k + 5], 'spent', 'reserved')
    used[i] = tonumber(v[1] or '0') + tonumber(v[2] or '0')
    if used[i] + tonumber(ARGV[a + 6]) > budget and maxOut > 0 and outputPrice > 0 then
      local room = budget - used[i]
      if room > HEADROOM_MAX then room = HEADROOM_MAX end
      room = (room - promptCost) * 1000
      local m = -1
      if room >= 0 then
        m = math.floor(room / outputPrice)
        if m * outputPrice > room then m = m - 1 end
      end
      fits[i] = m
      if m < cap then cap = m end
    end
  end
end
local floorOut = math.min(maxOut, minOut)
local cappedCost = nil
local tokenCut = 0
if cap < maxOut and cap >= floorOut then
  local x = cap * outputPrice
  cappedCost = promptCost + (x - x % 1000) / 1000
  if x % 1000 > 0 then cappedCost = cappedCost + 1 end
  tokenCut = (maxOut - cap) * choices
end

local counted = {}
for i = 0, n - 1 do
  local k = i * ${KEYS_PER_SCOPE}
  local a = ${ADMIT_HEADER_ARGS} + i * ${ADMIT_ARGS_PER_SCOPE}
  local rpm = tonumber(ARGV[a + 1])
  local tpm = tonumber(ARGV[a + 2])
  local par = tonumber(ARGV[a + 3])
  local budget = tonumber(ARGV[a + 4])
  local tokens = tonumber(ARGV[a + 5])
  local cost = cappedCost or tonumber(ARGV[a + 6])
  if par > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[k + 4], '-inf', now)
    local c = redis.call('ZCARD', KEYS[k + 4])
    if c >= par then return {0, i, 'parallel', 1000, par, c} end
  end
  if rpm > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[k + 1], '-inf', now - WINDOW)
    local c = redis.call('ZCARD', KEYS[k + 1])
    if c >= rpm then
      local oldest = redis.call('ZRANGE', KEYS[k + 1], 0, 0, 'WITHSCORES')
      return {0, i, 'rpm', tonumber(oldest[2]) + WINDOW - now, rpm, c}
    end
    counted[i] = c
  end
  if tpm > 0 then
    tokens = tokens - tokenCut
    local old = redis.call('ZRANGEBYSCORE', KEYS[k + 2], '-inf', now - WINDOW)
    if #old > 0 then
      local freed = 0
      for _, m in ipairs(old) do freed = freed + tail(m) end
      redis.call('ZREMRANGEBYSCORE', KEYS[k + 2], '-inf', now - WINDOW)
      redis.call('DECRBY', KEYS[k + 3], I(freed))
    end
    local sum = tonumber(redis.call('GET', KEYS[k + 3]) or '0')
    if sum + tokens > tpm then
      if tokens > tpm then return {0, i, 'tpm_request', 0, tpm, sum} end
      local need = sum + tokens - tpm
      local wait = WINDOW
      local entries = redis.call('ZRANGE', KEYS[k + 2], 0, 999, 'WITHSCORES')
      local freed = 0
      for j = 1, #entries, 2 do
        freed = freed + tail(entries[j])
        if freed >= need then
          wait = tonumber(entries[j + 1]) + WINDOW - now
          break
        end
      end
      return {0, i, 'tpm', wait, tpm, sum}
    end
  end
  if budget >= 0 then
    if (fits[i] ~= nil and fits[i] < floorOut) or used[i] + cost > budget then
      return {0, i, 'budget', 0, budget, used[i]}
    end
  end
end

local out = {1}
local reservedCost = 0
for i = 0, n - 1 do
  local k = i * ${KEYS_PER_SCOPE}
  local a = ${ADMIT_HEADER_ARGS} + i * ${ADMIT_ARGS_PER_SCOPE}
  local rpm = tonumber(ARGV[a + 1])
  local tpm = tonumber(ARGV[a + 2])
  local par = tonumber(ARGV[a + 3])
  local budget = tonumber(ARGV[a + 4])
  local tokens = tonumber(ARGV[a + 5]) - tokenCut
  local cost = cappedCost or tonumber(ARGV[a + 6])
  if par > 0 then
    redis.call('ZADD', KEYS[k + 4], ARGV[a + 7], id)
    redis.call('PEXPIRE', KEYS[k + 4], ARGV[a + 10])
  end
  if rpm > 0 then
    redis.call('ZADD', KEYS[k + 1], now, id)
    redis.call('PEXPIRE', KEYS[k + 1], WINDOW)
    out[#out + 1] = rpm - counted[i] - 1
    out[#out + 1] = WINDOW
  else
    out[#out + 1] = -1
    out[#out + 1] = -1
  end
  if tpm > 0 then
    redis.call('ZADD', KEYS[k + 2], now, id .. ':' .. I(tokens))
    local sum = redis.call('INCRBY', KEYS[k + 3], I(tokens))
    redis.call('PEXPIRE', KEYS[k + 2], WINDOW)
    redis.call('PEXPIRE', KEYS[k + 3], WINDOW)
    out[#out + 1] = tpm - sum
    out[#out + 1] = WINDOW
  else
    out[#out + 1] = -1
    out[#out + 1] = -1
  end
  if budget >= 0 and cost > 0 then
    reservedCost = cost
    redis.call('ZADD', KEYS[k + 6], ARGV[a + 7], id .. ':' .. ARGV[a + 8] .. ':' .. I(cost))
    redis.call('HINCRBY', KEYS[k + 5], 'reserved', I(cost))
    local ttl = tonumber(ARGV[a + 9])
    if ttl > 0 then
      redis.call('PEXPIRE', KEYS[k + 5], ttl)
      redis.call('PEXPIRE', KEYS[k + 6], ttl)
    end
  end
end
if cappedCost then out[#out + 1] = cap else out[#out + 1] = -1 end
out[#out + 1] = reservedCost
return out
`;

/*
 * Same KEYS as admit. ARGV: now, requestId, scopeCount, then per scope: holdsSlot (0/1),
 * reservedTokens (-1 = no TPM entry), actualTokens, budget (0/1), reservedCost, actualCost,
 * periodStartMs, alertAtNanoUsd (0 = no alert), budgetTtlMs (0 = never).
 * Removes the slot, corrects the TPM entry to the real tokens, drops the reservation and adds
 * the real cost to `spent`. Returns {scopeIndex, spent, ...} for every budget whose alert
 * threshold this settle reached first in its period (HSETNX 'alerted' dedupes across proxies).
 */
export const SETTLE_LUA = `
local now = tonumber(ARGV[1])
local id = ARGV[2]
local n = tonumber(ARGV[3])
local WINDOW = ${WINDOW_MS}
local function I(x) return string.format('%.0f', x) end
local out = {}
for i = 0, n - 1 do
  local k = i * ${KEYS_PER_SCOPE}
  local a = 3 + i * ${SETTLE_ARGS_PER_SCOPE}
  if ARGV[a + 1] == '1' then redis.call('ZREM', KEYS[k + 4], id) end
  local reservedTokens = tonumber(ARGV[a + 2])
  local actualTokens = tonumber(ARGV[a + 3])
  if reservedTokens >= 0 and reservedTokens ~= actualTokens then
    local member = id .. ':' .. I(reservedTokens)
    local at = redis.call('ZSCORE', KEYS[k + 2], member)
    if at and tonumber(at) > now - WINDOW then
      redis.call('ZREM', KEYS[k + 2], member)
      redis.call('ZADD', KEYS[k + 2], at, id .. ':' .. I(actualTokens))
      redis.call('INCRBY', KEYS[k + 3], I(actualTokens - reservedTokens))
    end
  end
  if ARGV[a + 4] == '1' then
    local reservedCost = tonumber(ARGV[a + 5])
    local actualCost = tonumber(ARGV[a + 6])
    local ttl = tonumber(ARGV[a + 9])
    if reservedCost > 0 then
      local removed = redis.call('ZREM', KEYS[k + 6], id .. ':' .. ARGV[a + 7] .. ':' .. I(reservedCost))
      if removed == 1 then redis.call('HINCRBY', KEYS[k + 5], 'reserved', I(-reservedCost)) end
    end
    if actualCost > 0 then
      local spent = redis.call('HINCRBY', KEYS[k + 5], 'spent', I(actualCost))
      if ttl > 0 then redis.call('PEXPIRE', KEYS[k + 5], ttl) end
      local alertAt = tonumber(ARGV[a + 8])
      if alertAt > 0 and spent >= alertAt then
        if redis.call('HSETNX', KEYS[k + 5], 'alerted', I(now)) == 1 then
          out[#out + 1] = i
          out[#out + 1] = spent
        end
      end
    end
  end
end
return out
`;
