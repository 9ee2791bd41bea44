/* The Lua scripts of policy_redis.c, one per step; included there only.
 * Each runs atomically in Redis, so hosts racing on one user see one
 * another's effects. Numbers are ms and tokens in 1/window units (Lua's
 * doubles hold them exactly: at most 10^6 * 86,400,000 < 2^53). */
#ifndef OTPSMS_POLICY_REDIS_LUA_H
#define OTPSMS_POLICY_REDIS_LUA_H

/* The fleet's clock, in ms. */
#define LUA_NOW \
	"local tm = redis.call('TIME') " \
	"local now = tonumber(tm[1]) * 1000 + math.floor(tonumber(tm[2]) / 1000) "

/* KEYS lock, backoff, bucket...; ARGV count, window per bucket. Returns
 * {0} go, {1, ms} locked, {2, ms, i} limited by bucket i (0: backoff). */
static const char reserve_lua[] = LUA_NOW
	"local l = redis.call('PTTL', KEYS[1]) "
	"if l > 0 then return {1, l, 0} end "
	"local worst, why = 0, 0 "
	"local nx = redis.call('HGET', KEYS[2], 'next') "
	"if nx and tonumber(nx) > now then worst = tonumber(nx) - now end "
	"local lv = {} "
	"for i = 3, #KEYS do "
	"  local c, w = tonumber(ARGV[2*i-5]), tonumber(ARGV[2*i-4]) "
	"  local full = c * w "
	"  local h = redis.call('HMGET', KEYS[i], 'lv', 't') "
	"  local v = full "
	"  if h[1] and h[2] then "
	"    v = tonumber(h[1]) "
	"    local dt = now - tonumber(h[2]) "
	"    if dt >= w then v = full elseif dt > 0 then v = v + dt * c end "
	"    if v > full then v = full end "
	"  end "
	"  lv[i] = v "
	"  if v < w then "
	"    local wait = math.floor((w - v + c - 1) / c) "
	"    if wait > worst then worst = wait why = i - 2 end "
	"  end "
	"end "
	"if worst > 0 then return {2, worst, why} end "
	"for i = 3, #KEYS do "
	"  local w = tonumber(ARGV[2*i-4]) "
	"  redis.call('HSET', KEYS[i], 'lv', lv[i] - w, 't', now) "
	"  redis.call('PEXPIRE', KEYS[i], w) "
	"end "
	"return {0, 0, 0}";

/* KEYS bucket...; ARGV count, window per bucket: one token back each,
 * never above full; a bucket gone (full) stays gone. */
static const char refund_lua[] = LUA_NOW
	"for i = 1, #KEYS do "
	"  local c, w = tonumber(ARGV[2*i-1]), tonumber(ARGV[2*i]) "
	"  local full = c * w "
	"  local h = redis.call('HMGET', KEYS[i], 'lv', 't') "
	"  if h[1] and h[2] then "
	"    local v = tonumber(h[1]) "
	"    local dt = now - tonumber(h[2]) "
	"    if dt >= w then v = full elseif dt > 0 then v = v + dt * c end "
	"    v = v + w "
	"    if v >= full then redis.call('DEL', KEYS[i]) else "
	"      redis.call('HSET', KEYS[i], 'lv', v, 't', now) "
	"      redis.call('PEXPIRE', KEYS[i], w) end "
	"  end "
	"end "
	"return 1";

/* KEYS backoff; ARGV after, base ms, max ms, jitter 0..999, ttl. The count
 * outlives the wait by ttl (a backoff_max of a day plus jitter is longer
 * than a day). */
static const char delivered_lua[] = LUA_NOW
	"local n = redis.call('HINCRBY', KEYS[1], 'n', 1) "
	"local after = tonumber(ARGV[1]) "
	"local d = 0 "
	"if n >= after then "
	"  local shift = n - after "
	"  local mx = tonumber(ARGV[3]) "
	"  d = mx "
	"  if shift < 20 then d = tonumber(ARGV[2]) * 2 ^ shift end "
	"  if d > mx then d = mx end "
	"  d = d + math.floor(d * tonumber(ARGV[4]) / 10000) "
	"  redis.call('HSET', KEYS[1], 'next', now + d) "
	"end "
	"redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[5]) + d) "
	"return d";

