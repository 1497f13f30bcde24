-- Move queue entries to the dead letters: each post of an entry that is
-- still queued ("q" in the posts hash) becomes "d" and gets a dead-letter
-- entry (k: key, p: post JSON, reason, at: unix ms); the queue entry is
-- acknowledged and deleted. A post tallied meanwhile is left alone.
-- KEYS: 1 posts, 2 queue, 3 counters, 4 dead-letter stream.
-- ARGV: 1 consumer group, 2 now (unix ms), then pairs of entry id, reason.
-- Returns how many posts were moved.
local n = 0
for i = 3, #ARGV, 2 do
  local id, reason = ARGV[i], ARGV[i + 1]
  local e = redis.call('XRANGE', KEYS[2], id, id)[1]
  if e then
    local f = {}
    for j = 1, #e[2], 2 do f[e[2][j]] = e[2][j + 1] end
    local ks, js = {}, {}
    for k in string.gmatch(f.k or '', '[^\n]+') do ks[#ks + 1] = k end
    for line in string.gmatch(f.b or f.p or '', '[^\n]+') do js[#js + 1] = line end
    for j = 1, math.max(#ks, #js) do
      local k, js_ = ks[j] or '', js[j] or ''
      local state = k ~= '' and redis.call('HGET', KEYS[1], k)
      if k == '' or state == 'q' or not state then
        if k ~= '' and state == 'q' then
          redis.call('HSET', KEYS[1], k, 'd')
          redis.call('HINCRBY', KEYS[3], 'q', -1)
        end
        redis.call('XADD', KEYS[4], '*', 'k', k, 'p', js_, 'reason', reason, 'at', ARGV[2])
        n = n + 1
      end
    end
  end
  redis.call('XACK', KEYS[2], ARGV[1], id)
  redis.call('XDEL', KEYS[2], id)
end
return n
