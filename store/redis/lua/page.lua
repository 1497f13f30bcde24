-- One page of an index, highest score first, after a cursor.
-- KEYS[1] index zset, KEYS[2] posts hash.
-- ARGV: 1 cursor score ('' for the first page), 2 cursor member, 3 count.
-- The zset orders (score, member); the page starts just after the cursor
-- pair in descending order, whether or not the cursor's member is still in
-- the index. Returns member, score, post JSON triples.
local idx, cs, cm, count = KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3])
local start = 0
if cs ~= '' then
  local sc = redis.call('ZSCORE', idx, cm)
  if sc and tonumber(sc) == tonumber(cs) then
    start = redis.call('ZREVRANK', idx, cm) + 1
  else
    -- everything scored above the cursor, then the tied members above it
    start = redis.call('ZCOUNT', idx, '(' .. cs, '+inf')
    local off = 0
    while true do
      local tied = redis.call('ZREVRANGEBYSCORE', idx, cs, cs, 'LIMIT', off, 500)
      local done = #tied < 500
      for _, m in ipairs(tied) do
        if m > cm then start = start + 1 else done = true; break end
      end
      if done then break end
      off = off + 500
    end
  end
end
local r = redis.call('ZREVRANGE', idx, start, start + count - 1, 'WITHSCORES')
if #r == 0 then return {} end
local ms = {}
for i = 1, #r, 2 do ms[#ms + 1] = r[i] end
local js = redis.call('HMGET', KEYS[2], unpack(ms))
local out = {}
for i = 1, #ms do
  out[#out + 1] = ms[i]
  out[#out + 1] = r[2 * i]
  out[#out + 1] = js[i]
end
return out
