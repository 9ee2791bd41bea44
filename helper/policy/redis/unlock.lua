-- KEYS lock, failures, backoff, locks. Returns 1 if locked or failures.
local had = redis.call('EXISTS', KEYS[1], KEYS[2])
local old = redis.call('GET', KEYS[1])
if old then redis.call('ZREM', KEYS[4], old) end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
if had > 0 then return 1 end return 0
