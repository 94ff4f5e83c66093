"""The exercise catalogue: search, academy exercises, and loading the global data file."""

import re
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from flask import current_app
from marshmallow import ValidationError
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage

from academy.common.auth import Actor
from academy.common.search import matching
from academy.common.tenancy import get_with_shared, with_shared
from academy.common.time import utcnow
from academy.errors import Conflict, Forbidden, NotFound, Unprocessable
from academy.exercises.models import (
    DOSAGE_FIELDS,
    Exercise,
    ExerciseFinding,
    ExerciseMedia,
    ExerciseRegion,
)
from academy.exercises.schemas import ExerciseCreateSchema
from academy.exercises.typing import complete_loads, impact_below_name
from academy.extensions import db
from academy.files import uploads
from academy.files.storage import remove_after_commit
from academy.vocabularies import STAGES

CATALOGUE_FILE = Path(__file__).with_name("catalogue.yaml")

# What a page of exercises needs, loaded in one statement per list.
LIST_OPTIONS = (
    selectinload(Exercise.region_rows),
    selectinload(Exercise.finding_rows),
    selectinload(Exercise.easier_rows),
    selectinload(Exercise.harder_rows),
)


# At most this many pictures and videos on one exercise.
MAX_MEDIA = 20


def list_options(actor: Actor) -> tuple:
    """What a page of exercises needs as the actor reads it: ``LIST_OPTIONS`` and the
    media of the actor's academy, one statement more."""
    mine = Exercise.media.and_(ExerciseMedia.academy_id == actor.academy_id)
    return (*LIST_OPTIONS, selectinload(mine))


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:120] or "exercise"


def list_exercises(
    actor: Actor,
    q: str | None = None,
    category=None,
    region=None,
    addresses=None,
    laterality=None,
    stage=None,
    impact=None,
    include_archived: bool = False,
    sort: str = "name",
) -> sa.Select:
    stmt = with_shared(Exercise, actor).options(*list_options(actor))
    if not include_archived:
        stmt = stmt.where(Exercise.archived_at.is_(None))
    if (found := matching(Exercise.search_text, q)) is not None:
        stmt = stmt.where(found)
    for column, words in (
        (Exercise.category, category),
        (Exercise.laterality, laterality),
        (Exercise.stage, stage),
        (Exercise.impact, impact),
    ):
        if words:
            stmt = stmt.where(column.in_(words))
    if region:
        stmt = stmt.where(
            sa.exists().where(
                ExerciseRegion.exercise_id == Exercise.id, ExerciseRegion.region.in_(region)
            )
        )
    if addresses:
        stmt = stmt.where(
            sa.exists().where(
                ExerciseFinding.exercise_id == Exercise.id, ExerciseFinding.finding.in_(addresses)
            )
        )
    name = sa.func.lower(Exercise.name)
    order = [name, Exercise.id]
    if sort.lstrip("-") == "stage":
        # The method's order of stages, not the alphabet's.
        order.insert(0, sa.case({stage: n for n, stage in enumerate(STAGES)}, value=Exercise.stage))
    if sort.startswith("-"):
        order = [column.desc() for column in order]
    return stmt.order_by(*order)


def get_exercise(actor: Actor, exercise_id: int) -> Exercise:
    """An exercise with its ``variations`` visible to the actor, in two statements."""
    exercise = get_with_shared(Exercise, exercise_id, actor, *list_options(actor), what="exercise")
    exercise.variations = db.session.scalars(
        with_shared(Exercise, actor)
        .where(Exercise.variation_of_id == exercise.id, Exercise.archived_at.is_(None))
        .order_by(Exercise.name, Exercise.id)
    ).all()
    return exercise


def _own(actor: Actor, exercise_id: int) -> Exercise:
    exercise = get_with_shared(Exercise, exercise_id, actor, *LIST_OPTIONS, what="exercise")
    if exercise.is_global:
        raise Forbidden("Exercises of the global catalogue are read-only; copy one instead.")
    return exercise


