-- put: KEYS challenge, owner; ARGV mac sealed user service uid created
-- attempts ttl id.
redis.call('HSET', KEYS[1], 'mac', ARGV[1], 'sealed', ARGV[2],
  'user', ARGV[3], 'service', ARGV[4], 'uid', ARGV[5],
  'created', ARGV[6], 'attempts', ARGV[7], 'owner', KEYS[2])
redis.call('PEXPIRE', KEYS[1], ARGV[8])
redis.call('SET', KEYS[2], ARGV[9], 'PX', ARGV[8])
return 1
