"""Where a watch's file enters Academy: every bound on what an upload may make a worker
do, each with its reason, and the means of keeping to them while the file is read.

The work an upload costs is proportional to the bytes read, never to a number written
inside the file: gzip is undone as the reader asks for bytes and stops at its bound;
XML is read as a stream, each trackpoint handed on and dropped once read, so memory
holds one trackpoint's elements rather than the document; a FIT file is counted by its
decoder before any of its messages is handed to Python; every loop of the readers
counts against a bound and against the upload's time (``Budget``). What a file says
(a distance of 10^13 m, a million kilometre splits) is checked against what an
activity of its sport can be before anything is computed from it.

Two kinds of refusal, both answered as problem+json naming the file:

- ``TooLarge`` (413): the file holds more than Academy reads: it unpacks past
  ``MAX_UNPACKED_BYTES`` (a FIT file past ``MAX_FIT_BYTES``), holds more points,
  messages, laps, legs, segments or XML elements than its bound, or takes longer than
  ``READ_SECONDS`` to read.
- ``UnreadableFile`` (422): the file is broken or hostile (a DTD, nesting deeper than
  any activity file, gzip inside gzip, a zip archive), or its figures cannot be an
  activity's: longer than ``LONGEST``, further than ``MAX_DISTANCE_M``, faster on
  average than anyone goes in its sport, more of its points glitches than
  ``MAX_GLITCH_SHARE``, or a distance that runs backwards.

A satellite's glitch (a point further from the one before than the sport's top speed
reaches) is dropped, not refused, while glitches stay a small share of the track.
"""

import io
import math
import pyexpat
import time
import zlib
from bisect import bisect_right
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree.ElementTree import Element, SubElement

import numpy as np
from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

from academy.checkins.schemas import RUN_MAX_KM, RUN_MAX_MINUTES

# --- What is read at all ---------------------------------------------------------------

# A compressed file may unpack to this much. A day's run recorded every second as GPX
# with heart rate and cadence is about 29 MB; a 48-hour ultra is recorded less often,
# or as FIT (a tenth of the size).
MAX_UNPACKED_BYTES = 32 * 2**20
# A FIT file, gzip-compressed or not, may be this large: 48 hours at a record a second
# with every sensor a watch carries is under 10 MB, the upload's own bound. Its decoder
# holds the decoded messages in memory, some 20 times the file.
MAX_FIT_BYTES = 10 * 2**20
# Points (FIT records, GPX and TCX trackpoints): 48 hours at one a second, the most
# often a watch records, is 172,800.
MAX_POINTS = 200_000
# FIT data messages of every kind: a record, a heart-rate-variability
# message and a few others a second for the longest activity read.
MAX_FIT_MESSAGES = 500_000
# Laps (FIT lap messages, TCX laps): one every 500 m of the furthest run read.
MAX_LAPS = 1_000
# GPX tracks and segments, TCX activities and tracks, FIT sessions and timer stops: a
# new one at each pause.
MAX_SEGMENTS = 1_000
# Legs of a multisport file, each an activity of its own: a swimrun race alternates
# up to fifty swims and runs.
MAX_LEGS = 50
# XML elements: a day's run recorded every second as TCX is about a million (twelve
# to a trackpoint).
MAX_XML_ELEMENTS = 1_500_000
# How deeply XML may nest: a TCX trackpoint's cadence sits nine elements deep, vendor
# extensions add a few. Deeper is an attack on the reader, not an activity.
MAX_XML_DEPTH = 32
# Characters of text in one element of a trackpoint: every field is a number or a time.
MAX_XML_TEXT = 1_024
# How long one upload may spend reading its file: a third of gunicorn's worker timeout
# (gunicorn.conf.py), so that the answer, its database work included, comes well
# before the worker would be killed.
READ_SECONDS = 10.0

# --- What an activity can be ------------------------------------------------------------

