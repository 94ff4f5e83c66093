"""What an uploaded file is, read from its bytes: never from its name or the type its
sender claimed.

Pictures are told by their signatures (JPEG, PNG, WebP) and read whole by Pillow
(``images.py``). Videos are told by their containers, and the container is walked to
its end: an MP4's boxes (ISO base media) and a WebM's EBML elements must follow one
another to exactly the file's last byte, so that a file cut short, or bytes of
something else behind a video's first few, are refused.
"""

import struct
from dataclasses import dataclass
from typing import IO

# Bounds of the walk: a container with more top-level parts than this is not a video
# anyone recorded, and an EBML header larger than this is not a header.
MAX_PARTS = 100_000
MAX_EBML_HEADER = 4096


@dataclass(frozen=True)
class Type:
    kind: str  # "image" or "video"
    content_type: str
    extension: str


JPEG = Type("image", "image/jpeg", "jpg")
PNG = Type("image", "image/png", "png")
WEBP = Type("image", "image/webp", "webp")
MP4 = Type("video", "video/mp4", "mp4")
WEBM = Type("video", "video/webm", "webm")
TYPES = (JPEG, PNG, WEBP, MP4, WEBM)

# The brands an MP4's `ftyp` box names for video a phone or an editor writes. Others
# share the container and are no MP4 video: QuickTime (`qt  `), HEIF and AVIF pictures
# (`heic`, `mif1`, `avif`), audio alone (`M4A `).
MP4_BRANDS = frozenset(
    b"isom iso2 iso3 iso4 iso5 iso6 iso7 iso8 iso9 mp41 mp42 mp71 avc1 dash mmp4 msnv "
    b"3gp4 3gp5 3gp6".split()
) | {b"M4V "}
_EBML, _DOC_TYPE, _SEGMENT, _TRACKS = 0x1A45DFA3, 0x4282, 0x18538067, 0x1654AE6B


class Unreadable(ValueError):
    """Bytes that are not the picture or video they seem to be; the message says why."""


def sniff(stream: IO[bytes]) -> Type | None:
    """The type of the file in ``stream`` (read from its start, then put back there)."""
    stream.seek(0)
    head = stream.read(32)
    stream.seek(0)
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp":
        return MP4 if _mp4_brand(head) else None
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return WEBM
    return None


def _mp4_brand(head: bytes) -> bool:
    size = struct.unpack(">I", head[:4])[0]
    brands = [head[8:12]] + [head[i : i + 4] for i in range(16, min(size, len(head)) - 3, 4)]
    return any(brand in MP4_BRANDS for brand in brands)


def check_video(stream: IO[bytes], size: int, kind: Type) -> None:
    """Walk the video's container to its end; Unreadable when it does not hold."""
    try:
        if kind is MP4:
            _walk_mp4(stream, size)
        else:
            _walk_webm(stream, size)
    except struct.error as error:
        raise Unreadable("The video ends in the middle of a part: it is cut short.") from error
    finally:
        stream.seek(0)


def _exactly(stream: IO[bytes], count: int) -> bytes:
    data = stream.read(count)
    if len(data) != count:
        raise Unreadable("The video ends in the middle of a part: it is cut short.")
    return data


def _walk_mp4(stream: IO[bytes], size: int) -> None:
    position, seen = 0, set[bytes]()
    while position < size:
        if len(seen) > MAX_PARTS:
            raise Unreadable("The video has more parts than any recording.")
        stream.seek(position)
        length, box = struct.unpack(">I4s", _exactly(stream, 8))
        header = 8
        if length == 1:
            length, header = struct.unpack(">Q", _exactly(stream, 8))[0], 16
        elif length == 0:  # the last box runs to the end of the file
            length = size - position
        if not all(32 <= byte < 127 for byte in box) or length < header:
            raise Unreadable("The file is not an MP4 video: a part of it is not an MP4 box.")
        if position + length > size:
            raise Unreadable("The video ends before its last part does: it is cut short.")
        if position == 0 and box != b"ftyp":
            raise Unreadable("The file is not an MP4 video.")
        seen.add(box)
        position += length
    if b"moov" not in seen:
        raise Unreadable("The MP4 file has no movie header (moov): it holds no playable video.")
    if b"mdat" not in seen:
        # A file cut where its media data began is whole box by box, and holds nothing.
        raise Unreadable("The MP4 file has no media data (mdat): it is cut short or empty.")


def _vint(stream: IO[bytes], keep_marker: bool = False) -> tuple[int, int, bool]:
    """An EBML variable-length integer: (value, its length, whether it is all ones,
    which marks an unknown size)."""
    first = _exactly(stream, 1)[0]
    if first == 0:
        raise Unreadable("The file is not a WebM video: it holds an invalid EBML number.")
    length = 9 - first.bit_length()
    value = first if keep_marker else first & (0xFF >> length)
    for byte in _exactly(stream, length - 1):
        value = (value << 8) | byte
    unknown = not keep_marker and value == (1 << (7 * length)) - 1
    return value, length, unknown


def _element(stream: IO[bytes]) -> tuple[int, int, bool, int]:
    """(id, size, unknown size, header length) of the element at the stream's place."""
    element, id_length, _ = _vint(stream, keep_marker=True)
    size, size_length, unknown = _vint(stream)
    return element, size, unknown, id_length + size_length


def _walk_webm(stream: IO[bytes], size: int) -> None:
    stream.seek(0)
    element, length, unknown, header = _element(stream)
    if element != _EBML or unknown or length > MAX_EBML_HEADER:
        raise Unreadable("The file is not a WebM video: its EBML header is not readable.")
    if header + length > size:
        raise Unreadable("The video ends inside its header: it is cut short.")
    if _doc_type(stream, length) != b"webm":
        raise Unreadable("The file is an EBML document but not a WebM video.")
    position = header + length
    stream.seek(position)
    element, length, unknown, header = _element(stream)
    if element != _SEGMENT:
        raise Unreadable("The WebM file has no segment: it holds no video.")
    start = position + header
    end = size if unknown else start + length
    if end > size:
        raise Unreadable("The video ends before its segment does: it is cut short.")
    if end != size:
        raise Unreadable("The file holds more than its WebM video.")
    position, parts, tracks = start, 0, False
    while position < end:
        parts += 1
        if parts > MAX_PARTS:
            raise Unreadable("The video has more parts than any recording.")
        stream.seek(position)
        element, length, unknown, header = _element(stream)
        tracks = tracks or element == _TRACKS
        if unknown:
            # A live recording (a browser's MediaRecorder) leaves its clusters' sizes
            # unknown: the rest is read by the player, up to the end of the file.
            break
        if position + header + length > end:
            raise Unreadable("The video ends before its last part does: it is cut short.")
        position += header + length
    if not tracks:
        raise Unreadable("The WebM file describes no tracks: it holds no playable video.")


def _doc_type(stream: IO[bytes], length: int) -> bytes | None:
    end = stream.tell() + length
    while stream.tell() < end:
        element, size, unknown, _ = _element(stream)
        if unknown or stream.tell() + size > end:
            return None
        value = _exactly(stream, size)
        if element == _DOC_TYPE:
            return value.rstrip(b"\x00")
    return None
