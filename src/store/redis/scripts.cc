#include "store/redis/scripts.h"

namespace sy::store::redis {

const char *const kAdmitScript = R"lua(
local bal, rl, res, held = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
-- Too late: the caller may have timed out and answered without us. Change
-- nothing, so a reservation nobody knows about cannot hold the balance.
local t = redis.call('TIME')
if tonumber(t[1]) * 1000000 + tonumber(t[2]) >= tonumber(ARGV[16]) then
  return {-1, 0, 0, 0, 0, 0, 0, 0}
end
local now = tonumber(ARGV[1])
local rpm, tpm, maxp = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local budget = tonumber(ARGV[5])
local tokens, cost = tonumber(ARGV[12]), tonumber(ARGV[13])

if redis.call('HEXISTS', bal, 'seeded') == 0 then
  redis.call('HSET', bal, 'seeded', 1, 'period_start', ARGV[9], 'spent', ARGV[10])
  if tonumber(ARGV[11]) >= 0 then
    redis.call('HSET', bal, 'credits', ARGV[11])
  else
    redis.call('HDEL', bal, 'credits')
  end
end
redis.call('HSET', bal, 'period', ARGV[6], 'next_start', ARGV[8])
if tonumber(redis.call('HGET', bal, 'period_start')) < tonumber(ARGV[7]) then
  redis.call('HSET', bal, 'period_start', ARGV[7], 'spent', 0)
end

-- Return reservations of replicas that never settled (crashed) to the balance.
local expired = redis.call('ZRANGEBYSCORE', res, '-inf', now, 'LIMIT', 0, 100)
for _, id in ipairs(expired) do
  local h = redis.call('HGET', held, id)
  if h then
    local c = tonumber(string.match(h, '^(%-?%d+)'))
    redis.call('HINCRBY', bal, 'reserved', 0 - c)  -- 0 - x: never "-0"
    redis.call('HDEL', held, id)
  end
  redis.call('ZREM', res, id)
end

local function bucket(prefix, limit)
  local level = tonumber(redis.call('HGET', rl, prefix .. 'l'))
  local last = tonumber(redis.call('HGET', rl, prefix .. 't'))
  if level == nil or last == nil then return limit, now end
  if now > last then
    level = level + (now - last) * limit / 60000
    last = now
  end
  if level > limit then level = limit end
  return level, last
end
local function until_amount(level, limit, amount)
  local missing = amount - level
  if missing <= 1e-9 then return 0 end
  return math.ceil(missing / (limit / 60000) - 1e-9)
end
local function remaining(level)
  if level <= 0 then return 0 end
  return math.floor(level + 1e-9)
end

local rlev, rlast, tlev, tlast = 0, now, 0, now
if rpm > 0 then rlev, rlast = bucket('r', rpm) end
if tpm > 0 then tlev, tlast = bucket('t', tpm) end

local outcome, retry = 0, 0
if rpm > 0 and rlev < 1 then
  outcome, retry = 1, until_amount(rlev, rpm, 1)
elseif tpm > 0 and tokens > tpm then
  outcome, retry = 2, 60000
elseif tpm > 0 and tlev + 1e-9 < tokens then
  outcome, retry = 2, until_amount(tlev, tpm, tokens)
elseif maxp > 0 and redis.call('ZCARD', res) >= maxp then
  outcome, retry = 3, 1000
else
  local spent = tonumber(redis.call('HGET', bal, 'spent'))
  local reserved = tonumber(redis.call('HGET', bal, 'reserved') or '0')
  local credits = redis.call('HGET', bal, 'credits')
  if budget >= 0 and spent + reserved + cost > budget then
    outcome = 4
    if tonumber(ARGV[8]) > 0 then retry = math.max(tonumber(ARGV[8]) - now, 0) end
  elseif credits and reserved + cost > tonumber(credits) then
    outcome = 5
  end
end

if outcome == 0 then
  if rpm > 0 then rlev = rlev - 1 end
  if tpm > 0 then tlev = tlev - tokens end
  redis.call('HINCRBY', bal, 'reserved', cost)
  redis.call('ZADD', res, ARGV[15], ARGV[14])
  redis.call('HSET', held, ARGV[14], ARGV[13] .. ' ' .. ARGV[12])
end
if rpm > 0 then redis.call('HSET', rl, 'rl', tostring(rlev), 'rt', rlast) end
if tpm > 0 then redis.call('HSET', rl, 'tl', tostring(tlev), 'tt', tlast) end
redis.call('HSET', rl, 'tpm', tpm)
redis.call('PEXPIRE', rl, 3600000)

local rr, rres, tr, tres = 0, 0, 0, 0
if rpm > 0 then rr, rres = remaining(rlev), until_amount(rlev, rpm, rpm) end
if tpm > 0 then tr, tres = remaining(tlev), until_amount(tlev, tpm, tpm) end
return {outcome, rpm, rr, rres, tpm, tr, tres, retry}
)lua";