# The longest activity read: a 48-hour race is the longest a client trains for; the
# check-in's own run bound is the same.
LONGEST = timedelta(minutes=RUN_MAX_MINUTES)
# The furthest: the check-in's own run bound.
MAX_DISTANCE_M = RUN_MAX_KM * 1000
# Faster than anyone has run between two points (Usain Bolt's top speed over 100 m was
# about 12.4 m/s)...
FASTEST_M_PER_S = 12.5
# ...and the fastest a body goes between two points in each sport: further than this
# in the time between two points is a satellite's glitch, and the point is dropped.
TOP_SPEED_M_PER_S = {
    "cycling": 30.0,  # 108 km/h: faster than any descent a rider trains on
    "swimming": 5.0,  # twice a sprinter's 50 m
    "other": 30.0,  # whatever the sport, on skis or wheels
}
# A fix may be this far from where the body was: a jump within it is not a glitch.
POSITION_JUMP_M = 25.0
# Glitches dropped from a track, at most this share of its points: a track more of
# glitches than this is not read (the first glitch is named).
MAX_GLITCH_SHARE = 0.05
# A segment's first points may be the glitches: a reader tries keeping the segment from
# each of its first few points, and keeps the way that drops the fewest of the points
# that follow.
ANCHORS_TRIED = 8
ANCHOR_WINDOW = 64
# A recorded distance may dip this much between two points (rounding), not more.
BACKWARDS_M = 1.0
# The men's world records on the road and track as of 2025 (metres, seconds), the
# last as a distance covered in 24 hours. An activity on foot may not beat the record
# pace for its distance on average (interpolated between records, at the last one's
# pace beyond).
WORLD_RECORDS = (
    (100, 9.58),
    (200, 19.19),
    (400, 43.03),
    (800, 100.91),
    (1_000, 131.96),
    (1_500, 206.00),
    (1_609.344, 223.13),
    (3_000, 437.55),
    (5_000, 755.36),
    (10_000, 1_571.00),
    (21_097.5, 3_402.0),
    (42_195, 7_235.0),
    (100_000, 21_935.0),
    (319_614, 86_400.0),
)
# Faster on average than anyone goes in the other sports, over 100 m or more (m/s):
# a ride averaging 90 km/h, a swim beating the 50 m freestyle record's pace, a row
# beating the eights' 2,000 m record's.
FASTEST_AVERAGE_M_PER_S = {
    "cycling": 25.0,
    "swimming": 2.5,
    "rowing": 6.5,
    "strength": FASTEST_M_PER_S,
    "other": 40.0,
}
# What each sport's activity is called in a refusal.
_ACTIVITY_WORDS = {
    "cycling": "ride",
    "swimming": "swim",
    "rowing": "row",
    "strength": "strength session",
    "other": "activity",
}
# Splits of a kilometre: the furthest run read has this many, and an answer no more.
MAX_SPLITS = RUN_MAX_KM


class UnreadableFile(ValueError):
    """The file is broken, hostile, of a format Academy does not read, or holds figures
    no run can have (422)."""


class TooLarge(UnreadableFile):
    """The file holds more than Academy reads, or takes too long to read (413)."""


def too_many(bound: int, what: str) -> TooLarge:
    return TooLarge(f"The file holds more than {bound:,} {what}.")


class Budget:
    """The time one upload may spend reading its file, from when the budget is made:
    wall-clock time, as gunicorn's timeout counts it (a busy machine reads less in it).
    Readers call ``spend`` for each unit of work (a message, an element, a point); the
    clock is read every ``CHECK_EVERY`` units, so spending costs next to nothing."""

    CHECK_EVERY = 512

    def __init__(self, seconds: float | None = None):
        self.seconds = READ_SECONDS if seconds is None else seconds
        self.deadline = time.monotonic() + self.seconds
        self._left = self.CHECK_EVERY

    def spend(self, units: int = 1) -> None:
        self._left -= units
        if self._left <= 0:
            self._left = self.CHECK_EVERY
            self.check()

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise TooLarge(f"The file takes more than {self.seconds:g} s to read.")


# --- Unpacking --------------------------------------------------------------------------

_GZIP, _ZIP = b"\x1f\x8b", b"PK\x03\x04"
# What one read asks of the inflater at most: memory holds this much, not the file.
_CHUNK = 64 * 1024


