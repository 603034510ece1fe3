"""Django's Redis cache backend, with one Redis client per connection pool instead of one per call.

Django's `RedisCacheClient.get_client()` builds a new `redis.Redis` object (and its table of some 170
response callbacks) for every cache call: a tenth of a millisecond of pure Python on each of a kept
page's reads. A `redis.Redis` object is safe to share between threads (every command takes a connection
from the pool), so each pool's client is made once and kept.
"""

from __future__ import annotations

from django.core.cache.backends import redis as django_redis


class _KeptClientCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _KeptClientCacheClient
