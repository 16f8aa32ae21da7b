"""Redis holds progress, debounce markers, rate-limit counters and the job queue: conveniences
that must never take a page down. Callers catch these errors and carry on with less."""

import kombu.exceptions
import redis.exceptions

# OSError covers a refused or reset socket that redis-py or kombu did not wrap.
REDIS_ERRORS: tuple[type[BaseException], ...] = (
    redis.exceptions.RedisError,
    kombu.exceptions.OperationalError,
    OSError,
)
