-- Tally one batch of scored posts of one shard of an event, atomically.
-- KEYS: 1 posts, 2 queue, 3 counters, 4-6 minute/hour/day buckets, 7 top
--   index, 8 .. 7+P top per platform, then the created_at indexes per
--   platform x label.
-- ARGV: 1 top N, 2 consumer group, 3 P, 4 K (kinds), 5 A (queue entries
--   to acknowledge), 6 the posts' final JSON, one line each ("\n" after
--   every line, in the items' order: one argument costs Redis less than a
--   thousand), then the A entry ids, then K kinds of 8 fields: created_at
--   index and top-per-platform index (KEYS positions), the label,
--   platform, lang, platform x label and platform x lang counter fields,
--   and the bucket field suffix "|platform|label"; then the items, 4
--   fields each: key ("platform:id"), created ms, kind (1-based),
--   engagement.
-- A post is new when the posts hash holds nothing or "q" (queued) for it,
-- and it is not earlier in the batch: it is stored with its sentiment,
-- counted (the deltas add up in Lua tables: one HINCRBY per distinct field
-- for the batch) and indexed, and the queued counter q drops for each that
-- was "q". A tallied post (its JSON) or a dead letter ("d") is not counted
-- again. The A entries are acked and deleted. Returns how many posts were
-- newly tallied.
-- With an empty consumer group the batch comes straight from an importer
-- that scored it, not from the queue: a post is new when the posts hash
-- has nothing for it, as in submit.lua, and is counted at once.
local topN, grp, P, K, A = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local blob = ARGV[6]
local direct = grp == ''
local KF, IF = 8, 4
local kbase = 6 + A -- ARGV position before the first kind field
local first = kbase + 1 + K * KF
local CHUNK = 1000

-- call runs head .. args in chunks (unpack has a limit).
local function call(head, args)
  local out = {}
  for s = 1, #args, CHUNK do
    local a = {unpack(head)}
    for j = s, math.min(s + CHUNK - 1, #args) do a[#a + 1] = args[j] end
    local r = redis.call(unpack(a))
    if type(r) == 'table' then
      for _, v in ipairs(r) do out[#out + 1] = v end
    end
  end
  return out
end

local keys, ids = {}, {}
for i = first, #ARGV, IF do keys[#keys + 1] = ARGV[i] end
for i = 7, 6 + A do ids[#ids + 1] = ARGV[i] end
local state
if #keys > 0 then state = call({'HMGET', KEYS[1]}, keys) end

-- The top sets: a post below the lowest score of a full set stays out.
local floor = {}
local function topFloor(ki)
  if floor[ki] == nil then
    floor[ki] = false
    if redis.call('ZCARD', KEYS[ki]) >= topN then
      local low = redis.call('ZRANGE', KEYS[ki], 0, 0, 'WITHSCORES')
      floor[ki] = tonumber(low[2])
    end
  end
  return floor[ki]
end

local hset, zadd, perKind, minutes, seen = {}, {}, {}, {}, {}
local function add(ki, score, m)
  local z = zadd[ki]
  if not z then z = {}; zadd[ki] = z end
  z[#z + 1] = score
  z[#z + 1] = m
end

local n, dequeued, pos = 0, 0, 1
for idx = 1, #keys do
  local i = first + (idx - 1) * IF
  local key = ARGV[i]
  local stop = string.find(blob, '\n', pos, true)
  local line, at = stop, pos
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
    n = n + 1
    local c = tonumber(ARGV[i + 2])
    local cb = kbase + (c - 1) * KF
    local eng = tonumber(ARGV[i + 3])
    hset[#hset + 1] = key
    hset[#hset + 1] = string.sub(blob, at, line - 1)
    perKind[c] = (perKind[c] or 0) + 1
    local m = math.floor(tonumber(ARGV[i + 1]) / 60000) * 60
    local byKind = minutes[m]
    if not byKind then byKind = {}; minutes[m] = byKind end
    byKind[c] = (byKind[c] or 0) + 1
    add(tonumber(ARGV[cb + 1]), ARGV[i + 1], key)
    local low = topFloor(7)
    if not low or eng >= low then add(7, eng, key) end
    local tp = tonumber(ARGV[cb + 2])
    low = topFloor(tp)
    if not low or eng >= low then add(tp, eng, key) end
  end
end

if n > 0 then
  call({'HSET', KEYS[1]}, hset)
  for ki, z in pairs(zadd) do call({'ZADD', KEYS[ki]}, z) end
  local counts, buckets = {n = n}, {{}, {}, {}}
  if dequeued > 0 then counts.q = -dequeued end
  for c, k in pairs(perKind) do
    local cb = kbase + (c - 1) * KF
    for f = 3, 7 do
      local name = ARGV[cb + f]
      counts[name] = (counts[name] or 0) + k
    end
  end
  local function bump(t, f, k) t[f] = (t[f] or 0) + k end
  for m, byKind in pairs(minutes) do
    local h, d = m - m % 3600, m - m % 86400
    for c, k in pairs(byKind) do
      local suffix = ARGV[kbase + c * KF]
      bump(buckets[1], m .. suffix, k)
      bump(buckets[2], h .. suffix, k)
      bump(buckets[3], d .. suffix, k)
    end
  end
  for f, d in pairs(counts) do redis.call('HINCRBY', KEYS[3], f, d) end
  for b = 1, 3 do
    for f, d in pairs(buckets[b]) do redis.call('HINCRBY', KEYS[3 + b], f, d) end
  end
  for ki = 7, 7 + P do
    if zadd[ki] then redis.call('ZREMRANGEBYRANK', KEYS[ki], 0, -(topN + 1)) end
  end
end
if #ids > 0 then
  call({'XACK', KEYS[2], grp}, ids)
  call({'XDEL', KEYS[2]}, ids)
end
return n
