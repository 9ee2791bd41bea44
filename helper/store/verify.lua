-- verify: KEYS challenge; ARGV user uid mac id. Returns {verdict, left,
-- service, sealed}: 0 unknown/expired/not theirs, 1 ok (sealed: the seal,
-- for the daemon's own check), 2 wrong, 3 burned.
local h = redis.call('HMGET', KEYS[1], 'mac', 'user', 'uid',
  'attempts', 'service', 'owner', 'sealed')
if not h[1] then return {0, 0, '', ''} end
if h[2] ~= ARGV[1] or h[3] ~= ARGV[2] then return {0, 0, '', ''} end
local svc = h[5] or ''
local function gone()
  redis.call('DEL', KEYS[1])
  if h[6] and redis.call('GET', h[6]) == ARGV[4] then
    redis.call('DEL', h[6])
  end
end
if h[1] == ARGV[3] then gone() return {1, 0, svc, h[7] or ''} end
local left = tonumber(h[4]) - 1
if left < 1 then gone() return {3, 0, svc, ''} end
redis.call('HSET', KEYS[1], 'attempts', left)
return {2, left, svc, ''}
