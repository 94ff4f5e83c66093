"""Where a watch's file enters Academy: every bound on what an upload may make a worker
do, each with its reason, and the means of keeping to them while the file is read.

The work an upload costs is proportional to the bytes read, never to a number written
inside the file: gzip is undone as the reader asks for bytes and stops at its bound;
XML is read as a stream, each trackpoint handed on and dropped once read, so memory
holds one trackpoint's elements rather than the document; every loop of the readers
counts against a bound and against the upload's time (``Budget``). What a file says
(a distance of 10^13 m, a million kilometre splits) is checked against what a run can
be before anything is computed from it.

Two kinds of refusal, both answered as problem+json naming the file:

- ``TooLarge`` (413): the file holds more than Academy reads: it unpacks past
  ``MAX_UNPACKED_BYTES``, holds more points, messages, laps, segments or XML elements
  than its bound, or takes longer than ``READ_SECONDS`` to read.
- ``UnreadableFile`` (422): the file is broken or hostile (a DTD, nesting deeper than
  any activity file, gzip inside gzip, a zip archive), or its figures cannot be a
  run's: longer than ``LONGEST``, further than ``MAX_DISTANCE_M``, faster than anyone
  has run, or a distance that runs backwards.
"""

import io
import math
import pyexpat
import time
import zlib
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any
from xml.etree.ElementTree import Element, SubElement

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

from academy.checkins.schemas import RUN_MAX_KM, RUN_MAX_MINUTES

# --- What is read at all ---------------------------------------------------------------

# A compressed file may unpack to this much. A day's run recorded every second as GPX
# with heart rate and cadence is about 29 MB; a 48-hour ultra is recorded less often,
# or as FIT (a tenth of the size).
MAX_UNPACKED_BYTES = 32 * 2**20
# Points (FIT records, GPX and TCX trackpoints): 48 hours at one a second, the most
# often a watch records, is 172,800.
MAX_POINTS = 200_000
# FIT messages of every kind, definitions included: a record, a heart-rate-variability
# message and a few others a second for the longest activity read.
MAX_FIT_MESSAGES = 500_000
# Laps (FIT lap messages, TCX laps): one every 500 m of the furthest run read.
MAX_LAPS = 1_000
# GPX tracks and segments, TCX activities and tracks: a new one at each pause.
MAX_SEGMENTS = 1_000
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
# ...allowing this much for a satellite fix that jumps between two points.
POSITION_JUMP_M = 100.0
# A recorded distance may dip this much between two points (rounding), not more.
BACKWARDS_M = 1.0
# The men's world records on the road and track as of 2025 (metres, seconds), the
# last as a distance covered in 24 hours. A run's average pace may not beat the record
# pace for its distance (interpolated between records, at the last one's pace beyond).
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
    (a track, a lap) as it opens, and ``("end", element)`` with its whole subtree for
    each named in ``kept`` (a trackpoint) once it closes. Tags are local names (the
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
        names.pop()
        if element is not None and open_elements[-1] is None:
            ready.append(("end", element))

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


def check_track(points: Sequence, budget: Budget) -> None:
    """Refuse a track (timed points in order, each with a cumulative ``distance``) that no
    run can be: longer than ``LONGEST``, further than ``MAX_DISTANCE_M``, a distance
    that runs backwards, a stretch between two points faster than anyone has run, or
    an average pace that beats the world record for its distance. Each refusal names
    the point, or says why."""
    first, last = points[0], points[-1]
    if last.time - first.time > LONGEST:
        hours = LONGEST.total_seconds() / 3600
        raise UnreadableFile(f"The track lasts longer than {hours:g} hours: not one activity.")
    for index in range(1, len(points)):
        budget.spend()
        before, after = points[index - 1], points[index]
        covered = after.distance - before.distance
        seconds = (after.time - before.time).total_seconds()
        where = f"Point {index + 1} ({after.time.isoformat()})"
        if covered < -BACKWARDS_M:
            raise UnreadableFile(
                f"{where} is {-covered:,.0f} m behind the point before: the distance runs "
                "backwards."
            )
        if covered > FASTEST_M_PER_S * seconds + POSITION_JUMP_M:
            raise UnreadableFile(
                f"{where} is {covered:,.0f} m from the point before, {seconds:g} s earlier: "
                "faster than anyone has run."
            )
    distance = last.distance - first.distance
    if distance > MAX_DISTANCE_M:
        raise UnreadableFile(
            f"The track covers more than {MAX_DISTANCE_M // 1000} km: not one activity."
        )
    fastest = fastest_seconds(distance)
    duration = (last.time - first.time).total_seconds()
    if fastest is not None and duration < fastest:
        raise UnreadableFile(
            f"{distance / 1000:,.2f} km in {_clock(duration)} beats the world record pace "
            f"over that distance (at least {_clock(math.ceil(fastest))})."
        )
