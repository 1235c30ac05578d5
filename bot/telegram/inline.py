"""Telegram inline mode: `@bot 12 47` in any chat, the bot a member or not (issue 23).

What is offered comes from bot/common/inline.py (the same parsers as `/mix`). This file answers:

- **An inline query, at once.** Pictures that exist are answered by file id (cached photo / GIF
  results): the user's recent results, gallery cats, and any offer whose content key is in the
  file table (bot/common/storage/files.py). A new picture is offered as a *placeholder* (one
  stored "mixing…" card) carrying an inline keyboard, so Telegram reports the chosen result with
  its `inline_message_id`. Nothing is rendered or uploaded while answering.
- **A chosen placeholder.** It is journaled (platform `telegram_inline` in the request journal),
  takes its turn in the fair line (the scheduler every picture goes through, keyed per user as its
  own "chat"), is made by the engine, uploaded once to the storage chat
  (TELEGRAM_STORAGE_CHAT_ID), remembered by content key, and the sent message is edited in place
  by `inline_message_id` with the file id (an inline edit can't upload). A failure edits the
  placeholder's caption to say so. After a restart the open ones are finished (`resume`).
- **Result buttons on an inline message** (swap, boomerang, grid/GIF, more frames, random cat):
  handlers/results.py hands presses that carry an `inline_message_id` to `on_inline_result_button`,
  which makes the next mix and edits the same message (the bot may not be in that chat at all).

Without a storage chat nothing can be uploaded: inline mode logs that once and answers only with
pictures it already has (recent results the bot sent in chats, stored pictures).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import time
from functools import partial

from PIL import Image, ImageDraw
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultCachedGif,
    InlineQueryResultCachedPhoto,
    InputMediaAnimation,
    InputMediaPhoto,
    InputTextMessageContent,
    Message,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import Application, ChosenInlineResultHandler, ContextTypes, InlineQueryHandler

from bot.common.backoff import reason
from bot.common.commands import Made
from bot.common.inline import (
    MAX_RESULTS,
    Answer,
    Catalog,
    Offer,
    Recent,
    RecentPictures,
    find_offer,
    gallery_cat_key,
    mix_offer,
    plan_inline,
)
from bot.common.request_log import RequestLog
from bot.common.results import Owner, Refusal, next_state, random_cat
from bot.common.scheduler import LineFull
from bot.common.storage import StorageError
from bot.common.storage.files import SqliteFileIds, StoredPicture
from bot.common.storage.journal import CLOSED
from bot.common.texts import error_text, lang_for, t
from bot.telegram.handlers.results import result_markup
from bot.telegram.replies import fits
from bot.telegram.state import BotState, get_state
from vae_core.engine import Reply
from vae_core.errors import KittenError

log = logging.getLogger(__name__)

PLATFORM = "telegram"  # the file table's platform
JOURNAL = "telegram_inline"  # the request journal's platform for chosen inline results
INLINE_OWNER = "telegram-inline"  # the result cache's "chat" for results on inline messages
PLACEHOLDER_KEY = "placeholder:v1"
GALLERY_PAGE = 20  # gallery cats uploaded per warm-up round (only while someone browses)
_LINE_BASE = -(1 << 62)  # the fair line's "chat" for one user's inline requests: never a real chat id


def line_chat(user_id: int) -> int:
    return _LINE_BASE - user_id


def placeholder_png() -> bytes:
    """The "mixing…" card shown until the picture is ready (no words: it serves every language)."""
    img = Image.new("RGB", (256, 256), (250, 244, 236))
    d = ImageDraw.Draw(img)
    for cx in (92, 164):  # two cat heads, ears and eyes, about to be mixed
        d.ellipse((cx - 34, 96, cx + 34, 164), fill=(214, 170, 120) if cx < 128 else (120, 120, 130))
        d.polygon([(cx - 30, 110), (cx - 22, 76), (cx - 6, 100)], fill=(214, 170, 120) if cx < 128 else (120, 120, 130))
        d.polygon([(cx + 30, 110), (cx + 22, 76), (cx + 6, 100)], fill=(214, 170, 120) if cx < 128 else (120, 120, 130))
        for ex in (cx - 13, cx + 13):
            d.ellipse((ex - 5, 120, ex + 5, 130), fill=(40, 40, 40))
    for i, x in enumerate((104, 128, 152)):  # "…"
        d.ellipse((x - 6, 200 - 6, x + 6, 200 + 6), fill=(170, 150, 130) if i else (120, 100, 90))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


class InlineMode:
    """Inline mode's state for one bot process (BotState.inline)."""

    def __init__(self, state: BotState, bot_username: str = ""):
        self.state = state
        self.storage_chat = state.settings.telegram_storage_chat_id
        self.recent = RecentPictures()
        self.warm_every_s = 3.0  # between gallery uploads while warming (the storage chat's ~20 a minute)
        self._files = SqliteFileIds(state.storage.db) if state.storage is not None else None
        self._catalog: Catalog | None = None
        self._bot_username = bot_username
        self._said_missing = False
        self._storage_broken: str | None = None
        self._warming: asyncio.Task | None = None
        self._placeholder: asyncio.Task | None = None
        self._leftovers: list = []
        self._tasks: set[asyncio.Task] = set()

    def saw(self, user_id: int, sent: Message, caption: str) -> None:
        """A result the bot sent in a chat: offered again, by file id, on the user's empty query."""
        if sent.animation is not None:
            picture = Recent(sent.animation.file_id, "gif", caption.split("\n", 1)[0], caption)
        elif sent.photo:
            picture = Recent(sent.photo[-1].file_id, "photo", caption.split("\n", 1)[0], caption)
        else:
            return
        self.recent.add(user_id, picture)

    # ---- what is known -----------------------------------------------------------------------------
    def catalog(self, username: str) -> Catalog:
        if self._catalog is None:
            st = self.state
            self._catalog = Catalog(st.engine, st.catalog.gallery if st.catalog else None, self._owned, username)
        return self._catalog

    async def _owned(self, user_id: int):
        if self._files is None:
            return []
        try:
            return await self._files.owned_cats(PLATFORM, user_id)
        except StorageError:  # logged by the database; no names, the rest still works
            return []

    async def known(self, keys: list[str]) -> dict[str, StoredPicture]:
        if self._files is None or not keys:
            return {}
        try:
            return await self._files.get(PLATFORM, keys)
        except StorageError:
            return {}

    @property
    def can_upload(self) -> bool:
        return bool(self.storage_chat) and self._files is not None and self._storage_broken is None

    def say_what_is_missing(self) -> None:
        """Once: why inline mode offers no new pictures."""
        if self._said_missing:
            return
        self._said_missing = True
        if not self.storage_chat:
            log.warning("inline mode: TELEGRAM_STORAGE_CHAT_ID is not set, so nothing can be uploaded for inline "
                        "answers; offering only pictures the bot already has (set it to a private channel where "
                        "the bot is an admin)")
        elif self._files is None:
            log.warning("inline mode: no database, so uploaded pictures can't be remembered; offering none")
        elif self._storage_broken:
            log.warning("inline mode: the storage chat can't be used (%s); offering only pictures the bot "
                        "already has", self._storage_broken)

    # ---- uploads ---------------------------------------------------------------------------------------
    async def upload(self, bot, key: str, reply: Reply) -> StoredPicture:
        """Send `reply` to the storage chat once and remember its file id under `key`."""
        quiet = {"disable_notification": True}
        try:
            if reply.mime == "image/gif":
                sent = await bot.send_animation(self.storage_chat, reply.data, filename=reply.filename, **quiet)
                picture = StoredPicture(sent.animation.file_id, "gif")
            else:
                sent = await bot.send_photo(self.storage_chat, reply.data, filename=reply.filename, **quiet)
                picture = StoredPicture(sent.photo[-1].file_id, "photo")
        except TelegramError as e:
            if "chat not found" in str(e).lower() or "forbidden" in type(e).__name__.lower():
                self._storage_broken = reason(e)
                self._said_missing = False
                self.say_what_is_missing()
            raise
        if self._files is not None:
            with contextlib.suppress(StorageError):  # the picture is out; next time it is made again
                await self._files.put(PLATFORM, key, picture.file_id, picture.kind)
        return picture

    async def placeholder(self, bot) -> str | None:
        """The stored "mixing…" card's file id; uploaded once (in the background if it takes a while)."""
        found = (await self.known([PLACEHOLDER_KEY])).get(PLACEHOLDER_KEY)
        if found is not None:
            return found.file_id
        if not self.can_upload:
            return None
        if self._placeholder is None or self._placeholder.done():
            reply = Reply(placeholder_png(), "image/png", "kitten-mixing.png")
            self._placeholder = asyncio.ensure_future(self.upload(bot, PLACEHOLDER_KEY, reply))
        try:  # the first query waits a moment for it; Telegram gives an inline query about 10 s
            return (await asyncio.wait_for(asyncio.shield(self._placeholder), 2.0)).file_id
        except (TimeoutError, TelegramError, StorageError):
            return None

    def warm_gallery(self, bot, missing: list[int]) -> None:
        """Upload gallery cats not yet stored, a few at a time, while people browse; never blocks an answer."""
        if not missing or not self.can_upload or (self._warming is not None and not self._warming.done()):
            return
        self._warming = asyncio.ensure_future(self._warm(bot, missing[:GALLERY_PAGE]))

    async def _warm(self, bot, numbers: list[int]) -> None:
        catalog = self._catalog
        if catalog is None or catalog.gallery is None:
            return
        from bot.common.inline import cat_png

        for number in numbers:
            try:
                reply = await catalog.engine.run(cat_png, catalog.engine, catalog.gallery.latent(number))
                await self.upload(bot, gallery_cat_key(catalog, number), reply)
            except (TelegramError, KittenError, StorageError) as e:
                log.info("inline mode: gallery cat %d not uploaded (%s)", number, reason(e))
                return
            await asyncio.sleep(self.warm_every_s)

    # ---- the journal: chosen results survive a restart ----------------------------------------------
    async def load_unfinished(self) -> None:
        st = self.state
        if st.storage is None:
            return
        try:
            self._leftovers = await st.storage.journal.unfinished(JOURNAL)
        except StorageError:
            self._leftovers = []

    async def resume(self, app: Application) -> None:
        """Finish the chosen results a previous run journaled but never edited in."""
        entries, self._leftovers = self._leftovers, []
        if self.can_upload:  # the "mixing…" card stored before the first query needs it
            self.spawn(app, self.placeholder(app.bot))
        if entries:
            log.info("inline mode: finishing %d chosen result(s) from the journal", len(entries))
        now = time.time()
        for entry in entries:
            p = entry.payload
            if now - entry.accepted_at > self.state.settings.request_max_age_s:
                await self._edit_caption(app.bot, p["inline_message_id"],
                                         t("inline_expired", p["lang"], bot=app.bot.username))
                await self._finish_entry(entry.id, CLOSED)
                continue
            self.spawn(app, self.finish_chosen(app.bot, entry.user_id, p["lang"], p["query"], p["result_id"],
                                               p["inline_message_id"], entry_id=entry.id))

    def spawn(self, app: Application, coro) -> None:
        task = app.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _finish_entry(self, entry_id: int | None, state: str = "done") -> None:
        if entry_id is None or self.state.storage is None:
            return
        with contextlib.suppress(StorageError):  # at worst a restart edits the message again, with the same picture
            await self.state.storage.journal.finish([entry_id], state)

    # ---- a chosen placeholder -------------------------------------------------------------------------
    async def finish_chosen(self, bot, user_id: int, lang: str, query: str, result_id: str, inline_message_id: str,
                            entry_id: int | None = None) -> None:
        st = self.state
        if entry_id is None and st.storage is not None:
            payload = {"query": query, "result_id": result_id, "inline_message_id": inline_message_id, "lang": lang}
            try:
                entry_id = await st.storage.journal.accept(JOURNAL, inline_message_id, 0, user_id, payload)
            except StorageError:
                entry_id = None  # serve it unjournaled
            else:
                if entry_id is None:
                    log.info("inline mode: a chosen result was journaled before; not making it twice")
                    return
        journal = st.requests
        running = journal.inflight.running(entries=frozenset({entry_id} if entry_id else ())) \
            if journal is not None else _nothing()
        with running as work:
            try:
                done = await self._make_and_edit(bot, user_id, lang, query, result_id, inline_message_id)
            except asyncio.CancelledError:
                if getattr(work, "cancelled_by_stop", False):
                    return  # journaled: the restart finishes it
                raise
        if done:
            await self._finish_entry(entry_id)

    async def _make_and_edit(self, bot, user_id: int, lang: str, query: str, result_id: str,
                             inline_message_id: str) -> bool:
        """True when the message got its picture or its apology (the journal entry is done)."""
        catalog = self.catalog(bot.username)
        answer = await plan_inline(query, user_id, lang, catalog, chosen=result_id)
        offer = find_offer(answer, result_id)
        if offer is None:
            await self._edit_caption(bot, inline_message_id, t("inline_gone", lang, bot=bot.username))
            return True
        return await self.render_into(bot, user_id, lang, offer, inline_message_id)

    async def render_into(self, bot, user_id: int, lang: str, offer: Offer, inline_message_id: str) -> bool:
        """The offer's picture (stored, or made in the fair line and uploaded once) edited into the
        inline message, with its buttons; or a caption saying why not. True: nothing left to do."""
        record = RequestLog("telegram", "inline", offer.kind)
        picture = (await self.known([offer.key])).get(offer.key)
        state, caption = offer.state, offer.caption
        if picture is None:
            if not self.can_upload:
                self.say_what_is_missing()
                await self._edit_caption(bot, inline_message_id, t("inline_failed", lang, reason="no storage chat"))
                record.done("refused", "no_storage_chat")
                return True
            try:
                made = await self._in_line(bot, user_id, lang, offer, inline_message_id, record)
            except LineFull:
                await self._edit_caption(bot, inline_message_id, t("inline_busy", lang, bot=bot.username))
                record.done("refused", "line_full")
                return True
            except KittenError as err:
                await self._edit_caption(bot, inline_message_id, t("inline_failed", lang, reason=error_text(err, lang)))
                record.done("failed" if err.code in ("busy", "timeout") else "refused", err.code)
                return True
            reply, caption, state = made.reply, made.caption, made.state or state
            if not fits(reply):
                await self._edit_caption(bot, inline_message_id, t("inline_failed", lang,
                                                                   reason=t("reply_too_big", lang)))
                record.done("refused", "reply_too_big")
                return True
            try:
                with record.stage("upload"):
                    picture = await self.upload(bot, offer.key, reply)
            except TelegramError as e:
                log.warning("inline mode: upload to the storage chat failed (%s); kept for a restart", reason(e))
                record.done("failed", type(e).__name__)
                return False
        markup = self.markup_for(offer, state, lang)
        media_cls = InputMediaAnimation if picture.kind == "gif" else InputMediaPhoto
        try:
            with record.stage("edit"):
                await bot.edit_message_media(media=media_cls(media=picture.file_id, caption=caption),
                                             inline_message_id=inline_message_id, reply_markup=markup)
        except TelegramError as e:
            if "not modified" in str(e).lower():
                record.done("ok")
                return True
            log.warning("inline mode: could not edit the inline message (%s)", reason(e))
            record.done("failed", type(e).__name__)
            return "message to edit not found" in str(e).lower() or "message_id_invalid" in str(e).lower()
        self.recent.add(user_id, Recent(picture.file_id, picture.kind, offer.title, caption))
        record.done("ok")
        return True

    async def _in_line(self, bot, user_id: int, lang: str, offer: Offer, inline_message_id: str,
                       record: RequestLog) -> Made:
        """Make the picture in its turn in the fair line (each user's inline requests one chat)."""
        scheduler = self.state.scheduler
        ticket = scheduler.enter(user_id, line_chat(user_id))
        charged = False

        async def show_place(place: int) -> None:
            await self._edit_caption(bot, inline_message_id, t("inline_in_line", lang, names=offer.names, place=place))

        try:
            with record.stage("wait"):
                await scheduler.wait_turn(ticket, show_place, self.state.settings.queue_notice_s)
            with record.stage("engine"):
                made = await offer.make(self.state.engine)
            record.engine(made.reply.timings)
            charged = True
            return made
        finally:
            scheduler.finish(ticket, charged=charged)

    def markup_for(self, offer: Offer, state, lang: str) -> InlineKeyboardMarkup:
        """A mix: its result buttons (kept under a fresh key for inline presses); else "again"."""
        if state is not None and self.state.results is not None:
            key = self.state.results.reserve()
            self.state.results.put(key, state, Owner(INLINE_OWNER))
            return result_markup(key, state, lang)
        label = "inline_again_random" if offer.again == "random" else \
            "inline_again_kittens" if offer.again else "inline_more"
        return InlineKeyboardMarkup([[InlineKeyboardButton(t(label, lang),
                                                           switch_inline_query_current_chat=offer.again or "")]])

    async def _edit_caption(self, bot, inline_message_id: str, text: str) -> None:
        try:
            await bot.edit_message_caption(inline_message_id=inline_message_id, caption=text)
        except TelegramError as e:
            log.info("inline mode: could not change the caption (%s)", reason(e))