const char *const kFinishScript = R"lua(
local bal, rl, res, held = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local id, settle = ARGV[1], ARGV[2] == '1'
local actual_cost, actual_tokens, now = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local h = redis.call('HGET', held, id)
if not h then return 0 end
local cost, tokens = string.match(h, '^(%-?%d+) (%-?%d+)$')
tokens = tonumber(tokens)
redis.call('HDEL', held, id)
redis.call('ZREM', res, id)
redis.call('HINCRBY', bal, 'reserved', 0 - tonumber(cost))

local tpm = tonumber(redis.call('HGET', rl, 'tpm') or '0')
local delta = tokens
if settle then
  local next_start = tonumber(redis.call('HGET', bal, 'next_start') or '0')
  if next_start > 0 and now >= next_start then
    redis.call('HSET', bal, 'period_start', next_start, 'spent', 0, 'next_start', 0)
  end
  redis.call('HINCRBY', bal, 'spent', actual_cost)
  if redis.call('HEXISTS', bal, 'credits') == 1 then
    redis.call('HINCRBY', bal, 'credits', 0 - tonumber(actual_cost))
  end
  delta = tokens - actual_tokens
end
if tpm > 0 then
  local level = tonumber(redis.call('HGET', rl, 'tl'))
  local last = tonumber(redis.call('HGET', rl, 'tt'))
  if level ~= nil and last ~= nil then
    if now > last then
      level = level + (now - last) * tpm / 60000
      last = now
    end
    level = level + delta
    if level > tpm then level = tpm end
    redis.call('HSET', rl, 'tl', tostring(level), 'tt', last)
  end
end
return 1
)lua";

const char *const kReconcileScript = R"lua(
local bal, rec = KEYS[1], KEYS[2]
local now, keep = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', rec, '-inf', now)
local seeded = redis.call('HEXISTS', bal, 'seeded') == 1
local applied = 0
for i = 3, #ARGV, 3 do
  local id, cost, at = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  if not redis.call('ZSCORE', rec, id) then
    -- Unseeded: the next admission seeds from the durable store, whose
    -- ledger already holds this charge.
    if seeded then
      local next_start = tonumber(redis.call('HGET', bal, 'next_start') or '0')
      if next_start > 0 and at >= next_start then
        redis.call('HSET', bal, 'period_start', next_start, 'spent', 0, 'next_start', 0)
      end
      if at >= tonumber(redis.call('HGET', bal, 'period_start') or '0') then
        redis.call('HINCRBY', bal, 'spent', cost)
      end
      if redis.call('HEXISTS', bal, 'credits') == 1 then
        redis.call('HINCRBY', bal, 'credits', 0 - cost)
      end
    end
    redis.call('ZADD', rec, now + keep, id)
    applied = applied + 1
  end
end
redis.call('PEXPIRE', rec, keep)
return applied
)lua";

const char *const kAddCreditsScript = R"lua(
local bal = KEYS[1]
if redis.call('HEXISTS', bal, 'seeded') == 0 then
  redis.call('HSET', bal, 'seeded', 1, 'period_start', ARGV[2], 'spent', ARGV[3])
  if tonumber(ARGV[4]) >= 0 then
    redis.call('HSET', bal, 'credits', ARGV[4])
  else
    redis.call('HDEL', bal, 'credits')
  end
  return 0
end
redis.call('HINCRBY', bal, 'credits', ARGV[1])
return 1
)lua";

} // namespace sy::store::redis