def _check_variation_target(actor: Actor, exercise: Exercise, target_id: int | None) -> None:
    if target_id is None:
        return
    target = db.session.scalar(with_shared(Exercise, actor).where(Exercise.id == target_id))
    problem = None
    if target is None:
        problem = "No such exercise in the catalogue."
    elif target.id == exercise.id:
        problem = "An exercise cannot be a variation of itself."
    elif target.variation_of_id is not None:
        problem = "Name the parent exercise, not one of its variations."
    if problem:
        raise Unprocessable("The exercise is not valid.", errors={"variation_of": [problem]})


def _ensure_slug_free(actor: Actor, slug: str, except_id: int | None = None) -> None:
    stmt = with_shared(Exercise, actor, Exercise.id).where(Exercise.slug == slug)
    if except_id is not None:
        stmt = stmt.where(Exercise.id != except_id)
    if db.session.scalar(stmt.limit(1)) is not None:
        raise Conflict(
            "An exercise with that slug already exists.",
            errors={"slug": ["Already used in your catalogue."]},
        )


def _rungs(actor: Actor | None, exercise: Exercise, data: dict) -> dict[str, list[Exercise]]:
    """The exercises named in ``easier`` and ``harder``, each visible to the actor (the
    global catalogue when loading it) and none the exercise itself."""
    named = {key: list(dict.fromkeys(data[key])) for key in ("easier", "harder") if key in data}
    wanted = {i for ids in named.values() for i in ids}
    if not wanted:
        return {key: [] for key in named}
    stmt = (
        with_shared(Exercise, actor)
        if actor
        else sa.select(Exercise).where(Exercise.academy_id.is_(None))
    )
    found = {e.id: e for e in db.session.scalars(stmt.where(Exercise.id.in_(wanted)))}
    errors: dict[str, list[str]] = {}
    for key, ids in named.items():
        for i in ids:
            if i not in found or i == exercise.id:
                errors.setdefault(key, []).append(
                    f"Exercise {i} is not another exercise of your catalogue."
                )
    if errors:
        raise Unprocessable("The exercise is not valid.", errors=errors)
    return {key: [found[i] for i in ids] for key, ids in named.items()}


def _check_impact(exercise: Exercise, data: dict) -> None:
    """An exercise's impact is never below what its name says, as it will be stored (a
    new exercise without an impact gets one from its name when it is stored)."""
    impact = data.get("impact", exercise.impact)
    if impact is None:
        return
    if problem := impact_below_name(data.get("name", exercise.name), impact):
        raise Unprocessable("The exercise is not valid.", errors={"impact": [problem]})


def _apply(exercise: Exercise, data: dict, rungs: dict | None = None) -> None:
    simple = (
        "name", "slug", "aliases", "summary", "cues", "category", "stage", "laterality",
        "side_bias", "equipment", "video_url", "precautions", "progress_when", "bias_means",
        "impact", "spine", "pressure",
    )  # fmt: skip
    for field in simple:
        if field in data:
            setattr(exercise, field, data[field])
    for field in DOSAGE_FIELDS:
        if field in data.get("dosage", {}):
            setattr(exercise, field, data["dosage"][field])
    if "variation_of" in data:
        exercise.variation_of_id = data["variation_of"]
    if "regions" in data and data["regions"] != exercise.regions:
        exercise.region_rows = [
            ExerciseRegion(region=r, position=i)
            for i, r in enumerate(dict.fromkeys(data["regions"]))
        ]
    if "addresses" in data and data["addresses"] != exercise.addresses:
        exercise.finding_rows = [
            ExerciseFinding(finding=f, position=i)
            for i, f in enumerate(dict.fromkeys(data["addresses"]))
        ]
    if "loads" in data or "regions" in data:
        # Every region it works is loaded: one that ``loads`` leaves out, at moderate.
        loads = complete_loads(data.get("loads", exercise.loads), exercise.regions)
        if loads != exercise.loads:
            exercise.loads = loads
    if exercise.laterality != "asymmetric":
        exercise.side_bias = None
    for key, exercises in (rungs or {}).items():
        rows = exercise.easier_rows if key == "easier" else exercise.harder_rows
        # Steps are read in name order, whatever order they were written in.
        if {e.id for e in rows} != {e.id for e in exercises}:
            rows[:] = exercises


