-- KEYS lock, backoff, bucket...; ARGV count, window per bucket. Returns
-- {0} go, {1, ms} locked, {2, ms, i} limited by bucket i (0: backoff).
local tm = redis.call('TIME')
local now = tonumber(tm[1]) * 1000 + math.floor(tonumber(tm[2]) / 1000)
local l = redis.call('PTTL', KEYS[1])
if l > 0 then return {1, l, 0} end
local worst, why = 0, 0
local nx = redis.call('HGET', KEYS[2], 'next')
if nx and tonumber(nx) > now then worst = tonumber(nx) - now end
local lv = {}
for i = 3, #KEYS do
  local c, w = tonumber(ARGV[2*i-5]), tonumber(ARGV[2*i-4])
  local full = c * w
  local h = redis.call('HMGET', KEYS[i], 'lv', 't')
  local v = full
  if h[1] and h[2] then
    v = tonumber(h[1])
    local dt = now - tonumber(h[2])
    if dt >= w then v = full elseif dt > 0 then v = v + dt * c end
    if v > full then v = full end
  end
  lv[i] = v
  if v < w then
    local wait = math.floor((w - v + c - 1) / c)
    if wait > worst then worst = wait why = i - 2 end
  end
end
if worst > 0 then return {2, worst, why} end
for i = 3, #KEYS do
  local w = tonumber(ARGV[2*i-4])
  redis.call('HSET', KEYS[i], 'lv', lv[i] - w, 't', now)
  redis.call('PEXPIRE', KEYS[i], w)
end
return {0, 0, 0}
