-- find: KEYS owner; ARGV the challenge keys' prefix, user hash, uid,
-- service. Returns nil; {id} when the record the pointer names is not the
-- owner's (tampering); or {id, mac, sealed, created, attempts, pttl, user,
-- uid, service}.
local id = redis.call('GET', KEYS[1])
if not id then return false end
local k = ARGV[1] .. id
local h = redis.call('HMGET', k, 'mac', 'sealed', 'created',
  'attempts', 'user', 'uid', 'service', 'owner')
if not h[1] then return false end
if h[5] ~= ARGV[2] or h[6] ~= ARGV[3] or h[7] ~= ARGV[4] or
  h[8] ~= KEYS[1] then return {id} end
local ttl = redis.call('PTTL', k)
local a = tonumber(h[4])
if ttl <= 0 or not a or a < 1 then return false end
return {id, h[1], h[2], h[3], h[4], ttl, h[5], h[6], h[7]}
