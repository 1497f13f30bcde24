-- Send dead letters back to the queue (each as an entry of its own) or
-- drop them.
-- KEYS: 1 posts, 2 queue, 3 counters, 4 dead-letter stream.
-- ARGV: 1 "retry" or "drop", then dead-letter entry ids.
-- retry: a post still marked "d" becomes "q" again and is queued. drop: a
-- post still marked "d" is forgotten (the same post sent again is new).
-- Either way the dead letter is deleted. Returns how many were handled.
local n = 0
for i = 2, #ARGV do
  local e = redis.call('XRANGE', KEYS[4], ARGV[i], ARGV[i])[1]
  if e then
    local f = {}
    for j = 1, #e[2], 2 do f[e[2][j]] = e[2][j + 1] end
    local k = f.k or ''
    if k ~= '' and redis.call('HGET', KEYS[1], k) == 'd' then
      if ARGV[1] == 'retry' then
        redis.call('HSET', KEYS[1], k, 'q')
        redis.call('XADD', KEYS[2], '*', 'n', 1, 'k', k, 'b', f.p)
        redis.call('HINCRBY', KEYS[3], 'q', 1)
      else
        redis.call('HDEL', KEYS[1], k)
      end
    end
    redis.call('XDEL', KEYS[4], ARGV[i])
    n = n + 1
  end
end
return n
