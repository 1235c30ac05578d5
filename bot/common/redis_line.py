"""The fair line and the token buckets in Redis, shared by every bot process (REDIS_URL, issue 24).

Behaviour is the in-memory line's (line.py: round-robin across chats, then users, FIFO per user,
"least recently served" remembered across empty moments); the state lives in Redis and every
change is one Lua script, so two bot processes never see half a change. Each process only starts
its own entries (it holds the waiting coroutine), but the order is the shared one: a chat served
by one process goes to the back of the rotation for all of them, and the per-user, per-chat and
total counts are global.

What Redis holds (prefix `km:line`): per entry a hash (user, chat, arrival seq); per chat and per
(chat, user) the arrival order and the turn last served; per user and per (chat, user) a list of
entry keys. An entry's key is `<owner>:<local id>`; `<owner>` is one process, alive while its
`alive:<owner>` key (refreshed every ALIVE_EVERY_S by a small thread) exists. A process that died
leaves entries nobody can start: every live process's thread sweeps them out at its next beat (its
journal has them, and its restart serves them again).

Redis away: the process keeps its own entries in a local in-memory line too (the shadow) and serves
them from there, fair among its own users, until Redis answers again; then it puts its waiting
entries back (resync) and the shared order resumes. A Redis restarted empty is noticed the same
way (the alive key is gone). The line's calls are synchronous (the `Line` protocol is): one call is
a Unix-socket or LAN round trip, well under a millisecond, and a Redis that does not answer is
given up on after SOCKET_TIMEOUT_S.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable

import redis

from bot.common.line import Entry, RoundRobinLine, bound_reached, place_in_rotation

log = logging.getLogger(__name__)

PREFIX = "km:line"
ALIVE_TTL_S = 15.0
ALIVE_EVERY_S = 3.0
SOCKET_TIMEOUT_S = 0.5
RETRY_EVERY_S = 0.5  # while Redis is away, how often a call tries it again
WAITS_KEY = "km:stats:wait_ms"  # every bot's recent times in line, for `kitten-mixer status`
STATS_KEEP = 500  # samples kept there

# The (chat, user) of the line entry the current task is serving: set when the task enters the line
# (`push`) and when it starts waiting for its turn (`get`, from Scheduler.wait_turn), read by the
# remote engine (remote_jobs.py), which queues the task's engine jobs for the workers under the same
# chat and user, so the workers take them in the line's order too (not in the order they were sent).
LINE_PLACE: contextvars.ContextVar[tuple[int, int] | None] = contextvars.ContextVar("km_line_place", default=None)

_LIB = r"""
local P = ARGV[1]
local function drop(key)
  local e = redis.call('HMGET', P..':e:'..key, 'user', 'chat')
  if not e[1] then return 0 end
  local user, chat = e[1], e[2]
  redis.call('DEL', P..':e:'..key)
  local q = P..':q:'..chat..':'..user
  redis.call('LREM', q, 1, key)
  if redis.call('LLEN', q) == 0 then redis.call('HDEL', P..':cu:'..chat, user) end
  redis.call('LREM', P..':uq:'..user, 1, key)
  if redis.call('HINCRBY', P..':cn', chat, -1) <= 0 then
    redis.call('HDEL', P..':cn', chat)
    redis.call('HDEL', P..':chats', chat)
  end
  redis.call('DECR', P..':n')
  return 1
end
local function turn_of(hash, field)
  local t = redis.call('HGET', hash, field)
  if t then return tonumber(t) end
  return -1
