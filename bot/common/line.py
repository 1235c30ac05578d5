"""The line of requests waiting for the engine, served round-robin across chats, then users.

One busy group must not starve a private chat, and one eager member must not starve the rest of
the group: each turn goes to the next chat in rotation, and within that chat to the next user
in rotation. A user's own requests keep the order they were sent (across chats too), so a later
`/random` never overtakes an earlier `/mix`: only the oldest waiting request of a user may start.

The line sits behind the `Line` protocol (plain data in, plain data out) so that it could later
live in Redis and be shared by several bot processes; only the in-memory version exists now.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass
class Entry:
    """One waiting request. `ready` is False while the request is still being put together
    (a Telegram album whose photos are arriving): it holds its user's place but can't start."""

    id: int
    user_id: int
    chat_id: int
    ready: bool = True


class Line(Protocol):
    def push(self, entry: Entry) -> None: ...

    def push_within(self, entry: Entry, per_user: int, per_chat: int, total: int) -> str | None:
        """Push unless the entry's user, its chat or the whole line already has that many waiting:
        then push nothing and name the full one ("user", "chat", "total"). One step, so that a
        line shared by several processes checks and pushes at once (and in one round trip)."""
        ...

    def remove(self, entry_id: int) -> Entry | None: ...

    def get(self, entry_id: int) -> Entry | None: ...

    def pop_next(self, can_start: Callable[[Entry], bool]) -> Entry | None:
        """Take the next entry in fair order that `can_start` accepts (only users' oldest entries are offered)."""
        ...

    def place(self, entry_id: int) -> int:
        """1 for the next to start, 2 after it...; 0 when not waiting. An estimate: readiness and rates aside."""
        ...

    def waiting(self, *, user_id: int | None = None, chat_id: int | None = None) -> int: ...


class RoundRobinLine:
    """In-memory `Line`: the chat served least recently goes first, then, within it, the user
    served least recently; FIFO per user.

    "Least recently" is remembered across the moments a chat's queue runs empty: otherwise a
    group whose request was just served would be first again as soon as its next one arrived.
    """

    MEMORY = 10_000  # chats/users whose last turn is remembered (the oldest are forgotten)

    def __init__(self) -> None:
        self._chats: dict[int, dict[int, deque[Entry]]] = {}  # chat -> user -> entries, oldest first
        self._users: dict[int, deque[Entry]] = {}  # user -> all their entries, oldest first
        self._entries: dict[int, Entry] = {}
        self._turn = 0
        self._chat_turn: OrderedDict[int, int] = OrderedDict()  # chat -> the turn it was last served
        self._user_turn: OrderedDict[tuple[int, int], int] = OrderedDict()  # (chat, user) -> last turn

    def push(self, entry: Entry) -> None:
        self._entries[entry.id] = entry
        self._chats.setdefault(entry.chat_id, {}).setdefault(entry.user_id, deque()).append(entry)
        self._users.setdefault(entry.user_id, deque()).append(entry)

    def push_within(self, entry: Entry, per_user: int, per_chat: int, total: int) -> str | None:
        full = bound_reached(self, entry, per_user, per_chat, total)
        if full is None:
            self.push(entry)
        return full

    def get(self, entry_id: int) -> Entry | None:
        return self._entries.get(entry_id)

    def remove(self, entry_id: int) -> Entry | None:
        entry = self._entries.pop(entry_id, None)
        if entry is None:
            return None
        users = self._chats[entry.chat_id]
        _drop(users, entry.user_id, entry)
        if not users:
            del self._chats[entry.chat_id]
        _drop(self._users, entry.user_id, entry)
        return entry

    def _rotation(self) -> list[tuple[int, list[int]]]:
        """Chats in turn order, each with its users in turn order (never served: by arrival)."""
        chats = sorted(self._chats, key=lambda c: self._chat_turn.get(c, -1))  # stable: arrival breaks ties
        return [(c, sorted(self._chats[c], key=lambda u, c=c: self._user_turn.get((c, u), -1))) for c in chats]

    def pop_next(self, can_start: Callable[[Entry], bool]) -> Entry | None:
        for chat_id, users in self._rotation():
            for user_id in users:
                head = self._chats[chat_id][user_id][0]
                if self._users[user_id][0] is head and can_start(head):
                    self.remove(head.id)
                    self._served(chat_id, user_id)
                    return head
        return None

    def _served(self, chat_id: int, user_id: int) -> None:
        self._turn += 1
        for memory, key in ((self._chat_turn, chat_id), (self._user_turn, (chat_id, user_id))):
            memory[key] = self._turn
            memory.move_to_end(key)
            while len(memory) > self.MEMORY:
                memory.popitem(last=False)

    def place(self, entry_id: int) -> int:
        if entry_id not in self._entries:
            return 0
        # Replay the rotation on a copy: the least recently served chat gives one request of its
        # least recently served user, and goes to the back.
        return place_in_rotation([(chat, [(u, [e.id for e in self._chats[chat][u]]) for u in users])
                                  for chat, users in self._rotation()], entry_id)

    def waiting(self, *, user_id: int | None = None, chat_id: int | None = None) -> int:
        if user_id is not None and chat_id is not None:
            return len(self._chats.get(chat_id, {}).get(user_id, ()))
        if user_id is not None:
            return len(self._users.get(user_id, ()))
        if chat_id is not None:
            return sum(len(q) for q in self._chats.get(chat_id, {}).values())
        return len(self._entries)


def bound_reached(line: RoundRobinLine, entry: Entry, per_user: int, per_chat: int, total: int) -> str | None:
    if line.waiting(user_id=entry.user_id) >= per_user:
        return "user"
    if line.waiting(chat_id=entry.chat_id) >= per_chat:
        return "chat"
    if line.waiting() >= total:
        return "total"
    return None


def _drop(queues: dict[int, deque[Entry]], key: int, entry: Entry) -> None:
    queue = queues[key]
    queue.remove(entry)
    if not queue:
        del queues[key]


def place_in_rotation(chats: list, wanted: object) -> int:
    """Where `wanted` comes in line (1 = next), 0 if it is not there: the turns replayed on copies.
    `chats`: [(chat, [(user, [item, ...]), ...]), ...] in the order their turns come, each user's
    items oldest first. Each turn, the chat at the front gives its front user's oldest item, and
    both go to the back. The in-memory line and the Redis line (on its snapshot) share this."""
    rotation = deque((chat, deque((user, deque(items)) for user, items in users)) for chat, users in chats)
    n = 0
    while rotation:
        chat, users = rotation.popleft()
        user, queue = users.popleft()
        n += 1
        if queue.popleft() == wanted:
            return n
        if queue:
            users.append((user, queue))
        if users:
            rotation.append((chat, users))
    return 0
