-- KEYS bucket...; ARGV count, window per bucket: one token back each,
-- never above full; a bucket gone (full) stays gone.
local tm = redis.call('TIME')
local now = tonumber(tm[1]) * 1000 + math.floor(tonumber(tm[2]) / 1000)
for i = 1, #KEYS do
  local c, w = tonumber(ARGV[2*i-1]), tonumber(ARGV[2*i])
  local full = c * w
  local h = redis.call('HMGET', KEYS[i], 'lv', 't')
  if h[1] and h[2] then
    local v = tonumber(h[1])
    local dt = now - tonumber(h[2])
    if dt >= w then v = full elseif dt > 0 then v = v + dt * c end
    v = v + w
    if v >= full then redis.call('DEL', KEYS[i]) else
      redis.call('HSET', KEYS[i], 'lv', v, 't', now)
      redis.call('PEXPIRE', KEYS[i], w) end
  end
end
return 1