def create_exercise(actor: Actor, data: dict) -> Exercise:
    exercise = Exercise(
        academy_id=actor.academy_id, aliases=[], cues=[], equipment=[], precautions=[]
    )
    data = {**data, "slug": data.get("slug") or slugify(data["name"])}
    _ensure_slug_free(actor, data["slug"])
    _check_variation_target(actor, exercise, data.get("variation_of"))
    _check_impact(exercise, data)
    _apply(exercise, data, _rungs(actor, exercise, data))
    db.session.add(exercise)
    db.session.flush()
    return get_exercise(actor, exercise.id)


def update_exercise(actor: Actor, exercise_id: int, data: dict) -> Exercise:
    exercise = _own(actor, exercise_id)
    if "slug" in data:
        _ensure_slug_free(actor, data["slug"], except_id=exercise.id)
    if "variation_of" in data:
        _check_variation_target(actor, exercise, data["variation_of"])
    _check_impact(exercise, data)
    _apply(exercise, data, _rungs(actor, exercise, data))
    db.session.flush()
    return get_exercise(actor, exercise.id)


def archive_exercise(actor: Actor, exercise_id: int) -> None:
    """Archive: hidden from lists and new programs; programs that use it keep working."""
    exercise = _own(actor, exercise_id)
    if exercise.archived_at is None:
        exercise.archived_at = utcnow()
    db.session.flush()


# --- media ---------------------------------------------------------------------------


def _media_limits() -> dict[str, int]:
    config = current_app.config
    return {"image": config["MEDIA_IMAGE_MAX_BYTES"], "video": config["MEDIA_VIDEO_MAX_BYTES"]}


def list_media(actor: Actor, exercise_id: int) -> sa.Select:
    """The pictures and videos the actor's academy keeps of an exercise it sees."""
    get_with_shared(Exercise, exercise_id, actor, what="exercise")
    return (
        sa.select(ExerciseMedia)
        .where(
            ExerciseMedia.exercise_id == exercise_id,
            ExerciseMedia.academy_id == actor.academy_id,
        )
        .order_by(ExerciseMedia.id)
    )


def get_media(actor: Actor, exercise_id: int, media_id: int) -> ExerciseMedia:
    media = db.session.scalar(list_media(actor, exercise_id).where(ExerciseMedia.id == media_id))
    if media is None:
        raise NotFound(f"No media {media_id} of exercise {exercise_id} in your academy.")
    return media


def add_media(actor: Actor, exercise_id: int, data: dict) -> ExerciseMedia:
    """A picture or video added to one of the academy's own exercises (the global
    catalogue is read-only)."""
    exercise = _own(actor, exercise_id)
    return keep_media(actor.academy_id, exercise, data["file"], data["kind"], data["caption"])


def keep_media(
    academy_id: int, exercise: Exercise, file: FileStorage, kind: str, caption: str = ""
) -> ExerciseMedia:
    """An academy's picture or video of an exercise: its type read from its bytes, a
    picture cleaned of metadata and given a thumbnail, kept in the file storage with
    the row (both or neither)."""
    held = (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                ExerciseMedia.exercise_id == exercise.id, ExerciseMedia.academy_id == academy_id
            )
        )
        or 0
    )
    if held >= MAX_MEDIA:
        raise Conflict(f"An exercise holds at most {MAX_MEDIA} pictures and videos.")
    upload = uploads.receive(file, _media_limits(), kind, current_app.config["MEDIA_MAX_PIXELS"])
    key, thumbnail_key = uploads.store(
        db.session(), f"exercises/{academy_id}/{exercise.id}", upload
    )
    media = ExerciseMedia(
        academy_id=academy_id,
        exercise_id=exercise.id,
        kind=upload.type.kind,
        caption=caption.strip(),
        content_type=upload.type.content_type,
        bytes=upload.size,
        file_key=key,
        thumbnail_key=thumbnail_key,
    )
    db.session.add(media)
    db.session.flush()
    return media