/* KEYS lock, failures, guesses; ARGV failures, window, hold, token.
 * Returns {1, ms} locked, {1, 1000} when the wrong codes in the window
 * plus the guesses in flight reach the failures (one of those may lock),
 * else {0, 0} with the token held until its hold ends. */
static const char guess_lua[] = LUA_NOW
	"local l = redis.call('PTTL', KEYS[1]) "
	"if l > 0 then return {1, l} end "
	"local f, w, h = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]) "
	"redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now) "
	"local n = redis.call('ZCARD', KEYS[3]) "
	"for _, t in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do "
	"  if tonumber(t) > now - w then n = n + 1 end "
	"end "
	"if n >= f then return {1, 1000} end "
	"redis.call('ZADD', KEYS[3], now + h, ARGV[4]) "
	"if redis.call('PTTL', KEYS[3]) < h then redis.call('PEXPIRE', KEYS[3], h) end "
	"return {0, 0}";

/* KEYS pending; ARGV cap, ttl, id hash. Returns {1, ms until the first
 * expires} when cap codes are pending, else {0, 0} with this one added. */
static const char pending_lua[] = LUA_NOW
	"local c, t = tonumber(ARGV[1]), tonumber(ARGV[2]) "
	"redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now) "
	"if redis.call('ZCARD', KEYS[1]) >= c then "
	"  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES') "
	"  local wait = tonumber(first[2]) - now "
	"  if wait < 1 then wait = 1 end "
	"  return {1, wait} "
	"end "
	"redis.call('ZADD', KEYS[1], now + t, ARGV[3]) "
	"if redis.call('PTTL', KEYS[1]) < t then redis.call('PEXPIRE', KEYS[1], t) end "
	"return {0, 0}";

/* KEYS failures, lock, locks[, guesses]; ARGV failures, window, duration,
 * sealed name[, token]: the guess goes back in the same step. Returns the
 * lock's ms, or 0. */
static const char failure_lua[] = LUA_NOW
	"if KEYS[4] then redis.call('ZREM', KEYS[4], ARGV[5]) end "
	"local f, w, d = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]) "
	"redis.call('LPUSH', KEYS[1], now) "
	"redis.call('LTRIM', KEYS[1], 0, f - 1) "
	"redis.call('PEXPIRE', KEYS[1], w) "
	"local n = 0 "
	"for _, t in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do "
	"  if tonumber(t) > now - w then n = n + 1 end "
	"end "
	"if n < f then return 0 end "
	"redis.call('DEL', KEYS[1]) "
	"local old = redis.call('GET', KEYS[2]) "
	"if old then redis.call('ZREM', KEYS[3], old) end "
	"redis.call('SET', KEYS[2], ARGV[4], 'PX', d) "
	"redis.call('ZADD', KEYS[3], now + d, ARGV[4]) "
	"redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now) "
	"if redis.call('PTTL', KEYS[3]) < d then redis.call('PEXPIRE', KEYS[3], d) end "
	"return d";

/* KEYS failures, backoff[, guesses]: forgiven; ARGV[1] the guess token
 * given back. */
static const char success_lua[] =
	"if KEYS[3] then redis.call('ZREM', KEYS[3], ARGV[1]) end "
	"redis.call('DEL', KEYS[1], KEYS[2]) return 1";

/* KEYS lock, failures, backoff, locks. Returns 1 if locked or failures. */
static const char unlock_lua[] =
	"local had = redis.call('EXISTS', KEYS[1], KEYS[2]) "
	"local old = redis.call('GET', KEYS[1]) "
	"if old then redis.call('ZREM', KEYS[4], old) end "
	"redis.call('DEL', KEYS[1], KEYS[2], KEYS[3]) "
	"if had > 0 then return 1 end return 0";

/* KEYS locks. Returns {now, name, until, name, until...}. */
static const char locked_lua[] = LUA_NOW
	"redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now) "
	"local r = redis.call('ZRANGE', KEYS[1], 0, 999, 'WITHSCORES') "
	"table.insert(r, 1, tostring(now)) "
	"return r";

#endif
