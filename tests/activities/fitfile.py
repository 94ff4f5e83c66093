"""FIT files written byte by byte, for what fit-tool (``make_files.py``) will not write
or writes too slowly: a million and more minimal records, a watch whose clock was never
set, any value in any field, definitions of any shape (the fuzzers' grammar).

A FIT file is a 14-byte header (its own CRC at the end), then messages: a definition
gives a local message type (0-15) a global message number and its fields (number,
size, base type); a data message of that local type carries the fields' bytes. Two
bytes of CRC over everything before them close the file. Timestamps count seconds from
the FIT epoch, 1989-12-31 00:00 UTC; a value below 0x10000000 counts from the device's
power-on instead.
"""

import struct
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from academy.activities.samples import SteadyRun

FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)
# A base type: its number in a definition, its struct format, and its "no value".
BASE_TYPES = {
    "enum": (0x00, "B", 0xFF),
    "sint8": (0x01, "b", 0x7F),
    "uint8": (0x02, "B", 0xFF),
    "sint16": (0x83, "h", 0x7FFF),
    "uint16": (0x84, "H", 0xFFFF),
    "sint32": (0x85, "i", 0x7FFFFFFF),
    "uint32": (0x86, "I", 0xFFFFFFFF),
    "uint8z": (0x0A, "B", 0),
    "uint16z": (0x8B, "H", 0),
    "uint32z": (0x8C, "I", 0),
}


@dataclass(frozen=True)
class Message:
    """A global message and the fields written of it: (field number, base type)."""

    number: int
    fields: tuple[tuple[int, str], ...]

    @property
    def format(self) -> str:
        return "<" + "".join(BASE_TYPES[base][1] for _, base in self.fields)


FILE_ID = Message(0, ((0, "enum"), (1, "uint16"), (2, "uint16"), (3, "uint32z"), (4, "uint32")))
RECORD = Message(
    20,
    (
        (253, "uint32"),  # timestamp
        (0, "sint32"),  # position_lat, semicircles
        (1, "sint32"),  # position_long
        (2, "uint16"),  # altitude: (m + 500) x 5
        (3, "uint8"),  # heart_rate
        (4, "uint8"),  # cadence, strides a minute
        (5, "uint32"),  # distance: m x 100
    ),
)
# The smallest record that still says something: a time and a heart rate (6 bytes).
MINIMAL_RECORD = Message(20, ((253, "uint32"), (3, "uint8")))
LAP = Message(19, ((253, "uint32"), (2, "uint32")))
# timestamp, start_time, sport (1: running), total_elapsed_time (ms), total_distance (cm)
SESSION = Message(18, ((253, "uint32"), (2, "uint32"), (5, "enum"), (7, "uint32"), (9, "uint32")))


def _crc_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _crc_table()


def crc(data: bytes, value: int = 0) -> int:
    """FIT's CRC-16 (CRC-16/ARC), a byte at a time."""
    table = _TABLE
    for byte in data:
        value = (value >> 8) ^ table[(value ^ byte) & 0xFF]
    return value


def definition(
    local: int, number: int, fields: Iterable[tuple[int, int, int]], *, big_endian: bool = False
) -> bytes:
    """A definition message: ``fields`` as (field number, size in bytes, base type); its
    data messages' values are big-endian with ``big_endian``."""
    fields = list(fields)
    order = ">" if big_endian else "<"
    head = struct.pack(f"{order}BBBHB", 0x40 | local, 0, int(big_endian), number, len(fields))
    return head + b"".join(struct.pack("<BBB", *field) for field in fields)


def define(local: int, message: Message) -> bytes:
    return definition(
        local,
        message.number,
        (
            (number, struct.calcsize(BASE_TYPES[base][1]), BASE_TYPES[base][0])
            for number, base in message.fields
        ),
    )


def data(local: int, message: Message, values: Iterable) -> bytes:
    """A data message; a value of None is written as its base type's "no value"."""
    values = [
        BASE_TYPES[base][2] if value is None else value
        for (_, base), value in zip(message.fields, values, strict=True)
    ]
    return bytes([local]) + struct.pack(message.format, *values)


def framed(body: bytes, *, with_crc: bool = True) -> bytes:
    """The header, ``body`` and the file's CRC (zero without ``with_crc``)."""
    header = struct.pack("<BBHI4s", 14, 0x20, 2132, len(body), b".FIT")
    header += struct.pack("<H", crc(header))
    return header + body + struct.pack("<H", crc(header + body) if with_crc else 0)


def reframed(file: bytes) -> bytes:
    """A changed FIT file made whole again: its header's size and both CRCs rewritten
    for what lies between its header and its last two bytes."""
    return framed(file[14:-2])


def fit_time(moment: datetime) -> int:
    return round((moment - FIT_EPOCH).total_seconds())