end
local function sorted(hash, turns, prefix)
  local flat = redis.call('HGETALL', hash)
  local items = {}
  for i = 1, #flat, 2 do
    items[#items + 1] = {flat[i], turn_of(turns, prefix..flat[i]), tonumber(flat[i + 1])}
  end
  table.sort(items, function(a, b) if a[2] ~= b[2] then return a[2] < b[2] end return a[3] < b[3] end)
  return items
end
-- Entries of processes whose alive key is gone (dead, or cut off for longer than its TTL) leave.
local function sweep()
  local alive, n = {}, 0
  for _, chat in ipairs(redis.call('HKEYS', P..':chats')) do
    for _, user in ipairs(redis.call('HKEYS', P..':cu:'..chat)) do
      for _, key in ipairs(redis.call('LRANGE', P..':q:'..chat..':'..user, 0, -1)) do
        local owner = string.match(key, '^(.*):[^:]*$')
        if alive[owner] == nil then alive[owner] = redis.call('EXISTS', P..':alive:'..owner) == 1 end
        if not alive[owner] then n = n + drop(key) end
      end
    end
  end
  return n
end
local function push_entry(key, user, chat)
  if redis.call('EXISTS', P..':e:'..key) == 1 then return 0 end
  local seq = redis.call('INCR', P..':seq')
  redis.call('HSET', P..':e:'..key, 'user', user, 'chat', chat, 'seq', seq)
  redis.call('HSETNX', P..':chats', chat, seq)
  redis.call('HSETNX', P..':cu:'..chat, user, seq)
  redis.call('RPUSH', P..':q:'..chat..':'..user, key)
  redis.call('RPUSH', P..':uq:'..user, key)
  redis.call('HINCRBY', P..':cn', chat, 1)
  redis.call('INCR', P..':n')
  return 1
end
-- `key` leaves the line and its chat and user are served: both go to the back of their rotations.
local function serve(key, user, chat, memory)
  drop(key)
  local turn = redis.call('INCR', P..':turn')
  redis.call('HSET', P..':ct', chat, turn)
  redis.call('HSET', P..':ut', chat..':'..user, turn)
  if turn % memory == 0 then  -- forget turns older than `memory` (the in-memory line keeps as many)
    for _, h in ipairs({P..':ct', P..':ut'}) do
      local flat = redis.call('HGETALL', h)
      for i = 1, #flat, 2 do
        if tonumber(flat[i + 1]) < turn - memory then redis.call('HDEL', h, flat[i]) end
      end
    end
  end
end
-- The first key in fair order that is its user's oldest (every entry can start: the job line's case).
local function next_in_turn()
  for _, c in ipairs(sorted(P..':chats', P..':ct', '')) do
    for _, u in ipairs(sorted(P..':cu:'..c[1], P..':ut', c[1]..':')) do
      local key = redis.call('LINDEX', P..':q:'..c[1]..':'..u[1], 0)
      if key and redis.call('LINDEX', P..':uq:'..u[1], 0) == key then return key, u[1], c[1] end
    end
  end
  return nil
