-- Whether queue entries are tallied (acknowledged), without reading them.
-- KEYS[1] queue stream. ARGV: 1 consumer group, then entry ids.
-- An entry is tallied once the group has read past it and it is no longer
-- pending. Returns 1 when all are, else 0.
local function less(a, b) -- stream ids "ms-seq"
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am < bm or am == bm and as < bs
end
local last
for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local info = {}
  for i = 1, #g, 2 do info[g[i]] = g[i + 1] end
  if info.name == ARGV[1] then last = info['last-delivered-id'] end
end
if not last then return 0 end
for i = 2, #ARGV do
  if less(last, ARGV[i]) then return 0 end
  if #redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1) > 0 then return 0 end
end
return 1
