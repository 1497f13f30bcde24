-- Split queue entries that hold several posts into one entry per post, so
-- that a post no worker can tally (it crashes scoring, say) is delivered
-- on its own and, failing again and again, reaches the dead letters alone
-- instead of taking its batch with it.
-- KEYS[1] queue stream. ARGV: 1 consumer group, then entry ids.
-- An entry of one post is left as it is. Returns the ids split.
local n = {}
for i = 2, #ARGV do
  local e = redis.call('XRANGE', KEYS[1], ARGV[i], ARGV[i])[1]
  if e then
    local f = {}
    for j = 1, #e[2], 2 do f[e[2][j]] = e[2][j + 1] end
    if f.b and tonumber(f.n or '1') > 1 then
      local ks = {}
      for k in string.gmatch(f.k, '[^\n]+') do ks[#ks + 1] = k end
      local j = 0
      for line in string.gmatch(f.b, '[^\n]+') do
        j = j + 1
        redis.call('XADD', KEYS[1], '*', 'n', 1, 'k', ks[j] or '', 'b', line)
      end
      redis.call('XACK', KEYS[1], ARGV[1], ARGV[i])
      redis.call('XDEL', KEYS[1], ARGV[i])
      n[#n + 1] = ARGV[i]
    end
  end
end
return n
