-- KEYS backoff; ARGV after, base ms, max ms, jitter 0..999, ttl. The count
-- outlives the wait by ttl (a backoff_max of a day plus jitter is longer
-- than a day).
local tm = redis.call('TIME')
local now = tonumber(tm[1]) * 1000 + math.floor(tonumber(tm[2]) / 1000)
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
local after = tonumber(ARGV[1])
local d = 0
if n >= after then
  local shift = n - after
  local mx = tonumber(ARGV[3])
  d = mx
  if shift < 20 then d = tonumber(ARGV[2]) * 2 ^ shift end
  if d > mx then d = mx end
  d = d + math.floor(d * tonumber(ARGV[4]) / 10000)
  redis.call('HSET', KEYS[1], 'next', now + d)
end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[5]) + d)
return d
