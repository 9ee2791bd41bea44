-- KEYS lock, failures, guesses; ARGV failures, window, hold, token.
-- Returns {1, ms} locked, {1, 1000} when the wrong codes in the window
-- plus the guesses in flight reach the failures (one of those may lock),
-- else {0, 0} with the token held until its hold ends.
local tm = redis.call('TIME')
local now = tonumber(tm[1]) * 1000 + math.floor(tonumber(tm[2]) / 1000)
local l = redis.call('PTTL', KEYS[1])
if l > 0 then return {1, l} end
local f, w, h = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local n = redis.call('ZCARD', KEYS[3])
for _, t in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
  if tonumber(t) > now - w then n = n + 1 end
end
if n >= f then return {1, 1000} end
redis.call('ZADD', KEYS[3], now + h, ARGV[4])
if redis.call('PTTL', KEYS[3]) < h then redis.call('PEXPIRE', KEYS[3], h) end
return {0, 0}