class _nothing:  # a stand-in for the journal's work tracking when there is no journal
    cancelled_by_stop = False

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None


def inline_mode(context) -> InlineMode:
    mode = get_state(context).inline
    assert mode is not None, "build_application makes inline mode"
    return mode


# ---- handlers ------------------------------------------------------------------------------------------

async def on_inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    q = update.inline_query
    mode, user = inline_mode(context), q.from_user
    lang = lang_for(user.language_code)
    bot = context.bot
    offset = int(q.offset) if q.offset.isdigit() else 0
    answer = await plan_inline(q.query, user.id, lang, mode.catalog(bot.username))
    if answer.refusal is not None:
        text = answer.refusal.text(lang)
        help_text = f"{t('inline_help_title', lang, bot=bot.username)}\n{t('inline_help_about', lang)}"
        results = [InlineQueryResultArticle("refused", t("inline_refused_title", lang),
                                            InputTextMessageContent(help_text), description=text)]
        await q.answer(results, cache_time=answer.cache_time, is_personal=answer.personal)
        return
    items = await (_browse(mode, bot, user.id, lang) if answer.browse else _offers(mode, bot, answer, lang))
    page = items[offset:offset + MAX_RESULTS]
    more = str(offset + MAX_RESULTS) if len(items) > offset + MAX_RESULTS else ""
    await q.answer(page, cache_time=answer.cache_time, is_personal=answer.personal, next_offset=more)


