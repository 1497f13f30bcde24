-- Fold one batch of plain reposts of one event into reach.
-- KEYS[1] reposts hash ("platform:id" → original id), KEYS[2] counters.
-- ARGV: key1, original1, platform1, key2, ... A repost not in the hash (nor
-- earlier in the batch) is recorded and adds one to counters r and
-- rp|<platform>; a repeat is a duplicate. Returns {accepted, duplicates}.
local accepted, duplicates, byPlatform = 0, 0, {}
for i = 1, #ARGV, 3 do
  if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then
    accepted = accepted + 1
    byPlatform[ARGV[i + 2]] = (byPlatform[ARGV[i + 2]] or 0) + 1
  else
    duplicates = duplicates + 1
  end
end
if accepted > 0 then
  redis.call('HINCRBY', KEYS[2], 'r', accepted)
  for p, n in pairs(byPlatform) do redis.call('HINCRBY', KEYS[2], 'rp|' .. p, n) end
end
return {accepted, duplicates}
