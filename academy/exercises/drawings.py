"""Stick figures of the method's signature exercises, drawn by Academy with Pillow: the
demo academy's pictures of them (no picture is taken from elsewhere).

Each pose is a figure seen from the side, joints placed on a 640 x 400 canvas, with the
floor, a wall or box where the exercise uses one, and an arrow for the movement.
"""

import io
import math
from typing import Any

from PIL import Image, ImageDraw, ImageFont

SIZE = (640, 400)
FLOOR = 330
INK, BODY, CUE, PAPER = (40, 40, 40), (30, 80, 150), (200, 70, 40), (250, 248, 242)
# The figure's segments, joint to joint.
BONES = (
    ("neck", "hips"), ("neck", "shoulder"), ("shoulder", "elbow"), ("elbow", "hand"),
    ("hips", "knee"), ("knee", "foot"), ("hips", "knee2"), ("knee2", "foot2"),
)  # fmt: skip

POSES: dict[str, dict[str, Any]] = {
    "all-4s-pelvic-tucks": {
        "title": "All 4s Pelvic Tucks",
        "joints": {
            "head": (168, 205),
            "neck": (200, 228),
            "shoulder": (200, 228),
            "elbow": (202, 280),
            "hand": (204, 330),
            "hips": (420, 232),
            "knee": (420, 330),
            "foot": (545, 330),
            "knee2": (410, 330),
            "foot2": (535, 330),
        },
        "arrow": ((470, 170), (420, 232), 70, -60, 60),
        "cue": "Tip the pelvis through its whole range",
    },
    "90-90-breathing": {
        "title": "90-90 Breathing",
        "joints": {
            "head": (112, 305),
            "neck": (145, 318),
            "shoulder": (150, 318),
            "elbow": (210, 324),
            "hand": (262, 326),
            "hips": (330, 318),
            "knee": (330, 218),
            "foot": (440, 218),
            "knee2": (338, 222),
            "foot2": (440, 226),
        },
        "wall": True,
        "arrow": ((240, 270), (240, 300), 0, 0, 0),
        "cue": "Heels down the wall, breathe all the way out",
    },
    "90-90-breathing-left-bias": {
        "title": "90-90 Breathing, left bias",
        "joints": {
            "head": (112, 305),
            "neck": (145, 318),
            "shoulder": (150, 318),
            "elbow": (110, 270),
            "hand": (72, 232),
            "hips": (330, 318),
            "knee": (330, 218),
            "foot": (440, 218),
            "knee2": (338, 222),
            "foot2": (440, 226),
        },
        "wall": True,
        "arrow": ((430, 190), (430, 214), 0, 0, 0),
        "cue": "Press through the left heel, reach the right arm",
    },
    "bridge-with-hip-flexor-pulls": {
        "title": "Bridge with Hip Flexor Pulls",
        "joints": {
            "head": (118, 312),
            "neck": (150, 322),
            "shoulder": (155, 322),
            "elbow": (215, 326),
            "hand": (270, 328),
            "hips": (320, 255),
            "knee": (425, 245),
            "foot": (450, 330),
            "knee2": (300, 170),
            "foot2": (372, 168),
        },
        "arrow": ((330, 130), (300, 168), 55, 200, 320),
        "cue": "Hold the bridge with the hamstrings, draw one knee in",
    },
}


def _arrow(draw: ImageDraw.ImageDraw, start, end) -> None:
    draw.line((start, end), fill=CUE, width=5)
    angle = math.atan2(end[1] - start[1], end[0] - start[0])
    for side in (-0.5, 0.5):
        tip = (end[0] - 16 * math.cos(angle + side), end[1] - 16 * math.sin(angle + side))
        draw.line((end, tip), fill=CUE, width=5)


def draw(slug: str) -> bytes:
    """The PNG of the exercise with this slug (one of ``POSES``)."""
    pose = POSES[slug]
    image = Image.new("RGB", SIZE, PAPER)
    pen = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=26)
    small = ImageFont.load_default(size=18)
    pen.text((24, 20), pose["title"], fill=INK, font=font)
    pen.text((24, 58), pose["cue"], fill=CUE, font=small)
    pen.line(((20, FLOOR + 8), (620, FLOOR + 8)), fill=INK, width=3)
    if pose.get("wall"):
        pen.line(((452, 150), (452, FLOOR + 8)), fill=INK, width=6)
    joints = pose["joints"]
    for one, other in BONES:
        pen.line((joints[one], joints[other]), fill=BODY, width=9, joint="curve")
    for point in joints.values():
        pen.ellipse((point[0] - 5, point[1] - 5, point[0] + 5, point[1] + 5), fill=BODY)
    x, y = joints["head"]
    pen.ellipse((x - 24, y - 24, x + 24, y + 24), outline=BODY, width=8)
    start, end, radius, first, last = pose["arrow"]
    if radius:
        centre = joints["hips"]
        box = (centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius)
        pen.arc(box, first, last, fill=CUE, width=5)
    _arrow(pen, start, end)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
