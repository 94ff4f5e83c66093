"""Files of every kind Academy takes, made here: pictures drawn with Pillow (with EXIF
and a GPS position when asked), and MP4 and WebM containers whose parts follow one
another as a recorder writes them (their media data is filler: Academy reads the
container, never decodes the video)."""

import io
import struct

from PIL import Image, ImageDraw

# A GPS position in EXIF (the GPSInfo IFD), and what a phone writes beside it.
GPS_IFD = 0x8825
PLACE = {1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 39.0)}


def picture(kind: str = "JPEG", size=(640, 480), gps: bool = False, mode: str = "RGB") -> bytes:
    """A picture of ``size`` in format ``kind``; with ``gps``, EXIF holding a camera,
    a comment and where it was taken."""
    image = Image.new(mode, size, "white")
    draw = ImageDraw.Draw(image)
    draw.ellipse((10, 10, size[0] // 2, size[1] // 2), outline="black", width=4)
    options = {}
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        exif[0x0110] = "Model X"  # Model
        exif.get_ifd(GPS_IFD).update(PLACE)
        options["exif"] = exif.tobytes()
        if kind == "JPEG":
            options["comment"] = b"taken at home"
    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def mp4(media_bytes: int = 4096, brand: bytes = b"isom") -> bytes:
    """An MP4 file: `ftyp`, a movie header (`moov`) and ``media_bytes`` of media data."""
    ftyp = _box(b"ftyp", brand + b"\x00\x00\x02\x00" + b"isomiso2avc1mp41")
    moov = _box(b"moov", _box(b"mvhd", b"\x00" * 100))
    return ftyp + moov + _box(b"mdat", b"\x00" * media_bytes)


def mp4_head(media_bytes: int) -> bytes:
    """The start of an MP4 file whose media data, ``media_bytes`` of it, follows: for
    writing a large one in pieces."""
    ftyp = _box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2avc1mp41")
    moov = _box(b"moov", _box(b"mvhd", b"\x00" * 100))
    return ftyp + moov + struct.pack(">I4s", 8 + media_bytes, b"mdat")


def _size(value: int) -> bytes:
    return b"\x01" + value.to_bytes(7, "big")  # an 8-byte EBML size


def _element(element_id: bytes, payload: bytes) -> bytes:
    return element_id + _size(len(payload)) + payload


def webm(media_bytes: int = 4096, doc_type: bytes = b"webm", unknown_size: bool = False):
    """A WebM file: the EBML header, then a segment with its info, tracks and a cluster
    of ``media_bytes`` (a live recording's segment has an unknown size)."""
    header = _element(b"\x1a\x45\xdf\xa3", _element(b"\x42\x82", doc_type))
    info = _element(b"\x15\x49\xa9\x66", _element(b"\x2a\xd7\xb1", b"\x0f\x42\x40"))
    tracks = _element(b"\x16\x54\xae\x6b", _element(b"\xae", _element(b"\xd7", b"\x01")))
    cluster = _element(b"\x1f\x43\xb6\x75", b"\x00" * media_bytes)
    body = info + tracks + cluster
    if unknown_size:
        return header + b"\x18\x53\x80\x67" + b"\x01\xff\xff\xff\xff\xff\xff\xff" + body
    return header + _element(b"\x18\x53\x80\x67", body)
