"""Typed errors a chat bot can show as is.

Each carries a stable `code` and `params` so a front end can translate it from its own
catalogue (bot/common/texts.py); `str(error)` is a ready English sentence for everything else
(CLI, logs).
"""

from __future__ import annotations


class KittenError(Exception):
    code = "error"

    def __init__(self, message: str, **params: object):
        super().__init__(message)
        self.params = params

    def __reduce__(self) -> tuple:
        """Pickled as it is (its message, code, params and fields), not by calling `__init__` with the
        message again as Exception does: the subclasses' `__init__` take other arguments, and an error
        raised on a `kitten-mixer worker` must reach the bot as the same error (bot/common/remote_jobs)."""
        return _restore, (type(self), self.args, self.__dict__)


def _restore(cls: type[KittenError], args: tuple, state: dict) -> KittenError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class IntakeError(KittenError):
    """An uploaded file is not usable. `code` says why:
    not_image | too_large | too_many_pixels | too_small | unsupported."""

    def __init__(self, code: str, message: str, **params: object):
        super().__init__(message, **params)
        self.code = code


class FaceNotFound(IntakeError):
    """No cat face found with enough confidence, so the photo must not be mixed from its middle.

    `photos` holds the 0-based indexes of the photos concerned (in the order they were given), so
    a bot can ask "where's the face?" about each; intake alone does not know the index and leaves
    it empty, the engine fills it in.
    """

    def __init__(self, photos: list[int] | tuple[int, ...] = ()):
        self.photos = list(photos)
        self.dogs: list[int] = []  # see DogFound
        which = ", ".join(str(i + 1) for i in self.photos)
        where = f"photo {which}" if len(self.photos) == 1 else f"photos {which}" if self.photos else "the photo"
        super().__init__("no_face", f"I couldn't find a cat face in {where}; show me where it is.",
                         photos=self.photos)


class DogFound(FaceNotFound):
    """Some of the photos without a cat face show a dog's face instead (`dogs`, 0-based, a subset of
    `photos`). The bots say it looks like a dog and offer "mix it anyway", which sends that photo again
    with `FaceHint.anyway()`; the other photos in `photos` get the usual "where's the face?"."""

    def __init__(self, photos: list[int] | tuple[int, ...] = (), dogs: list[int] | tuple[int, ...] = ()):
        self.photos, self.dogs = list(photos), list(dogs)
        which = ", ".join(str(i + 1) for i in self.dogs)
        where = f"Photo {which} looks" if len(self.dogs) == 1 else f"Photos {which} look" if self.dogs else "It looks"
        IntakeError.__init__(self, "dog", f"{where} like a dog, not a cat.", photos=self.photos, dogs=self.dogs)


class BadRequest(KittenError):
    """Options out of range (frames, count, weights...)."""

    code = "bad_request"


class EngineBusy(KittenError):
    """The queue is full: try again in a moment."""

    code = "busy"


class EngineTimeout(KittenError):
    """A request took longer than the per-request timeout."""

    code = "timeout"
