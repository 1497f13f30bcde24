-- One page of one or more indexes merged, highest score first, after a
-- cursor.
-- KEYS[1] posts hash, KEYS[2..] index zsets (their members are distinct).
-- ARGV: 1 cursor score ('' for the first page), 2 cursor member, 3 count.
-- The order is (score, member) descending; the page starts just after the
-- cursor pair, whether or not the cursor's member is still in an index.
-- Returns member, score, post JSON triples.
local cs, cm, count = ARGV[1], ARGV[2], tonumber(ARGV[3])

-- after is the rank (descending) of the first member of idx after the cursor.
local function after(idx)
  if cs == '' then return 0 end
  local sc = redis.call('ZSCORE', idx, cm)
  if sc and tonumber(sc) == tonumber(cs) then
    return redis.call('ZREVRANK', idx, cm) + 1
  end
  -- The members tied with the cursor's score hold the descending ranks
  -- [lo, hi), by member descending: binary search for the first one below
  -- the cursor's member.
  local lo = redis.call('ZCOUNT', idx, '(' .. cs, '+inf')
  local hi = lo + redis.call('ZCOUNT', idx, cs, cs)
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if redis.call('ZREVRANGE', idx, mid, mid)[1] > cm then lo = mid + 1 else hi = mid end
  end
  return lo
end

local rows = {}
for k = 2, #KEYS do
  local start = after(KEYS[k])
  local r = redis.call('ZREVRANGE', KEYS[k], start, start + count - 1, 'WITHSCORES')
  for i = 1, #r, 2 do rows[#rows + 1] = {r[i], tonumber(r[i + 1]), r[i + 1]} end
end
if #KEYS > 2 then
  table.sort(rows, function(a, b)
    if a[2] ~= b[2] then return a[2] > b[2] end
    return a[1] > b[1]
  end)
end
if #rows == 0 then return {} end
local ms = {}
for i = 1, math.min(count, #rows) do ms[i] = rows[i][1] end
local js = redis.call('HMGET', KEYS[1], unpack(ms))
local out = {}
for i = 1, #ms do
  out[#out + 1] = ms[i]
  out[#out + 1] = rows[i][3]
  out[#out + 1] = js[i]
end
return out