end
"""
LUA_LIB = _LIB  # for the job line (remote_jobs.py): the same rotation, so jobs keep the line's order

_PUSH = _LIB + r"""
return push_entry(ARGV[2], ARGV[3], ARGV[4])
"""

# The bounds checked and the entry pushed at once: '' when pushed, else the scope that is full.
_PUSH_WITHIN = _LIB + r"""
local key, user, chat = ARGV[2], ARGV[3], ARGV[4]
if redis.call('LLEN', P..':uq:'..user) >= tonumber(ARGV[5]) then return 'user' end
if tonumber(redis.call('HGET', P..':cn', chat) or '0') >= tonumber(ARGV[6]) then return 'chat' end
if tonumber(redis.call('GET', P..':n') or '0') >= tonumber(ARGV[7]) then return 'total' end
push_entry(key, user, chat)
return ''
"""

_REMOVE = _LIB + r"""
return drop(ARGV[2])
"""

_REMOVE_OWNER = _LIB + r"""
local n = 0
for _, chat in ipairs(redis.call('HKEYS', P..':chats')) do
  for _, user in ipairs(redis.call('HKEYS', P..':cu:'..chat)) do
    for _, key in ipairs(redis.call('LRANGE', P..':q:'..chat..':'..user, 0, -1)) do
      if string.sub(key, 1, #ARGV[2] + 1) == ARGV[2]..':' then n = n + drop(key) end
    end
  end
end
return n
"""

# The key must still be its user's oldest entry; then it leaves, and its chat and user are served.
_TAKE = _LIB + r"""
local key, memory = ARGV[2], tonumber(ARGV[3])
local e = redis.call('HMGET', P..':e:'..key, 'user', 'chat')
if not e[1] then return 0 end
local user, chat = e[1], e[2]
if redis.call('LINDEX', P..':uq:'..user, 0) ~= key then return 0 end
serve(key, user, chat, memory)
return 1
"""

# The rotation: chats in turn order, each with its users in turn order and their entries, oldest
# first; a user's flag says whether their head is their oldest entry overall. Entries of processes
# that are no longer alive are dropped first.
_SNAPSHOT = _LIB + r"""
sweep()
local out = {}
for _, c in ipairs(sorted(P..':chats', P..':ct', '')) do
  local users = {}
  for _, u in ipairs(sorted(P..':cu:'..c[1], P..':ut', c[1]..':')) do
    local keys = redis.call('LRANGE', P..':q:'..c[1]..':'..u[1], 0, -1)
    local oldest = 0
    if redis.call('LINDEX', P..':uq:'..u[1], 0) == keys[1] then oldest = 1 end
    users[#users + 1] = {u[1], oldest, keys}
  end
  out[#out + 1] = {c[1], users}
end
return out
"""

# What `pop_next` needs, and no more: the heads of this owner's users that are their user's oldest
# entry overall, in fair order (the snapshot sent every entry of every process, on every turn).
_MINE = _LIB + r"""
local mine = ARGV[2]..':'
local out = {}
for _, c in ipairs(sorted(P..':chats', P..':ct', '')) do
  for _, u in ipairs(sorted(P..':cu:'..c[1], P..':ut', c[1]..':')) do
    local key = redis.call('LINDEX', P..':q:'..c[1]..':'..u[1], 0)
    if key and string.sub(key, 1, #mine) == mine and redis.call('LINDEX', P..':uq:'..u[1], 0) == key then
      out[#out + 1] = key
    end
  end
end
return out
"""

# `pop_next` in one step when the line also keeps the token buckets (the bot's case): the first of
# this owner's eligible keys, in fair order, that is its user's oldest entry and whose user has a
# token: the token is taken and the entry served. Else nil and the soonest a token comes ('-1': none
# waits on a token). The buckets are RedisTokenBuckets' own (the same hash, the same arithmetic).
_TAKE_NEXT = _LIB + r"""
local memory, n = tonumber(ARGV[3]), tonumber(ARGV[4])
local ok = {}
for i = 1, n do ok[ARGV[4 + i]] = true end
local tb, burst, refill, now = ARGV[5 + n], tonumber(ARGV[6 + n]), tonumber(ARGV[7 + n]), tonumber(ARGV[8 + n])
local soonest = -1
for _, c in ipairs(sorted(P..':chats', P..':ct', '')) do
  for _, u in ipairs(sorted(P..':cu:'..c[1], P..':ut', c[1]..':')) do
    local key = redis.call('LINDEX', P..':q:'..c[1]..':'..u[1], 0)
    if key and ok[key] and redis.call('LINDEX', P..':uq:'..u[1], 0) == key then
      local b = redis.call('HMGET', tb..u[1], 'tokens', 'at')
      local level = burst
      if b[1] and refill > 0 then level = math.min(burst, tonumber(b[1]) + (now - tonumber(b[2])) / refill) end
      if level >= 1 then
        redis.call('HSET', tb..u[1], 'tokens', tostring(level - 1), 'at', tostring(now))
        if refill > 0 then redis.call('PEXPIRE', tb..u[1], math.ceil(burst * refill * 1000) + 1000) end
        serve(key, u[1], c[1], memory)
        return {key, '0'}
      end
      local wait = (1 - level) * refill
      if soonest < 0 or wait < soonest then soonest = wait end
    end
  end
end
return {false, tostring(soonest)}
"""

_SWEEP = _LIB + r"""
return sweep()
"""

_COUNT = r"""
local P, user, chat = ARGV[1], ARGV[2], ARGV[3]
if user ~= '' and chat ~= '' then return redis.call('LLEN', P..':q:'..chat..':'..user) end
if user ~= '' then return redis.call('LLEN', P..':uq:'..user) end
if chat ~= '' then return tonumber(redis.call('HGET', P..':cn', chat) or '0') end
return tonumber(redis.call('GET', P..':n') or '0')
"""

Snapshot = list[tuple[int, list[tuple[int, bool, list[str]]]]]


def connect(url: str) -> redis.Redis:
    """A synchronous client that gives up quickly on a Redis that does not answer."""
    return redis.Redis.from_url(url, socket_timeout=SOCKET_TIMEOUT_S, socket_connect_timeout=SOCKET_TIMEOUT_S)


class SharedWaits(deque):
    """The scheduler's recent times in line (`Scheduler.recent_waits`), also sent to Redis, where
    `kitten-mixer status` reads every bot's. Sent in one pipeline per heartbeat of the line (or at
    `flush`), not a round trip per request: the figures are a courtesy, and the bot's event loop is
    the one that serves every chat."""

    def __init__(self, client: redis.Redis, maxlen: int = STATS_KEEP):
        super().__init__(maxlen=maxlen)
        self.r = client
        self._pending: list[float] = []
        self._lock = threading.Lock()  # appended on the event loop, sent from the heartbeat thread

    def append(self, waited_s: float) -> None:
        super().append(waited_s)
        with self._lock:
            self._pending.append(waited_s)
            del self._pending[:-STATS_KEEP]

    def flush(self) -> None:
        with self._lock:
            batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            pipe = self.r.pipeline(transaction=False)
            pipe.lpush(WAITS_KEY, *(round(x * 1000, 1) for x in batch))
            pipe.ltrim(WAITS_KEY, 0, STATS_KEEP - 1)
            pipe.execute()
        except redis.RedisError:
            pass  # Redis away: these figures are lost, nothing else


class RedisLine:
    """`Line` in Redis. `owner`: this process's name in the line (a random one by default)."""

    MEMORY = RoundRobinLine.MEMORY

    def __init__(self, client: redis.Redis, *, prefix: str = PREFIX, owner: str | None = None,
                 alive_ttl_s: float = ALIVE_TTL_S, alive_every_s: float = ALIVE_EVERY_S, heartbeat: bool = True):
        self.r, self.p = client, prefix
        self.waits = SharedWaits(client)  # the scheduler's `recent_waits` (scale.scheduler), sent every beat
        self.owner = owner or uuid.uuid4().hex[:12]
        self.alive_ttl_s, self.alive_every_s = alive_ttl_s, alive_every_s
        self._shadow = RoundRobinLine()  # this process's own entries, for when Redis is away
        self._scripts = {name: client.register_script(src) for name, src in
                         (("push", _PUSH), ("push_within", _PUSH_WITHIN), ("remove", _REMOVE),
                          ("remove_owner", _REMOVE_OWNER), ("take", _TAKE),
                          ("snapshot", _SNAPSHOT), ("mine", _MINE), ("take_next", _TAKE_NEXT), ("sweep", _SWEEP),
                          ("count", _COUNT))}
        self._online = True
        self._resync = False
        self._retry_at = 0.0
        self._tokens: RedisTokenBuckets | None = None  # buckets this line takes from as it pops (take_tokens_from)
        self._clock: Callable[[], float] = time.time
        self.token_wait_s: float | None = None  # after a pop that found none: the soonest a token comes
        self._stop = threading.Event()
        self._beat_once()
        self._thread: threading.Thread | None = None
        if heartbeat:
            self._thread = threading.Thread(target=self._beat, name="km-line-alive", daemon=True)
            self._thread.start()

    # ---- Redis, or the shadow while it is away ----------------------------------------------------
    def _key(self, entry_id: int) -> str:
        return f"{self.owner}:{entry_id}"

    def _call(self, name: str, *args: object) -> object:
        return self._scripts[name](args=[self.p, *args])

    def _redis(self, fn: Callable[[], object]) -> tuple[bool, object]:
        """Run `fn` against Redis if it is reachable (resyncing first after an absence)."""
        if not self._online and time.monotonic() < self._retry_at:
            return False, None
        try:
            if self._resync or not self._online:
                self._push_all()
            result = fn()
        except redis.RedisError as e:
            if self._online:
                log.warning("Redis is away (%s): serving this process's own line until it is back", type(e).__name__)
            self._online, self._retry_at = False, time.monotonic() + RETRY_EVERY_S
            return False, None
        if not self._online:
            log.info("Redis is back: the shared line resumes")
        self._online = True
        return True, result

    def _push_all(self) -> None:
        """Put this process's waiting entries back in Redis, in the shadow's order."""
        self._beat_once(raise_errors=True)
        self._call("remove_owner", self.owner)
        for entry in sorted(self._shadow._entries.values(), key=lambda e: e.id):
            self._call("push", self._key(entry.id), entry.user_id, entry.chat_id)
        self._resync = False

    def _beat_once(self, raise_errors: bool = False) -> None:
        try:
            # set with xx: a missing key means Redis lost it (restarted empty, or took us for dead)
            if not self.r.set(f"{self.p}:alive:{self.owner}", 1, ex=int(self.alive_ttl_s) or 1, xx=True):
                self.r.set(f"{self.p}:alive:{self.owner}", 1, ex=int(self.alive_ttl_s) or 1)
                if self._shadow._entries:
                    self._resync = True
        except redis.RedisError:
            self._resync = True
            if raise_errors:
                raise

    def _beat(self) -> None:
        while not self._stop.wait(self.alive_every_s):
            self._beat_once()
            self.sweep()
            self.waits.flush()

    def sweep(self) -> int:
        """Drop the entries of processes that are no longer alive (every beat, and in `place`): their
        journals have them, and their restarts serve them again. Until then such an entry only holds
        its user's later entries back, and counts in the bounds."""
        try:
            return int(self._call("sweep"))
        except redis.RedisError:
            return 0

    def close(self) -> None:
        """Leave the line: this process's entries go, and its heartbeat stops."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        self.waits.flush()
        try:
            self._call("remove_owner", self.owner)
            self.r.delete(f"{self.p}:alive:{self.owner}")
        except redis.RedisError:
            pass

    # ---- the Line protocol ----------------------------------------------------------------------
    def push(self, entry: Entry) -> None:
        LINE_PLACE.set((entry.chat_id, entry.user_id))
        self._shadow.push(entry)
        self._redis(lambda: self._call("push", self._key(entry.id), entry.user_id, entry.chat_id))

    def push_within(self, entry: Entry, per_user: int, per_chat: int, total: int) -> str | None:
        ok, full = self._redis(lambda: self._call("push_within", self._key(entry.id), entry.user_id, entry.chat_id,
                                                  per_user, per_chat, total))
        if not ok:  # Redis away: this process's own entries are all it can count
            full = bound_reached(self._shadow, entry, per_user, per_chat, total)
        elif isinstance(full, bytes):
            full = full.decode()
        if full:
            return full
        LINE_PLACE.set((entry.chat_id, entry.user_id))
        self._shadow.push(entry)
        return None

    def get(self, entry_id: int) -> Entry | None:
        entry = self._shadow.get(entry_id)
        if entry is not None:
            LINE_PLACE.set((entry.chat_id, entry.user_id))
        return entry

    def remove(self, entry_id: int) -> Entry | None:
        entry = self._shadow.remove(entry_id)
        if entry is not None:
            self._redis(lambda: self._call("remove", self._key(entry_id)))
        return entry

    def snapshot(self) -> Snapshot:
        raw = self._call("snapshot")
        return [(int(chat), [(int(user), bool(oldest), [k.decode() for k in keys]) for user, oldest, keys in users])
                for chat, users in raw]

    def take_tokens_from(self, rate: object, clock: Callable[[], float]) -> bool:
        """Take the user's token in the same script that picks the entry (the scheduler asks, with its
        rate and clock): one round trip per start instead of four (the heads, the bucket's wait, the
        take, the token), each of which blocked the bot's event loop. Only for buckets in this Redis."""
        if not isinstance(rate, RedisTokenBuckets) or rate.r is not self.r:
            return False
        self._tokens, self._clock = rate, clock
        return True

    def pop_next(self, can_start: Callable[[Entry], bool]) -> Entry | None:
        if not any(e.ready for e in self._shadow._entries.values()):
            return None  # none of ours is ready (a job that ends, a request still arriving): no round trip
        if self._tokens is not None:
            return self._take_next(can_start, self._tokens)
        ok, heads = self._redis(lambda: self._call("mine", self.owner))
        if not ok:
            return self._pop_local(can_start)
        skip = len(self.owner) + 1
        for key in heads:
            entry = self._shadow.get(int(key[skip:]))
            if entry is None or not can_start(entry):
                continue
            taken, won = self._redis(lambda k=key: self._call("take", k, self.MEMORY))
            if not taken:
                return self._pop_local(can_start)
            if won:
                self._shadow.remove(entry.id)
                return entry
        return None

    def _take_next(self, can_start: Callable[[Entry], bool], tokens: RedisTokenBuckets) -> Entry | None:
        """pop_next with the tokens taken in Redis: `can_start` is asked only what this process knows
        (ready, its user not running); the turn and the token are the script's."""
        self.token_wait_s = None
        eligible = [self._key(e.id) for e in self._shadow._entries.values() if can_start(e)]
        if not eligible:
            return None
        ok, got = self._redis(lambda: self._call("take_next", self.owner, self.MEMORY, len(eligible), *eligible,
                                                 f"{tokens.p}:tb:", tokens.burst, tokens.refill_s,
                                                 repr(self._clock())))
        if not ok:
            return self._pop_local(can_start)  # Redis away: no rate limit, as RedisTokenBuckets then
        key, wait = got
        if not key:
            wait_s = float(wait)
            self.token_wait_s = wait_s if wait_s > 0 else None
            return None
        key = key.decode() if isinstance(key, bytes) else str(key)
        return self._shadow.remove(int(key[len(self.owner) + 1:]))

    def _pop_local(self, can_start: Callable[[Entry], bool]) -> Entry | None:
        entry = self._shadow.pop_next(can_start)
        if entry is not None:
            self._resync = True  # Redis still has it: the resync takes it out
        return entry

    def place(self, entry_id: int) -> int:
        if self._shadow.get(entry_id) is None:
            return 0
        ok, snap = self._redis(self.snapshot)
        if not ok:
            return self._shadow.place(entry_id)
        key = self._key(entry_id)
        return place_in_rotation([(chat, [(u, keys) for u, _oldest, keys in users]) for chat, users in snap], key)

    def waiting(self, *, user_id: int | None = None, chat_id: int | None = None) -> int:
        ok, n = self._redis(lambda: self._call("count", "" if user_id is None else user_id,
                                               "" if chat_id is None else chat_id))
        return int(n) if ok else self._shadow.waiting(user_id=user_id, chat_id=chat_id)


_TAKE_TOKEN = r"""
local key, burst, refill, now, mode = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local b = redis.call('HMGET', key, 'tokens', 'at')
local level = burst
if b[1] and refill > 0 then level = math.min(burst, tonumber(b[1]) + (now - tonumber(b[2])) / refill) end
if mode == 'wait' then
  if level >= 1 then return '0' end
  return tostring((1 - level) * refill)
end
if mode == 'take' then
  if level < 1 then return '0' end
  redis.call('HSET', key, 'tokens', tostring(level - 1), 'at', tostring(now))
else  -- give back
  if not b[1] then return '0' end
  redis.call('HSET', key, 'tokens', tostring(math.min(burst, level + 1)), 'at', tostring(now))
end
if refill > 0 then redis.call('PEXPIRE', key, math.ceil(burst * refill * 1000) + 1000) end
return '1'
"""


class RedisTokenBuckets:
    """`RateState` in Redis: the same buckets as ratelimit.TokenBuckets, one hash per user that
    expires once it would be full again. `now` must come from a clock all processes share (the
    scheduler is given `time.time` in Redis mode). Redis away: no rate limit (nothing waits)."""

    def __init__(self, client: redis.Redis, burst: int, refill_s: float, *, prefix: str = PREFIX):
        self.r, self.p = client, prefix
        self.burst, self.refill_s = max(1, burst), max(0.0, refill_s)
        self._script = client.register_script(_TAKE_TOKEN)

    def _run(self, key: int, now: float, mode: str) -> str:
        try:
            out = self._script(keys=[f"{self.p}:tb:{key}"], args=[self.burst, self.refill_s, repr(now), mode])
        except redis.RedisError:
            return "0" if mode == "wait" else "1"
        return out.decode() if isinstance(out, bytes) else str(out)

    def wait_s(self, key: int, now: float) -> float:
        return float(self._run(key, now, "wait"))

    def take(self, key: int, now: float) -> bool:
        return self._run(key, now, "take") == "1"

    def give_back(self, key: int, now: float) -> None:
        self._run(key, now, "give")
