-- Move one tallied post from its label to another, atomically.
-- KEYS: 1 posts, 2 counters, 3-5 minute/hour/day buckets,
--   6 created_at index of platform x old label, 7 of platform x new label.
-- ARGV: 1 key, 2 stored JSON as read, 3 new JSON, 4 platform, 5 old label,
--   6 new label, 7 minute, 8 hour, 9 day, 10 created ms.
-- Returns -1 when the post is not tallied, 0 when its JSON changed since it
-- was read (the caller reads again), 1 when done.
local key = ARGV[1]
local cur = redis.call('HGET', KEYS[1], key)
if not cur or cur == 'q' or cur == 'd' then return -1 end
if cur ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], key, ARGV[3])
local p, old, new = ARGV[4], ARGV[5], ARGV[6]
if old ~= new then
  redis.call('HINCRBY', KEYS[2], 'l|' .. old, -1)
  redis.call('HINCRBY', KEYS[2], 'l|' .. new, 1)
  redis.call('HINCRBY', KEYS[2], 'pl|' .. p .. '|' .. old, -1)
  redis.call('HINCRBY', KEYS[2], 'pl|' .. p .. '|' .. new, 1)
  for b = 1, 3 do
    redis.call('HINCRBY', KEYS[2 + b], ARGV[6 + b] .. '|' .. p .. '|' .. old, -1)
    redis.call('HINCRBY', KEYS[2 + b], ARGV[6 + b] .. '|' .. p .. '|' .. new, 1)
  end
  redis.call('ZREM', KEYS[6], key)
  redis.call('ZADD', KEYS[7], ARGV[10], key)
end
return 1