def delete_media(actor: Actor, exercise_id: int, media_id: int) -> None:
    """The row goes, and its files once that is committed."""
    _own(actor, exercise_id)
    media = get_media(actor, exercise_id, media_id)
    for key in (media.file_key, media.thumbnail_key):
        if key is not None:
            remove_after_commit(db.session(), key)
    db.session.delete(media)
    db.session.flush()


def read_catalogue(path: Path = CATALOGUE_FILE) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_catalogue(entries: list[dict]) -> dict[str, int]:
    """Bring the global catalogue in line with ``entries``, matched by slug.

    New slugs are added, changed entries updated in place (their ids, and so every
    program that uses them, stay), and global exercises missing from the file are
    archived. Running it again with the same entries changes nothing.
    """
    schema = ExerciseCreateSchema()
    loaded = []
    harder_of = {}  # slug -> the slugs one step up its ladder
    for entry in entries:
        loaded.append((_catalogue_entry(schema, entry), entry.get("variation_of")))
        harder_of[entry["slug"]] = entry.get("harder") or []
    existing = {
        e.slug: e
        for e in db.session.scalars(
            sa.select(Exercise).where(Exercise.academy_id.is_(None)).options(*LIST_OPTIONS)
        )
    }
    counts = dict.fromkeys(("created", "updated", "unchanged", "archived"), 0)
    new = {data["slug"] for data, _ in loaded} - existing.keys()
    for data, _ in loaded:
        if data["slug"] in new:
            existing[data["slug"]] = Exercise(
                academy_id=None, aliases=[], cues=[], equipment=[], precautions=[]
            )
            _apply(existing[data["slug"]], data)
            db.session.add(existing[data["slug"]])
    db.session.flush()  # new parents get their ids
    for data, parent in loaded:
        exercise = existing[data["slug"]]
        before = _snapshot(exercise)
        harder = [existing[slug] for slug in harder_of[data["slug"]]]
        _apply(
            exercise,
            {**data, "variation_of": existing[parent].id if parent else None},
            {"harder": harder},
        )
        if exercise.archived_at is not None:
            exercise.archived_at = None
        if data["slug"] in new:
            counts["created"] += 1
        else:
            counts["updated" if _snapshot(exercise) != before else "unchanged"] += 1
    listed = {data["slug"] for data, _ in loaded}
    for slug, exercise in existing.items():
        if slug not in listed and exercise.archived_at is None:
            exercise.archived_at = utcnow()
            counts["archived"] += 1
    db.session.flush()
    return counts


# What every entry of the global catalogue states: the safety rules read it, so no
# global exercise is typed by the defaults a coach's own exercise gets.
CATALOGUE_TYPING = ("impact", "loads", "spine", "pressure")


def _catalogue_entry(schema: ExerciseCreateSchema, entry: dict) -> dict:
    """An entry of the catalogue file as the API would take it, refused (ValidationError,
    under its slug) unless it is valid and typed in full."""
    fields = {k: v for k, v in entry.items() if k not in ("variation_of", "harder")}
    errors: dict[str, Any] = {
        key: ["Every catalogue entry states it."] for key in CATALOGUE_TYPING if key not in fields
    }
    try:
        data = schema.load(fields)
    except ValidationError as error:
        errors = {**error.normalized_messages(), **errors}
    else:
        if not errors and (problem := impact_below_name(data["name"], data["impact"])):
            errors["impact"] = [problem]
    if errors:
        raise ValidationError({entry.get("slug", "?"): errors})
    return data


def _snapshot(exercise: Exercise) -> tuple:
    return (
        exercise.name, exercise.summary, tuple(exercise.aliases or ()),
        tuple(exercise.cues or ()), exercise.category, exercise.stage, exercise.laterality,
        exercise.side_bias, tuple(exercise.equipment or ()), exercise.video_url,
        tuple(exercise.dosage.values()), tuple(exercise.regions), tuple(exercise.addresses),
        exercise.variation_of_id, exercise.archived_at, tuple(exercise.precautions or ()),
        exercise.progress_when, exercise.bias_means, tuple(e.id for e in exercise.harder_rows),
        exercise.impact, exercise.loads, exercise.spine, exercise.pressure,
    )  # fmt: skip
