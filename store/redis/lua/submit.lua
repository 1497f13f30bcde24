-- Submit one batch of posts of one shard of an event.
-- KEYS: 1 posts hash, 2 queue stream, 3 counters.
-- ARGV: 1 queue cap (0: none), then key1, json1, key2, json2, ...
--   ("platform:id", post JSON).
-- A post the posts hash knows (queued "q", tallied, dead "d"), or one
-- repeated in the batch, is a duplicate. The new ones are marked "q" and
-- queued together as ONE stream entry (n: how many, k: their keys, b: their
-- JSON, one per line), and the queued-posts counter q grows by their number.
-- Returns {accepted, duplicates, entry id ('' when none)}, or {-1, queued}
-- when the shard's queue is at its cap: then nothing is stored.
local cap = tonumber(ARGV[1])
if cap > 0 then
  local q = tonumber(redis.call('HGET', KEYS[3], 'q') or '0')
  if q >= cap then return {-1, q} end
end
-- One HMGET for the batch and one HSET for its new posts: a redis.call
-- per post costs more than the work it does.
local CHUNK = 1000
local ks, js, dup, seen = {}, {}, 0, {}
for s = 2, #ARGV, 2 * CHUNK do
  local e = math.min(s + 2 * CHUNK - 1, #ARGV)
  local probe = {'HMGET', KEYS[1]}
  for i = s, e, 2 do probe[#probe + 1] = ARGV[i] end
  local have = redis.call(unpack(probe))
  local mark = {'HSET', KEYS[1]}
  for j = 1, #have do
    local k = ARGV[s + 2 * (j - 1)]
    if have[j] or seen[k] then
      dup = dup + 1
    else
      seen[k] = true
      ks[#ks + 1] = k
      js[#js + 1] = ARGV[s + 2 * (j - 1) + 1]
      mark[#mark + 1] = k
      mark[#mark + 1] = 'q'
    end
  end
  if #mark > 2 then redis.call(unpack(mark)) end
end
local id = ''
if #ks > 0 then
  id = redis.call('XADD', KEYS[2], '*', 'n', #ks, 'k', table.concat(ks, '\n'), 'b', table.concat(js, '\n'))
  redis.call('HINCRBY', KEYS[3], 'q', #ks)
end
return {#ks, dup, id}
