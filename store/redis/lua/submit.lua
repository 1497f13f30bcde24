-- Submit one batch of posts of one shard of an event.
-- KEYS: 1 posts hash, 2 queue stream, 3 counters.
-- ARGV: 1 queue cap (0: none), 2 the posts' JSON, one line each ("\n"
--   after every line), then key1, key2, ... ("platform:id", in the lines'
--   order). The JSON comes as one argument: a thousand arguments cost Redis
--   more than the copying they save.
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
local blob, n = ARGV[2], #ARGV - 2
-- One HMGET for the batch and one HSET for its new posts: a redis.call
-- per post costs more than the work it does.
local CHUNK = 1000
local new, ks, dup, seen = {}, {}, 0, {}
for s = 3, #ARGV, CHUNK do
  local e = math.min(s + CHUNK - 1, #ARGV)
  local probe = {'HMGET', KEYS[1]}
  for i = s, e do probe[i - s + 3] = ARGV[i] end
  local have = redis.call(unpack(probe))
  local mark, m = {'HSET', KEYS[1]}, 2
  for j = 1, #have do
    local k = ARGV[s + j - 1]
    if have[j] or seen[k] then
      dup = dup + 1
    else
      seen[k] = true
      new[s + j - 3] = true -- line number, 1-based
      ks[#ks + 1] = k
      mark[m + 1], mark[m + 2], m = k, 'q', m + 2
    end
  end
  if m > 2 then redis.call(unpack(mark)) end
end
local id = ''
if #ks > 0 then
  local body
  if #ks == n then
    body = string.sub(blob, 1, -2) -- all new: the lines as they came
  else
    local lines, pos = {}, 1
    for i = 1, n do
      local stop = string.find(blob, '\n', pos, true)
      if new[i] then lines[#lines + 1] = string.sub(blob, pos, stop - 1) end
      pos = stop + 1
    end
    body = table.concat(lines, '\n')
  end
  id = redis.call('XADD', KEYS[2], '*', 'n', #ks, 'k', table.concat(ks, '\n'), 'b', body)
  redis.call('HINCRBY', KEYS[3], 'q', #ks)
end
return {#ks, dup, id}
