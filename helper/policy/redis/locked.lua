-- KEYS locks. Returns {now, name, until, name, until...}.
local tm = redis.call('TIME')
local now = tonumber(tm[1]) * 1000 + math.floor(tonumber(tm[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local r = redis.call('ZRANGE', KEYS[1], 0, 999, 'WITHSCORES')
table.insert(r, 1, tostring(now))
return r
