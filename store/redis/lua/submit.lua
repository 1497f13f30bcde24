-- Submit one batch of posts of one shard of an event.
-- KEYS: 1 posts hash, 2 queue stream, 3 counters.
-- ARGV: 1 queue cap (0: none), then key1, json1, key2, json2, ...
--   ("platform:id", post JSON).
-- A post the posts hash knows (queued "q", tallied, dead "d"), or one
-- repeated in the batch, is a duplicate. The new ones are marked "q" and
-- queued together as ONE stream entry (n: how many, k: their keys, b: their
-- JSON, one per line), and the queued-posts counter q grows by their number.
-- Returns {accepted, duplicates}, or {-1, queued} when the shard's queue
-- is at its cap: then nothing is stored.
local cap = tonumber(ARGV[1])
if cap > 0 then
  local q = tonumber(redis.call('HGET', KEYS[3], 'q') or '0')
  if q >= cap then return {-1, q} end
end
local ks, js, dup = {}, {}, 0
for i = 2, #ARGV, 2 do
  if redis.call('HSETNX', KEYS[1], ARGV[i], 'q') == 1 then
    ks[#ks + 1] = ARGV[i]
    js[#js + 1] = ARGV[i + 1]
  else
    dup = dup + 1
  end
end
if #ks > 0 then
  redis.call('XADD', KEYS[2], '*', 'n', #ks, 'k', table.concat(ks, '\n'), 'b', table.concat(js, '\n'))
  redis.call('HINCRBY', KEYS[3], 'q', #ks)
end
return {#ks, dup}
