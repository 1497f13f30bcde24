-- Submit one batch of posts of one event.
-- KEYS[1] posts hash, KEYS[2] queue stream.
-- ARGV: key1, json1, key2, json2, ... ("platform:id", post JSON).
-- A post already in the posts hash, or repeated in the batch, is a
-- duplicate; a new one is stored and queued. Returns {accepted, duplicates}.
local accepted, duplicates = 0, 0
for i = 1, #ARGV, 2 do
  if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then
    redis.call('XADD', KEYS[2], '*', 'p', ARGV[i + 1])
    accepted = accepted + 1
  else
    duplicates = duplicates + 1
  end
end
return {accepted, duplicates}