class Unpacked(io.RawIOBase):
    """A gzip-compressed file's own bytes, inflated as they are read and never past
    ``MAX_UNPACKED_BYTES``: a "gzip bomb" stops at the bound however far it would
    unpack. Several gzip members one after the other are one file, as gzip reads them."""

    def __init__(self, packed: bytes, budget: Budget):
        self._packed = memoryview(packed)
        self._offset = 0  # of the next compressed bytes to hand the inflater
        self._input = b""  # compressed bytes handed over and not yet taken
        self._budget = budget
        self._inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        self._unpacked = 0

    def readable(self) -> bool:
        return True

    def _more(self) -> bytes:
        chunk = bytes(self._packed[self._offset : self._offset + _CHUNK])
        self._offset += len(chunk)
        return chunk

    def readinto(self, buffer) -> int:
        wanted = min(len(buffer), _CHUNK)
        while True:
            self._budget.spend()
            if self._inflater.eof:
                # A member ended: the file ends here, or another member follows.
                self._input = self._inflater.unused_data + self._input
                if len(self._input) < 2:
                    self._input += self._more()
                if not self._input:
                    return 0
                if self._input[:2] != _GZIP:
                    raise UnreadableFile("The gzip file has bytes after its end.")
                self._inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            if not self._input:
                self._input = self._more()
                if not self._input:
                    raise UnreadableFile("The gzip file is cut short.")
            try:
                out = self._inflater.decompress(self._input, wanted)
            except zlib.error as error:
                raise UnreadableFile("The gzip file is broken.") from error
            self._input = self._inflater.unconsumed_tail
            if out:
                self._unpacked += len(out)
                if self._unpacked > MAX_UNPACKED_BYTES:
                    raise TooLarge(
                        f"The file unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MB."
                    )
                buffer[: len(out)] = out
                return len(out)


def opened(data: bytes, budget: Budget) -> "io.BufferedReader[Any]":
    """The file's own bytes as a stream: gzip undone as they are read, within its bound;
    zip archives and gzip inside gzip refused."""
    if data[:4] == _ZIP:
        raise UnreadableFile("Zip archives are not read; send the FIT, GPX or TCX file itself.")
    if data[:2] != _GZIP:
        return io.BufferedReader(io.BytesIO(data), _CHUNK)
    # Unpacked once only to count, a chunk at a time (inflating is cheap next to
    # reading): a bomb, a broken or cut-short file is refused before any reading.
    counted, scratch = Unpacked(data, budget), bytearray(_CHUNK)
    while counted.readinto(scratch):
        pass
    stream = io.BufferedReader(Unpacked(data, budget), _CHUNK)
    if stream.peek(2)[:2] == _GZIP:
        raise UnreadableFile("A gzip file inside a gzip file is not read: compress it once.")
    return stream


def sniff(stream: io.BufferedReader) -> str:
    """``fit``, ``gpx`` or ``tcx`` from the content, whatever the file's name says (the
    stream is left where it was)."""
    head = stream.peek(2048)[:2048]
    if len(head) >= 12 and head[8:12] == b".FIT":
        return "fit"
    head = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        if b"<gpx" in head:
            return "gpx"
        if b"<TrainingCenterDatabase" in head:
            return "tcx"
    raise UnreadableFile("Not a FIT, GPX or TCX file.")


# --- XML as a stream --------------------------------------------------------------------


def _refuse_dtd(name, *_):
    raise DTDForbidden(name, None, None)


def _refuse_entity(name, *_):
    raise EntitiesForbidden(name, None, None, None, None, None)


def _refuse_external(context, base, sysid, pubid):
    raise ExternalReferenceForbidden(context, base, sysid, pubid)


