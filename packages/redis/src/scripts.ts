import { createHash } from 'node:crypto';

/** A Lua script and its SHA-1, for EVALSHA with a fallback to EVAL on NOSCRIPT. @internal */
export interface Script {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * One breaker's sync, atomic: publish a local transition, add this instance's outcome
 * counts, claim or release half-open probe slots, expire dead holders' probe leases,
 * and read back the fleet's state, counters and probes.
 *
 * Every key is in KEYS and shares one hash tag (Redis Cluster). Everything the caller
 * sends is an ARGV value; no user input is ever part of the script text.
 *
 * KEYS: 1 state hash, 2 counters hash, 3 probes hash.
 * ARGV:
 *   1 now (ms, the breakers' clock)   2 bucketMs          3 buckets (window length in buckets)
 *   4 ttlMs (idle key expiry)         5 knownEp ('' unknown)
 *   6 publication: '' | 'open' | 'close' | 'reset'
 *   7 pubAt  8 pubUntil  9 pubOpenings  10 pubFromEp  11 newEp (fresh episode id)
 *   12 holder id  13 halfOpenMaxCalls  14 want (slots to claim)  15 release (slots to give back)
 *   16 probe calls  17 probe failures  18 probe slow (this holder's new probe outcomes)
 *   19 probeEp (episode those probes belong to)  20 leaseMs (holder lease)
 *   21 readCounters (0/1)  22 number of counter deltas k, then k quadruples: bucket, calls, failures, slow
 * Returns: absent, st, ep, at, un, op, probesKnown, pc, pf, ps, held, recorded, dead, denials
 *   (claims refused for want of slots, this period), then (if readCounters) calls, failures,
 *   slow per bucket from the oldest to the newest.
 */
export const SYNC_SCRIPT: Script = script(`
local now = tonumber(ARGV[1])
local bucketMs = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local knownEp = ARGV[5]
local pub = ARGV[6]
local pubAt = tonumber(ARGV[7])
local pubUntil = tonumber(ARGV[8])
local pubOp = tonumber(ARGV[9])
local fromEp = ARGV[10]
local newEp = ARGV[11]
local holder = ARGV[12]
local maxProbes = tonumber(ARGV[13])
local want = tonumber(ARGV[14])
local release = tonumber(ARGV[15])
local dc = tonumber(ARGV[16])
local df = tonumber(ARGV[17])
local ds = tonumber(ARGV[18])
local probeEp = ARGV[19]
local leaseMs = tonumber(ARGV[20])
local readCounters = ARGV[21] == '1'
local k = tonumber(ARGV[22])

local s = redis.call('HMGET', KEYS[1], 'st', 'ep', 'at', 'un', 'op')
local absent = 0
local st, ep, at, un, op = 0, '', 0, 0, 0
if s[2] then
  st = tonumber(s[1]) or 0
  ep = s[2]
  at = tonumber(s[3]) or 0
  un = tonumber(s[4]) or 0
  op = tonumber(s[5]) or 0
else
  absent = 1
end

local changed = false
if pub == 'open' then
  if st == 1 and un > pubAt then
    if pubUntil > un then un = pubUntil; changed = true end
    if pubOp > op then op = pubOp; changed = true end
  else
    local nextOp = pubOp
    if st == 1 and op + 1 > nextOp then nextOp = op + 1 end
    st = 1; ep = newEp; at = pubAt; un = pubUntil; op = nextOp; changed = true
    redis.call('DEL', KEYS[3])
  end
elseif pub == 'close' then
  if st == 1 and ep == fromEp and un <= pubAt then
    st = 0; ep = newEp; at = pubAt; un = 0; op = 0; changed = true
    redis.call('DEL', KEYS[2], KEYS[3])
  end
elseif pub == 'reset' then
  st = 0; ep = newEp; at = pubAt; un = 0; op = 0; changed = true
  redis.call('DEL', KEYS[2], KEYS[3])
end

local keep = ttl
if st == 1 and un > now then keep = ttl + (un - now) end
if changed then
  redis.call('HSET', KEYS[1], 'st', st, 'ep', ep, 'at', at, 'un', un, 'op', op)
  absent = 0
end
if absent == 0 then redis.call('PEXPIRE', KEYS[1], keep) end

local cur = math.floor(now / bucketMs)
local oldest = cur - n + 1
if k > 0 and st == 0 and (knownEp == ep or knownEp == '') then
  for i = 0, k - 1 do
    local base = 23 + i * 4
    local b = tonumber(ARGV[base])
    if b >= oldest and b <= cur + 1 then
      local c = tonumber(ARGV[base + 1])
      local f = tonumber(ARGV[base + 2])
      local sl = tonumber(ARGV[base + 3])
      if c > 0 then redis.call('HINCRBY', KEYS[2], 'c' .. b, c) end
      if f > 0 then redis.call('HINCRBY', KEYS[2], 'f' .. b, f) end
      if sl > 0 then redis.call('HINCRBY', KEYS[2], 's' .. b, sl) end
    end
  end
  redis.call('PEXPIRE', KEYS[2], keep)
  if redis.call('HLEN', KEYS[2]) > 3 * n + 12 then
    local fields = redis.call('HKEYS', KEYS[2])
    for _, field in ipairs(fields) do
      local b = tonumber(string.sub(field, 2))
      if b == nil or b < oldest then redis.call('HDEL', KEYS[2], field) end
    end
  end
end

local out = { absent, st, ep, at, un, op, 0, 0, 0, 0, 0, 0, 0, 0 }

if st == 1 and un <= now then
  local pep = redis.call('HGET', KEYS[3], 'ep')
  if pep ~= ep then
    redis.call('DEL', KEYS[3])
    redis.call('HSET', KEYS[3], 'ep', ep, 'cl', 0, 'c', 0, 'f', 0, 's', 0)
  end
  local t = redis.call('TIME')
  local tnow = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local all = redis.call('HGETALL', KEYS[3])
  for i = 1, #all, 2 do
    local field = all[i]
    if string.sub(field, 1, 2) == 'x:' and tonumber(all[i + 1]) <= tnow then
      local id = string.sub(field, 3)
      local h = tonumber(redis.call('HGET', KEYS[3], 'h:' .. id) or '0')
      local r = tonumber(redis.call('HGET', KEYS[3], 'r:' .. id) or '0')
      if h > r then
        redis.call('HINCRBY', KEYS[3], 'c', h - r)
        redis.call('HINCRBY', KEYS[3], 'f', h - r)
        redis.call('HSET', KEYS[3], 'r:' .. id, h)
      end
      redis.call('HDEL', KEYS[3], field)
      redis.call('HSET', KEYS[3], 'd:' .. id, 1)
    end
  end
  local dead = redis.call('HGET', KEYS[3], 'd:' .. holder) == '1'
  local h = tonumber(redis.call('HGET', KEYS[3], 'h:' .. holder) or '0')
  local r = tonumber(redis.call('HGET', KEYS[3], 'r:' .. holder) or '0')
  if probeEp == ep and not dead then
    if dc > 0 then
      redis.call('HINCRBY', KEYS[3], 'c', dc)
      r = r + dc
      redis.call('HSET', KEYS[3], 'r:' .. holder, r)
    end
    if df > 0 then redis.call('HINCRBY', KEYS[3], 'f', df) end
    if ds > 0 then redis.call('HINCRBY', KEYS[3], 's', ds) end
    if r > h then h = r end
    local cl = tonumber(redis.call('HGET', KEYS[3], 'cl') or '0')
    local rel = release
    if rel > h - r then rel = h - r end
    if rel > 0 then h = h - rel; cl = cl - rel end
    local grant = maxProbes - cl
    if grant > want then grant = want end
    if grant < 0 then grant = 0 end
    if grant < want then redis.call('HINCRBY', KEYS[3], 'dn', 1) end
    if grant > 0 then h = h + grant; cl = cl + grant end
    redis.call('HSET', KEYS[3], 'h:' .. holder, h, 'cl', cl)
    if h > r then
      redis.call('HSET', KEYS[3], 'x:' .. holder, tnow + leaseMs)
    else
      redis.call('HDEL', KEYS[3], 'x:' .. holder)
    end
  end
  redis.call('PEXPIRE', KEYS[3], keep)
  local p = redis.call('HMGET', KEYS[3], 'c', 'f', 's', 'dn')
  out[7] = 1
  out[8] = tonumber(p[1]) or 0
  out[9] = tonumber(p[2]) or 0
  out[10] = tonumber(p[3]) or 0
  out[11] = h
  out[12] = r
  if dead then out[13] = 1 end
  out[14] = tonumber(p[4]) or 0
end

if readCounters then
  local fields = {}
  for b = oldest, cur do
    fields[#fields + 1] = 'c' .. b
    fields[#fields + 1] = 'f' .. b
    fields[#fields + 1] = 's' .. b
  end
  local vals = redis.call('HMGET', KEYS[2], unpack(fields))
  for i = 1, #vals do out[#out + 1] = tonumber(vals[i]) or 0 end
end

return out
`);
