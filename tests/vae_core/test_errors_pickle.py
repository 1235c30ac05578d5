"""The engine's errors cross a process boundary in Redis mode (a `kitten-mixer worker` pickles the
outcome of a job, bot/common/remote_jobs.py): each must come back as the same error, with its code,
params and fields, so the bot answers "where's the face?" or "not an image" as in one process.
Exception's own pickling calls `__init__` with the message again, which the subclasses don't take."""

from __future__ import annotations

import pickle

import pytest

from vae_core.errors import BadRequest, DogFound, EngineBusy, FaceNotFound, IntakeError, KittenError


@pytest.mark.parametrize("error", [
    IntakeError("not_image", "That file is not an image.", max_mb=8),
    FaceNotFound([1]),
    FaceNotFound(),
    DogFound([0, 1], [1]),
    BadRequest("frames must be 2-32", low=2, high=32),
    EngineBusy("busy, try again"),
])
def test_an_error_comes_back_from_pickle_as_it_was(error: KittenError):
    back = pickle.loads(pickle.dumps(error, protocol=pickle.HIGHEST_PROTOCOL))
    assert type(back) is type(error)
    assert (back.code, back.params, str(back), back.args) == (error.code, error.params, str(error), error.args)
    assert getattr(back, "photos", None) == getattr(error, "photos", None)
    assert getattr(back, "dogs", None) == getattr(error, "dogs", None)