def xml_elements(
    stream, budget: Budget, *, kept: frozenset[str], marked: frozenset[str] = frozenset()
) -> Iterator[tuple[str, Element]]:
    """The elements of an XML stream that a reader asks for, in document order, as
    ``("start", element)`` with its attributes for each element named in ``marked``
    (a track, a lap) as it opens and ``("close", element)`` as it closes, and
    ``("end", element)`` with its whole subtree for each named in ``kept`` (a
    trackpoint) once it closes. Tags are local names (the
    namespace dropped); ``kept`` may name ``"parent/child"`` for a child of one parent.

    Nothing else is kept: memory holds the elements of one trackpoint at a time. The
    defences are defusedxml's: no DTD (so no entity of any kind, internal or external)
    and no external reference. Elements, depth and the text of kept elements are
    bounded, and each element counts against the budget.
    """
    parser = pyexpat.ParserCreate(namespace_separator="}")
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_entity
    parser.UnparsedEntityDeclHandler = _refuse_entity
    parser.ExternalEntityRefHandler = _refuse_external
    parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    children = {name.partition("/")[2] for name in kept if "/" in name}
    ready: list[tuple[str, Element]] = []
    # The open elements, under a root that stands for the document: an Element inside
    # something kept, else None; and their local names.
    open_elements: list[Element | None] = [None]
    names: list[str] = [""]
    local_names: dict[str, str] = {}
    seen = 0

    def start(name: str, attributes: dict) -> None:
        nonlocal seen
        seen += 1
        if seen > MAX_XML_ELEMENTS:
            raise too_many(MAX_XML_ELEMENTS, "XML elements")
        if len(names) > MAX_XML_DEPTH:
            raise UnreadableFile(f"The XML nests deeper than {MAX_XML_DEPTH} elements.")
        budget.spend()
        tag = local_names.get(name)
        if tag is None:
            tag = name.rpartition("}")[2]
            if len(local_names) < 256:  # the names a file uses again and again
                local_names[name] = tag
        parent = open_elements[-1]
        if parent is not None:
            element = SubElement(parent, tag, attributes)
        elif tag in kept or (tag in children and f"{names[-1]}/{tag}" in kept):
            element = Element(tag, attributes)
        else:
            element = None
            if tag in marked:
                ready.append(("start", Element(tag, attributes)))
        open_elements.append(element)
        names.append(tag)

    def end(_name: str) -> None:
        element = open_elements.pop()
        tag = names.pop()
        if open_elements[-1] is not None:
            return
        if element is not None:
            ready.append(("end", element))
        elif tag in marked:
            ready.append(("close", Element(tag)))

    def text(data: str) -> None:
        element = open_elements[-1]
        if element is not None:
            element.text = data if element.text is None else element.text + data
            if len(element.text) > MAX_XML_TEXT:
                raise UnreadableFile(
                    f"An element of a trackpoint holds more than {MAX_XML_TEXT:,} characters."
                )

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        while chunk := stream.read(_CHUNK):
            parser.Parse(chunk, False)
            yield from ready
            ready.clear()
        parser.Parse(b"", True)
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden) as error:
        raise UnreadableFile("XML with a DTD or entities is refused.") from error
    except pyexpat.ExpatError as error:
        raise UnreadableFile(f"The XML is broken: {pyexpat.ErrorString(error.code)}.") from error
    yield from ready


# --- What a run can be ------------------------------------------------------------------


def _clock(seconds: float) -> str:
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def fastest_seconds(metres: float) -> float | None:
    """The least time anyone has covered ``metres`` in, from the world records (None
    below the shortest record)."""
    distances = [d for d, _ in WORLD_RECORDS]
    at = bisect_right(distances, metres)
    if at == 0:
        return None
    if at == len(WORLD_RECORDS):
        last_distance, last_time = WORLD_RECORDS[-1]
        return metres * last_time / last_distance
    (d0, t0), (d1, t1) = WORLD_RECORDS[at - 1], WORLD_RECORDS[at]
    return t0 + (t1 - t0) * (metres - d0) / (d1 - d0)


def top_speed(sport: str) -> float:
    """The fastest a body goes between two points of a track in ``sport`` (m/s)."""
    return TOP_SPEED_M_PER_S.get(sport, FASTEST_M_PER_S)


def _faster(sport: str) -> str:
    if sport == "cycling":
        return "faster than any ride"
    if sport == "swimming":
        return "faster than anyone swims"
    if sport == "other":
        return "faster than anyone goes"
    return "faster than anyone has run"


