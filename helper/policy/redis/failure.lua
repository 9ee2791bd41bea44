-- KEYS failures, lock, locks[, guesses]; ARGV failures, window, duration,
-- sealed name[, token]: the guess goes back in the same step. Returns the
-- lock's ms, or 0.
local tm = redis.call('TIME')
local now = tonumber(tm[1]) * 1000 + math.floor(tonumber(tm[2]) / 1000)
if KEYS[4] then redis.call('ZREM', KEYS[4], ARGV[5]) end
local f, w, d = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('LPUSH', KEYS[1], now)
redis.call('LTRIM', KEYS[1], 0, f - 1)
redis.call('PEXPIRE', KEYS[1], w)
local n = 0
for _, t in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  if tonumber(t) > now - w then n = n + 1 end
end
if n < f then return 0 end
redis.call('DEL', KEYS[1])
local old = redis.call('GET', KEYS[2])
if old then redis.call('ZREM', KEYS[3], old) end
redis.call('SET', KEYS[2], ARGV[4], 'PX', d)
redis.call('ZADD', KEYS[3], now + d, ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
if redis.call('PTTL', KEYS[3]) < d then redis.call('PEXPIRE', KEYS[3], d) end
return d
