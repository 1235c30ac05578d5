"""The album wait's job name: made and read by one pair of functions (handlers and journal agree)."""

from bot.telegram.albums import album_job_name, parse_album_job


def test_album_job_name_round_trips_negative_group_chats():
    name = album_job_name(-1001234567890, "13579246801357")
    assert parse_album_job(name) == (-1001234567890, "13579246801357")


def test_other_jobs_are_not_albums():
    assert parse_album_job("retry:abc") is None
    assert parse_album_job(None) is None
    assert parse_album_job("album:not-a-chat:1") is None