def _at(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()


def kept_points(
    seconds: np.ndarray,
    segments: np.ndarray,
    steps: np.ndarray,
    between: Callable[[int, int], float],
    sport: str,
    budget: Budget,
    *,
    recorded: bool,
) -> np.ndarray:
    """Which points of a track to keep: all but a satellite's glitches. ``seconds``
    are the points' times in order within each of their ``segments``; ``steps[i]`` is
    the distance from point ``i - 1`` to point ``i``, and ``between(i, j)`` the distance
    from point ``i`` to point ``j`` (a ``recorded`` distance's difference, or the way
    between two positions).

    A point further from the last point kept than ``top_speed(sport)`` reaches in the
    time between them (give or take ``POSITION_JUMP_M``) is a glitch and dropped; a
    segment's first points are the glitches when the points after them agree with each
    other and not with them (``ANCHORS_TRIED``). More glitches than
    ``MAX_GLITCH_SHARE`` of the points refuse the track, naming the first; a
    ``recorded`` distance running backwards refuses it at once. Nothing is compared
    across two segments: between them the watch was off or paused, and may have gone
    anywhere."""
    count = len(seconds)
    keep = np.ones(count, dtype=bool)
    if count < 2:
        return keep
    top = top_speed(sport)
    same = segments[1:] == segments[:-1]
    gaps = np.diff(seconds)
    budget.spend(count)
    fast = same & (steps[1:] > top * gaps + POSITION_JUMP_M)
    # Each point's segment, by its first point's index; the segments with a glitch.
    starts = np.flatnonzero(np.concatenate([[True], ~same]))
    first_of = starts[np.cumsum(np.concatenate([[True], ~same])) - 1]
    glitched = np.zeros(count, dtype=bool)
    glitched[first_of[1:][fast]] = True
    glitched = glitched[first_of]
    if recorded:
        backwards = np.flatnonzero(same & (steps[1:] < -BACKWARDS_M) & ~glitched[1:])
        if len(backwards):
            index = int(backwards[0]) + 1
            _refuse_backwards(index, seconds[index], -float(steps[index]))
    if not fast.any():
        return keep
    times, step = seconds.tolist(), steps.tolist()

    def from_anchor(first: int, anchor: int, end: int) -> list[tuple[int, float, float]]:
        """The glitches of points ``first``..``end`` (exclusive) kept from ``anchor`` on:
        each point further from the last one kept than the sport reaches."""
        found = [
            (index, abs(between(anchor, index)), abs(times[anchor] - times[index]))
            for index in range(first, anchor)
        ]
        last = anchor
        for index in range(anchor + 1, end):
            budget.spend()
            covered = step[index] if last == index - 1 else between(last, index)
            if recorded and covered < -BACKWARDS_M:
                _refuse_backwards(index, times[index], -covered)
            if covered <= top * (times[index] - times[last]) + POSITION_JUMP_M:
                last = index
            else:
                found.append((index, covered, times[index] - times[last]))
        return found

    glitches: list[tuple[int, float, float]] = []
    ends = np.append(starts[1:], count)
    for first, end in zip(starts.tolist(), ends.tolist(), strict=True):
        if not glitched[first]:
            continue
        anchor = first
        if first + 1 < end and fast[first]:
            # The segment's first points may be the ones off: it is kept from whichever
            # of them leaves the fewest glitches among its first points.
            window = min(end, first + ANCHOR_WINDOW)
            tried = range(first, min(first + ANCHORS_TRIED, end))
            anchor = min(tried, key=lambda a: len(from_anchor(first, a, window)))
        found = from_anchor(first, anchor, end)
        glitches.extend(found)
        for index, _, _ in found:
            keep[index] = False
    if len(glitches) > MAX_GLITCH_SHARE * count:
        index, covered, gap = min(glitches)
        raise UnreadableFile(
            f"Point {index + 1} ({_at(times[index])}) is {covered:,.0f} m from the point "
            f"before, {gap:g} s earlier: {_faster(sport)}; {len(glitches):,} of the track's "
            f"{count:,} points are as far off, more than {MAX_GLITCH_SHARE:.0%} of them."
        )
    return keep


def _refuse_backwards(index: int, seconds: float, behind: float) -> None:
    raise UnreadableFile(
        f"Point {index + 1} ({_at(seconds)}) is {behind:,.0f} m behind the point before: "
        "the distance runs backwards."
    )


def check_figures(sport: str, distance: float, seconds: float) -> None:
    """Refuse an activity that no activity of ``sport`` can be: longer than
    ``LONGEST``, further than ``MAX_DISTANCE_M``, or faster on average than anyone goes
    in its sport (on foot, the world record pace for its distance; in the others,
    ``FASTEST_AVERAGE_M_PER_S`` over 100 m or more)."""
    if seconds > LONGEST.total_seconds():
        hours = LONGEST.total_seconds() / 3600
        raise UnreadableFile(f"The track lasts longer than {hours:g} hours: not one activity.")
    if distance > MAX_DISTANCE_M:
        raise UnreadableFile(
            f"The track covers more than {MAX_DISTANCE_M // 1000} km: not one activity."
        )
    if sport in FASTEST_AVERAGE_M_PER_S:
        fastest = FASTEST_AVERAGE_M_PER_S[sport]
        if distance >= 100 and distance > fastest * seconds:
            speed = "any speed" if not seconds else f"{distance / seconds * 3.6:,.1f} km/h"
            word = _ACTIVITY_WORDS[sport]
            raise UnreadableFile(
                f"{distance / 1000:,.2f} km in {_clock(seconds)} is {speed} on average: "
                f"faster than any {word} (at most {fastest * 3.6:g} km/h)."
            )
        return
    record = fastest_seconds(distance)
    if record is not None and seconds < record:
        raise UnreadableFile(
            f"{distance / 1000:,.2f} km in {_clock(seconds)} beats the world record pace "
            f"over that distance (at least {_clock(math.ceil(record))})."
        )