def steady(run: SteadyRun, *, clock_set: bool = True) -> bytes:
    """A steady run as FIT: a file_id, a record a point, a session. Without
    ``clock_set`` every time counts from power-on, as a watch that never found a
    satellite writes them."""
    start = fit_time(run.start)
    offset = start - 1_000 if not clock_set else 0
    body = [define(0, FILE_ID), data(0, FILE_ID, (4, 255, 0, 1, start - offset))]
    body.append(define(1, RECORD))
    for time, metres, lat, lon, elevation, hr, cadence in run.points():
        body.append(
            data(
                1,
                RECORD,
                (
                    fit_time(time) - offset,
                    round(lat * 2**31 / 180),
                    round(lon * 2**31 / 180),
                    round((elevation + 500) * 5),
                    hr,
                    cadence,
                    round(metres * 100),
                ),
            )
        )
    end = fit_time(run.start) + run.seconds - offset
    body.append(define(2, SESSION))
    body.append(
        data(2, SESSION, (end, start - offset, 1, run.seconds * 1000, round(run.distance_m * 100)))
    )
    return framed(b"".join(body))


def minimal_records(count: int, start: datetime, *, hr: int = 150) -> bytes:
    """``count`` records of a time and a heart rate, a second apart (6 bytes each)."""
    first = fit_time(start)
    head = define(0, MINIMAL_RECORD)
    pack = struct.Struct("<BIB").pack
    return framed(head + b"".join(pack(0, first + n, hr) for n in range(count)))


# --- Whole activities, message by message ---------------------------------------------

# The messages of the corpus's files (field number, base type); what each field holds,
# and in what unit, is in ``FitFile``'s methods.
SESSION_FULL = Message(
    18,
    (
        (253, "uint32"),  # timestamp: the session's end
        (2, "uint32"),  # start_time
        (5, "enum"),  # sport
        (6, "enum"),  # sub_sport
        (7, "uint32"),  # total_elapsed_time, ms
        (8, "uint32"),  # total_timer_time, ms
        (9, "uint32"),  # total_distance, cm
        (44, "uint16"),  # pool_length, cm
    ),
)
LAP_FULL = Message(
    19,
    (
        (253, "uint32"),  # timestamp: the lap's end
        (2, "uint32"),  # start_time
        (7, "uint32"),  # total_elapsed_time, ms
        (8, "uint32"),  # total_timer_time, ms
        (9, "uint32"),  # total_distance, cm
        (32, "uint16"),  # num_lengths
    ),
)
LENGTH = Message(
    101,
    (
        (253, "uint32"),  # timestamp: the length's end
        (2, "uint32"),  # start_time
        (3, "uint32"),  # total_elapsed_time, ms
        (4, "uint32"),  # total_timer_time, ms
        (12, "enum"),  # length_type: 0 a rest, 1 a length swum
    ),
)
EVENT = Message(21, ((253, "uint32"), (0, "enum"), (1, "enum")))  # event 0: the timer
SPORT = Message(12, ((0, "enum"), (1, "enum")))
TIMESTAMP_CORRELATION = Message(162, ((253, "uint32"), (1, "uint32")))  # UTC, device time
DEVICE_INFO = Message(23, ((253, "uint32"), (0, "uint8")))

# FIT's timer events: start, stop, stop all (the end of the recording).
TIMER_START, TIMER_STOP, TIMER_STOP_ALL = 0, 1, 4


class FitFile:
    """A FIT file written message by message, each message defined (on a local type of
    its own) the first time it is written. Times are FIT seconds (``fit_time``)."""

    def __init__(self, *, created: int | None, file_type: int = 4):
        self.body: list[bytes] = []
        self.locals: dict[Message, int] = {}
        self.write(FILE_ID, (file_type, 255, 0, 1, created))

    def write(self, message: Message, values) -> None:
        if message not in self.locals:
            self.locals[message] = len(self.locals)
            self.body.append(define(self.locals[message], message))
        self.body.append(data(self.locals[message], message, values))

    def record(self, time, *, lat=None, lon=None, metres=None, hr=None, cadence=None, alt=None):
        """A record: ``lat``/``lon`` in degrees, ``metres`` the cumulative distance,
        ``cadence`` as the watch counts it (strides or revolutions a minute)."""
        self.write(
            RECORD,
            (
                time,
                None if lat is None else round(lat * 2**31 / 180),
                None if lon is None else round(lon * 2**31 / 180),
                None if alt is None else round((alt + 500) * 5),
                hr,
                cadence,
                None if metres is None else round(metres * 100),
            ),
        )

    def session(self, start, elapsed, *, sport, sub_sport=0, timer=None, metres=None, pool=None):
        self.write(
            SESSION_FULL,
            (
                start + elapsed,
                start,
                sport,
                sub_sport,
                round(elapsed * 1000),
                round((elapsed if timer is None else timer) * 1000),
                None if metres is None else round(metres * 100),
                None if pool is None else round(pool * 100),
            ),
        )

    def lap(self, start, elapsed, *, metres=None, lengths=None, timer=None):
        self.write(
            LAP_FULL,
            (
                start + elapsed,
                start,
                round(elapsed * 1000),
                round((elapsed if timer is None else timer) * 1000),
                None if metres is None else round(metres * 100),
                lengths,
            ),
        )

    def length(self, start, elapsed, *, swum: bool):
        self.write(LENGTH, (start + elapsed, start, elapsed * 1000, elapsed * 1000, int(swum)))

    def timer(self, time, event_type: int):
        self.write(EVENT, (time, 0, event_type))

    def bytes(self) -> bytes:
        return framed(b"".join(self.body))
