-- Tally one batch of scored posts of one event, atomically.
-- KEYS: 1 posts, 2 queue, 3 tallied, 4 counters, 5-7 minute/hour/day buckets,
--   8 created_at index, 9 top index, then P created_at per platform, P top per
--   platform, L created_at per label, P*L created_at per platform x label
--   (platform-major).
-- ARGV: 1 P, 2 L, 3 top N, 4 consumer group, then per item 13 fields:
--   key, created ms, platform index (1-based), label index (1-based),
--   platform, label, lang, engagement, minute, hour, day, post JSON, entry id.
-- Each post not in the tallied set (nor earlier in the batch) is stored with
-- its sentiment, counted and indexed; every entry id is acked and deleted.
-- Returns how many posts were newly tallied.
local P, L, topN, grp = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local F, first = 13, 5
local CHUNK = 1000

-- call runs cmd with the fixed head arguments and args, in chunks of CHUNK
-- (Lua's unpack has a limit); it returns the concatenated replies.
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
for i = first, #ARGV, F do
  keys[#keys + 1] = ARGV[i]
  if ARGV[i + 12] ~= '' then ids[#ids + 1] = ARGV[i + 12] end
end
if #keys == 0 then return 0 end
local member = call({'SMISMEMBER', KEYS[3]}, keys)

local fresh, hset = {}, {}
local zadd = {}      -- key index -> {score, member, ...}
local counts = {}    -- field -> delta
local buckets = {{}, {}, {}}
local seen = {}
local function bump(t, f) t[f] = (t[f] or 0) + 1 end
local function add(ki, score, m)
  local z = zadd[ki]
  if not z then z = {}; zadd[ki] = z end
  z[#z + 1] = score
  z[#z + 1] = m
end

local n = 0
for idx = 1, #keys do
  local i = first + (idx - 1) * F
  local key = ARGV[i]
  if member[idx] == 0 and not seen[key] then
    seen[key] = true
    n = n + 1
    local ms, pi, li = ARGV[i + 1], tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
    local p, l, lang, eng = ARGV[i + 4], ARGV[i + 5], ARGV[i + 6], ARGV[i + 7]
    fresh[#fresh + 1] = key
    hset[#hset + 1] = key
    hset[#hset + 1] = ARGV[i + 11]
    bump(counts, 'n')
    bump(counts, 'l|' .. l)
    bump(counts, 'p|' .. p)
    bump(counts, 'g|' .. lang)
    bump(counts, 'pl|' .. p .. '|' .. l)
    bump(counts, 'pg|' .. p .. '|' .. lang)
    local pl = '|' .. p .. '|' .. l
    bump(buckets[1], ARGV[i + 8] .. pl)
    bump(buckets[2], ARGV[i + 9] .. pl)
    bump(buckets[3], ARGV[i + 10] .. pl)
    add(8, ms, key)
    add(9, eng, key)
    add(9 + pi, ms, key)
    add(9 + P + pi, eng, key)
    add(9 + 2 * P + li, ms, key)
    add(9 + 2 * P + L + (pi - 1) * L + li, ms, key)
  end
end

if n > 0 then
  call({'SADD', KEYS[3]}, fresh)
  call({'HSET', KEYS[1]}, hset)
  for ki, z in pairs(zadd) do call({'ZADD', KEYS[ki]}, z) end
  for f, d in pairs(counts) do redis.call('HINCRBY', KEYS[4], f, d) end
  for b = 1, 3 do
    for f, d in pairs(buckets[b]) do redis.call('HINCRBY', KEYS[4 + b], f, d) end
  end
  for ki = 9, 9 + 2 * P do
    if zadd[ki] and (ki == 9 or ki > 9 + P) then
      redis.call('ZREMRANGEBYRANK', KEYS[ki], 0, -(topN + 1))
    end
  end
end
if #ids > 0 then
  call({'XACK', KEYS[2], grp}, ids)
  call({'XDEL', KEYS[2]}, ids)
end
return n
