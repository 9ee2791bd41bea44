-- KEYS pending; ARGV cap, ttl, id hash. Returns {1, ms until the first
-- expires} when cap codes are pending, else {0, 0} with this one added.
local tm = redis.call('TIME')
local now = tonumber(tm[1]) * 1000 + math.floor(tonumber(tm[2]) / 1000)
local c, t = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= c then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  local wait = tonumber(first[2]) - now
  if wait < 1 then wait = 1 end
  return {1, wait}
end
redis.call('ZADD', KEYS[1], now + t, ARGV[3])
if redis.call('PTTL', KEYS[1]) < t then redis.call('PEXPIRE', KEYS[1], t) end
return {0, 0}