def _cached(rid: str, picture: StoredPicture | Recent, title: str, description: str, caption: str,
            markup: InlineKeyboardMarkup | None):
    if picture.kind == "gif":
        return InlineQueryResultCachedGif(rid, picture.file_id, title=title, caption=caption, reply_markup=markup)
    return InlineQueryResultCachedPhoto(rid, picture.file_id, title=title, description=description, caption=caption,
                                        reply_markup=markup)


async def _browse(mode: InlineMode, bot, user_id: int, lang: str) -> list:
    """An empty query: the user's recent results, then the gallery cats already stored."""
    items = [_cached(f"r{i}", r, r.title, t("inline_recent_about", lang), r.caption, None)
             for i, r in enumerate(mode.recent.of(user_id))]
    catalog = mode.catalog(bot.username)
    gallery = catalog.gallery
    if gallery is not None:
        keys = {n: gallery_cat_key(catalog, n) for n in range(1, len(gallery) + 1)}
        known = await mode.known(list(keys.values()))
        missing = []
        for n, key in keys.items():
            picture = known.get(key)
            if picture is None:
                missing.append(n)
                continue
            label = f"#{n} {gallery.name(n, lang)}"
            items.append(_cached(f"g{n}", picture, label, t("inline_gallery_about", lang, number=n, bot=bot.username),
                                 label, None))
        if missing:
            mode.say_what_is_missing()
            mode.warm_gallery(bot, missing)
    return items


