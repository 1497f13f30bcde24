-- Forget the consumers of a group that hold no pending entries and have
-- been idle longer than a limit: worker names change with their process,
-- and a group keeps every name it has seen. The check and the delete are one
-- step, so no consumer can take entries in between (deleting a consumer
-- drops its pending entries).
-- KEYS[1] stream. ARGV: 1 group, 2 idle limit in ms.
-- Returns how many consumers were deleted.
local n = 0
for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local info = {}
  for i = 1, #c, 2 do info[c[i]] = c[i + 1] end
  if info.pending == 0 and info.idle > tonumber(ARGV[2]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info.name)
    n = n + 1
  end
end
return n
