"""What holds for any input: the type of any bytes is read without an error other than
a refusal, every cut of a video is refused, and a link works for its whole lifetime
and at most a quarter longer, the same link all through its window."""

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from academy.files import images, sniff
from academy.files.storage import link_times
from tests.files.samples import mp4, picture, webm

SIGNATURES = [b"", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF\x00\x00\x00\x00WEBP",
              b"\x00\x00\x00\x18ftypisom", b"\x1a\x45\xdf\xa3"]  # fmt: skip


@given(st.sampled_from(SIGNATURES), st.binary(max_size=2048))
@settings(max_examples=400, deadline=None)
def test_any_bytes_are_typed_or_refused_never_an_error(signature, rest):
    data = signature + rest
    stream = io.BytesIO(data)

    found = sniff.sniff(stream)

    if found is None:
        return
    try:
        if found.kind == "video":
            sniff.check_video(stream, len(data), found)
        else:
            images.clean(stream, found, 1_000_000)
    except (sniff.Unreadable, images.TooManyPixels):
        pass
    if found.kind == "video":
        assert stream.tell() == 0  # put back at its start, for the storage to read


@pytest.mark.parametrize("video", [mp4(300), webm(300)], ids=["mp4", "webm"])
@given(cut=st.integers(min_value=1, max_value=10_000))
@settings(max_examples=100, deadline=None)
def test_every_cut_of_a_video_is_refused(video, cut):
    short = video[: len(video) - 1 - cut % (len(video) - 1)]
    kind = sniff.sniff(io.BytesIO(short))

    if kind is not None:
        with pytest.raises(sniff.Unreadable):
            sniff.check_video(io.BytesIO(short), len(short), kind)


@given(st.binary(min_size=1, max_size=400), st.sampled_from(["JPEG", "PNG", "WEBP"]))
@settings(max_examples=100, deadline=None)
def test_a_picture_with_bytes_changed_is_kept_clean_or_refused(noise, kind):
    data = bytearray(picture(kind, (64, 48)))
    start = len(data) // 3
    data[start : start + len(noise)] = noise
    stream = io.BytesIO(bytes(data))
    found = sniff.sniff(stream)

    try:
        kept = images.clean(stream, found, 1_000_000)
    except (sniff.Unreadable, images.TooManyPixels):
        return
    assert kept.size > 0 and kept.thumbnail


@given(
    now=st.floats(min_value=1e9, max_value=4e9, allow_nan=False),
    seconds=st.integers(min_value=1, max_value=7 * 24 * 3600),
)
def test_a_link_works_its_lifetime_and_at_most_a_quarter_longer(now, seconds):
    signed_at, expires_at = link_times(now, seconds)

    assert signed_at <= now
    assert int(now) + seconds <= expires_at <= now + seconds + seconds // 4
    window = seconds // 4
    if window:
        assert link_times(signed_at, seconds) == (signed_at, expires_at)
        assert link_times(signed_at + window - 1, seconds) == (signed_at, expires_at)