async def _offers(mode: InlineMode, bot, answer: Answer, lang: str) -> list:
    """Offers already made are answered by file id; new ones by the placeholder (if one can be stored)."""
    known = await mode.known([o.key for o in answer.offers])
    items = []
    placeholder: str | None = None
    for offer in answer.offers:
        picture = known.get(offer.key)
        if picture is not None:
            markup = mode.markup_for(offer, offer.state, lang)
            items.append(_cached(f"c.{offer.id}", picture, offer.title, offer.description, offer.caption, markup))
            continue
        if placeholder is None:
            placeholder = await mode.placeholder(bot)
            if placeholder is None:
                mode.say_what_is_missing()
                break
        wait = InlineKeyboardMarkup([[InlineKeyboardButton(t("inline_more", lang),
                                                           switch_inline_query_current_chat="")]])
        items.append(InlineQueryResultCachedPhoto(
            f"n.{offer.id}", placeholder, title=offer.title, description=offer.description,
            caption=t("inline_mixing", lang, names=offer.names), reply_markup=wait))
    return items


async def on_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Telegram says which result was sent (/setinlinefeedback): a placeholder is made and edited in."""
    chosen = update.chosen_inline_result
    mode, user = inline_mode(context), chosen.from_user
    lang = lang_for(user.language_code)
    if chosen.result_id.startswith("c."):  # an existing picture: only remembered as a recent result
        answer = await plan_inline(chosen.query, user.id, lang, mode.catalog(context.bot.username),
                                   chosen=chosen.result_id[2:])
        offer = find_offer(answer, chosen.result_id[2:])
        picture = (await mode.known([offer.key])).get(offer.key) if offer else None
        if picture is not None:
            mode.recent.add(user.id, Recent(picture.file_id, picture.kind, offer.title, offer.caption))
        return
    if not chosen.result_id.startswith("n.") or not chosen.inline_message_id:
        return
    await mode.finish_chosen(context.bot, user.id, lang, chosen.query, chosen.result_id[2:],
                             chosen.inline_message_id)


async def on_inline_result_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A result button (mx:<key>:<action>) pressed on an inline message: the next mix, edited in place."""
    query = update.callback_query
    st, mode = get_state(context), inline_mode(context)
    lang = lang_for(query.from_user.language_code)
    key, action = context.match.group(1), context.match.group(2)
    state = st.results.press(key, INLINE_OWNER, None)
    if isinstance(state, Refusal):
        await _toast(query, t(state.value, lang))
        return
    if not mode.can_upload:
        mode.say_what_is_missing()
        await _toast(query, t("inline_failed", lang, reason="no storage chat"))
        return
    new = next_state(state, action, partial(random_cat, st.engine))
    await _toast(query, None)
    offer = mix_offer(mode.catalog(context.bot.username), new.cats, new.options, lang, button=new)
    await mode._edit_caption(context.bot, query.inline_message_id, t("inline_mixing", lang, names=offer.names))
    await mode.render_into(context.bot, query.from_user.id, lang, offer, query.inline_message_id)


async def _toast(query, text: str | None) -> None:
    try:
        await query.answer(text)
    except TelegramError as e:
        log.info("could not answer a button press (%s)", type(e).__name__)


def register_inline(app: Application) -> None:
    app.add_handler(InlineQueryHandler(on_inline_query))
    app.add_handler(ChosenInlineResultHandler(on_chosen))


async def start_inline(app: Application) -> None:
    """From post_init, before polling: read the chosen results a previous run left, and finish
    them once the application runs."""
    mode = get_state_app(app).inline
    if mode is None:
        return
    await mode.load_unfinished()
    app.job_queue.run_once(lambda _: mode.resume(app), 0, name="resume-inline")


def get_state_app(app: Application) -> BotState:
    from bot.telegram.state import STATE_KEY

    return app.bot_data[STATE_KEY]


__all__ = ["InlineMode", "on_chosen", "on_inline_query", "on_inline_result_button", "register_inline",
           "start_inline"]
