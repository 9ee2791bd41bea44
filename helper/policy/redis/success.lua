-- KEYS failures, backoff[, guesses]: forgiven; ARGV[1] the guess token
-- given back.
if KEYS[3] then redis.call('ZREM', KEYS[3], ARGV[1]) end
redis.call('DEL', KEYS[1], KEYS[2]) return 1
