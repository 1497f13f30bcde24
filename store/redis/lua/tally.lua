-- Tally one batch of scored posts of one shard of an event, atomically.
-- KEYS: 1 posts, 2 queue, 3 counters, 4-6 minute/hour/day buckets, 7 top
--   index, 8 .. 7+P top per platform, then the created_at indexes per
--   platform x label, then V version counters.
-- ARGV: 1 top N, 2 consumer group, 3 P, 4 K (kinds), 5 A (queue entries
--   to acknowledge), 6 the posts' final JSON, one line each ("\n" after
--   every line, in the items' order: one argument costs Redis less than a
--   thousand), 7 V, then the A entry ids, then K kinds of 9 fields: created_at
--   index and top-per-platform index (KEYS positions), the label,
--   platform, lang, platform x label and platform x lang counter fields,
--   the bucket field suffix "|platform|label", and how many items are of
--   the kind; then the items, kind by kind (an argument per item costs
--   Redis more than the sorting costs Go), 3 fields each: key
--   ("platform:id"), created ms, engagement.
-- A post is new when the posts hash holds nothing or "q" (queued) for it,
-- and it is not earlier in the batch: it is stored with its sentiment,
-- counted (the deltas add up in Lua tables: one HINCRBY per distinct field
-- for the batch) and indexed, and the queued counter q drops for each that
-- was "q". A tallied post (its JSON) or a dead letter ("d") is not counted
-- again. The A entries are acked and deleted, and the V version counters
-- grow by one when anything was counted. Returns how many posts were newly
-- tallied.
-- With an empty consumer group the batch comes straight from an importer
-- that scored it, not from the queue: a post is new when the posts hash
-- has nothing for it, as in submit.lua, and is counted at once.
local topN, grp, P, K, A = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local blob, V = ARGV[6], tonumber(ARGV[7])
local direct = grp == ''
local KF, IF = 9, 3
local kbase = 7 + A -- ARGV position before the first kind field
local first = kbase + 1 + K * KF
-- Arguments of one redis.call at most: unpack's limit is 8000.
local CHUNK = 4000

-- run sends t (a command and its arguments, built up to CHUNK long by the
-- callers) and returns its reply.
local function run(t) return redis.call(unpack(t)) end

local ids = {}
for i = 8, 7 + A do ids[#ids + 1] = ARGV[i] end

-- The posts' state, in one HMGET per CHUNK posts.
local state, nk = {}, 0
do
  local probe, m = {'HMGET', KEYS[1]}, 2
  for i = first, #ARGV, IF do
    m = m + 1
    probe[m] = ARGV[i]
    if m == CHUNK or i + IF > #ARGV then
      for _, v in ipairs(run(probe)) do nk = nk + 1; state[nk] = v end
      probe, m = {'HMGET', KEYS[1]}, 2
    end
  end
end

-- The top sets: a post below the lowest score of a full set stays out.
local floor = {}
local function topFloor(ki)
  local f = floor[ki]
  if f == nil then
    f = false
    if redis.call('ZCARD', KEYS[ki]) >= topN then
      local low = redis.call('ZRANGE', KEYS[ki], 0, 0, 'WITHSCORES')
      f = tonumber(low[2])
    end
    floor[ki] = f
  end
  return f
end

-- Commands being built: the posts' HSET and a ZADD per index, each sent
-- when it reaches CHUNK arguments and at the end.
local hset, hn = {'HSET', KEYS[1]}, 2
local zadd, zn = {}, {}
local function add(ki, score, m)
  local z, c = zadd[ki], zn[ki]
  if not z then z, c = {'ZADD', KEYS[ki]}, 2; zadd[ki] = z end
  z[c + 1], z[c + 2] = score, m
  c = c + 2
  if c >= CHUNK - 1 then run(z); z, c = {'ZADD', KEYS[ki]}, 2; zadd[ki] = z end
  zn[ki] = c
end

local perKind, minutes, seen = {}, {}, {}
local n, dequeued, pos = 0, 0, 1
local find, sub, floor60 = string.find, string.sub, math.floor
local idx, i = 0, first
for c = 1, K do
  local cb = kbase + (c - 1) * KF
  local ti, tp = tonumber(ARGV[cb + 1]), tonumber(ARGV[cb + 2])
  local byMinute = {}
  minutes[c] = byMinute
  local counted = 0
  for _ = 1, tonumber(ARGV[cb + 9]) do
    idx = idx + 1
    local key = ARGV[i]
    local stop = find(blob, '\n', pos, true)
    local at = pos
    pos = stop + 1
    local st = state[idx]
    local new
    if direct then
      new = not st and not seen[key]
    else
      new = (not st or st == 'q') and not seen[key]
      if new and st == 'q' then dequeued = dequeued + 1 end
    end
    if new then
      seen[key] = true
      counted = counted + 1
      local ms, engs = ARGV[i + 1], ARGV[i + 2]
      local eng = tonumber(engs)
      hset[hn + 1], hset[hn + 2] = key, sub(blob, at, stop - 1)
      hn = hn + 2
      if hn >= CHUNK - 1 then run(hset); hset, hn = {'HSET', KEYS[1]}, 2 end
      local m = floor60(tonumber(ms) / 60000) * 60
      byMinute[m] = (byMinute[m] or 0) + 1
      add(ti, ms, key)
      local low = topFloor(7)
      if not low or eng >= low then add(7, engs, key) end
      low = topFloor(tp)
      if not low or eng >= low then add(tp, engs, key) end
    end
    i = i + IF
  end
  perKind[c] = counted
  n = n + counted
end

if n > 0 then
  if hn > 2 then run(hset) end
  for ki, z in pairs(zadd) do
    if zn[ki] > 2 then run(z) end
  end
  local counts, buckets = {n = n}, {{}, {}, {}}
  if dequeued > 0 then counts.q = -dequeued end
  local function bump(t, f, k) t[f] = (t[f] or 0) + k end
  local names = {} -- minute (a number) -> its three bucket fields' prefixes
  for c = 1, K do
    local cb, k = kbase + (c - 1) * KF, perKind[c]
    if k > 0 then
      for f = 3, 7 do bump(counts, ARGV[cb + f], k) end
    end
    local suffix = ARGV[cb + 8]
    for m, k in pairs(minutes[c]) do
      local nm = names[m]
      if not nm then
        local h, d = m - m % 3600, m - m % 86400
        nm = {tostring(m), tostring(h), tostring(d)}
        names[m] = nm
      end
      for b = 1, 3 do bump(buckets[b], nm[b] .. suffix, k) end
    end
  end
  for f, d in pairs(counts) do redis.call('HINCRBY', KEYS[3], f, d) end
  for b = 1, 3 do
    for f, d in pairs(buckets[b]) do redis.call('HINCRBY', KEYS[3 + b], f, d) end
  end
  for ki = 7, 7 + P do
    if zadd[ki] then redis.call('ZREMRANGEBYRANK', KEYS[ki], 0, -(topN + 1)) end
  end
  for v = #KEYS - V + 1, #KEYS do redis.call('INCR', KEYS[v]) end
end
if #ids > 0 then
  redis.call('XACK', KEYS[2], grp, unpack(ids))
  redis.call('XDEL', KEYS[2], unpack(ids))
end
return n
