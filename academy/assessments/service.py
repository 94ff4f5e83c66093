"""Posture assessments: recording, the client's view, and comparing two of them."""

from datetime import date

import sqlalchemy as sa

from academy.assessments import suggestions
from academy.assessments.models import Assessment
from academy.clients.models import Client
from academy.common.auth import Actor
from academy.common.etag import check_version
from academy.common.tenancy import get_scoped, scoped
from academy.common.time import local_today, utcnow
from academy.errors import NotFound, Unprocessable
from academy.extensions import db
from academy.programs.service import create_program
from academy.vocabularies import RIB_FLARE

_SIMPLE = (
    "assessed_on", "rib_flare", "breathing_pattern", "glute_gripping", "findings", "notes",
    "client_summary", "shared_with_client",
)  # fmt: skip


def _apply(assessment: Assessment, data: dict) -> None:
    for field in _SIMPLE:
        if field in data:
            setattr(assessment, field, data[field])
    if "findings" in data:
        assessment.findings = list(dict.fromkeys(data["findings"]))
    if "tightness" in data:
        assessment.tightness = [dict(t) for t in data["tightness"]]
    if "pain" in data:
        assessment.pain = [dict(p) for p in data["pain"]]
    if "symptoms" in data:
        assessment.symptoms = list(data["symptoms"])
    if "injuries" in data:
        assessment.injuries = [{**i, "on": i["on"].isoformat()} for i in data["injuries"]]
    for side in ("left", "right"):
        tilt = data.get("pelvic_tilt", {}).get(side, {})
        for part in ("direction", "grade"):
            if part in tilt:
                setattr(assessment, f"tilt_{side}_{part}", tilt[part])
    gait = data.get("gait", {})
    for part in ("cadence_spm", "overstride", "hip_drop", "notes"):
        if part in gait:
            setattr(assessment, f"gait_{part}", gait[part])


def _check_dates(assessment: Assessment, client: Client) -> None:
    """An injury falls on or before the assessment (and today), and not before the
    client was born."""
    errors = {}
    latest = min(assessment.assessed_on, local_today(client.timezone))
    for n, injury in enumerate(assessment.injuries or []):
        on = date.fromisoformat(injury["on"])
        if on > latest:
            errors[f"injuries[{n}].on"] = ["Must not be after the assessment or in the future."]
        elif client.birth_date is not None and on < client.birth_date:
            errors[f"injuries[{n}].on"] = ["Must not be before the client's birth date."]
    if errors:
        raise Unprocessable("The assessment is not valid.", errors=errors)


def create_assessment(actor: Actor, client_id: int, data: dict) -> Assessment:
    client = get_scoped(Client, client_id, actor, what="client")
    assessment = Assessment(
        academy_id=actor.academy_id,
        client_id=client.id,
        findings=[],
        tightness=[],
        pain=[],
        symptoms=[],
        injuries=[],
        notes="",
        client_summary="",
        gait_notes="",
        shared_with_client=False,
    )
    _apply(assessment, data)
    _check_dates(assessment, client)
    db.session.add(assessment)
    db.session.flush()
    return assessment


def list_assessments(actor: Actor, client_id: int) -> sa.Select:
    get_scoped(Client, client_id, actor, what="client")
    return (
        scoped(Assessment, actor)
        .where(Assessment.client_id == client_id, Assessment.archived_at.is_(None))
        .order_by(Assessment.assessed_on.desc(), Assessment.id.desc())
    )


def my_assessments(actor: Actor) -> sa.Select:
    """The calling client's assessments that their coach chose to share."""
    return (
        scoped(Assessment, actor)
        .where(Assessment.shared_with_client.is_(True), Assessment.archived_at.is_(None))
        .order_by(Assessment.assessed_on.desc(), Assessment.id.desc())
    )


def get_assessment(actor: Actor, assessment_id: int) -> Assessment:
    assessment = get_scoped(Assessment, assessment_id, actor, what="assessment")
    if assessment.archived_at is not None:
        raise NotFound(f"No assessment {assessment_id} in your academy.")
    return assessment


def update_assessment(actor: Actor, assessment_id: int, expected_version, data: dict):
    assessment = get_assessment(actor, assessment_id)
    check_version(assessment, expected_version)
    _apply(assessment, data)
    if "injuries" in data or "assessed_on" in data:
        _check_dates(assessment, db.session.get_one(Client, assessment.client_id))
    assessment.updated_at = utcnow()
    db.session.flush()
    return assessment


def archive_assessment(actor: Actor, assessment_id: int, expected_version) -> None:
    assessment = get_assessment(actor, assessment_id)
    check_version(assessment, expected_version)
    assessment.archived_at = utcnow()
    db.session.flush()


# --- comparing ----------------------------------------------------------------------------

# An unrecorded value (None) has no rank: it compares as unchanged.
_RIB_FLARE_ORDER: dict[str | None, int] = {word: rank for rank, word in enumerate(RIB_FLARE)}
# Diaphragmatic breathing is the aim; vertical is furthest from it.
_BREATHING_ORDER: dict[str | None, int] = {"diaphragmatic": 0, "mixed": 1, "vertical": 2}
# No hip drop is the aim; dropping on both sides is furthest from it.
_HIP_DROP_ORDER: dict[str | None, int] = {"none": 0, "left": 1, "right": 1, "both": 2}


def _tilt_score(direction: str | None, grade: int | None) -> int | None:
    """Distance from neutral: a neutral pelvis scores 0 whatever grade was noted."""
    if direction is None and grade is None:
        return None
    return 0 if direction == "neutral" else (grade or 0)


def _verdict(before, after, *, lower_is_better: bool = True) -> str:
    if before is None or after is None or before == after:
        return "unchanged"
    better = after < before if lower_is_better else after > before
    return "improved" if better else "worse"


def compare(
    actor: Actor,
    client_id: int,
    start: date | None = None,
    end: date | None = None,
    from_id: int | None = None,
    to_id: int | None = None,
) -> dict:
    """Field by field, what changed between two of a client's assessments.

    ``to_id`` and ``from_id`` name them; otherwise ``to`` picks the latest assessment on
    or before it (default: the latest) and ``from`` the earliest on or after it
    (default: the one just before the later one).
    """
    stmt = list_assessments(actor, client_id)
    named = {}
    for name, wanted in (("from_id", from_id), ("to_id", to_id)):
        if wanted is not None:
            named[name] = db.session.scalar(stmt.where(Assessment.id == wanted))
            if named[name] is None:
                raise Unprocessable(
                    "The comparison is not valid.",
                    errors={f"query.{name}": [f"No assessment {wanted} of this client."]},
                )
    if named.get("to_id") is not None:
        end = None
        stmt = stmt.where(
            sa.tuple_(Assessment.assessed_on, Assessment.id)
            <= (named["to_id"].assessed_on, named["to_id"].id)
        )
    if named.get("from_id") is not None and named.get("to_id") is not None:
        earlier, later = named["from_id"], named["to_id"]
        return _comparison(earlier, later)
    if end:
        stmt = stmt.where(Assessment.assessed_on <= end)
    if start:
        stmt = stmt.where(Assessment.assessed_on >= start)
    later = db.session.scalar(stmt.limit(1))
    if named.get("from_id") is not None:
        earlier = named["from_id"]
    else:
        others = stmt.where(Assessment.id != later.id) if later else None
        if others is not None and start:
            others = others.order_by(None).order_by(Assessment.assessed_on, Assessment.id)
        earlier = db.session.scalar(others.limit(1)) if others is not None else None
    if earlier is None or later is None or earlier.id == later.id:
        raise NotFound("Comparing needs two of the client's assessments in the range.")
    return _comparison(earlier, later)


def _comparison(earlier: Assessment, later: Assessment) -> dict:
    return {
        "from_": {"id": earlier.id, "assessed_on": earlier.assessed_on},
        "to": {"id": later.id, "assessed_on": later.assessed_on},
        "changes": _changes(earlier, later),
    }


def _changes(a: Assessment, b: Assessment) -> list[dict]:
    changes = []

    def add(field, before, after, verdict):
        changes.append({"field": field, "before": before, "after": after, "change": verdict})

    for side in ("left", "right"):
        for part in ("direction", "grade"):
            field = f"pelvic_tilt.{side}.{part}"
            before = getattr(a, f"tilt_{side}_{part}")
            after = getattr(b, f"tilt_{side}_{part}")
            verdict = _verdict(
                _tilt_score(a.pelvic_tilt[side]["direction"], a.pelvic_tilt[side]["grade"]),
                _tilt_score(b.pelvic_tilt[side]["direction"], b.pelvic_tilt[side]["grade"]),
            )
            add(field, before, after, verdict if before != after else "unchanged")
    add(
        "rib_flare",
        a.rib_flare,
        b.rib_flare,
        _verdict(_RIB_FLARE_ORDER.get(a.rib_flare), _RIB_FLARE_ORDER.get(b.rib_flare)),
    )
    add(
        "breathing_pattern",
        a.breathing_pattern,
        b.breathing_pattern,
        _verdict(
            _BREATHING_ORDER.get(a.breathing_pattern), _BREATHING_ORDER.get(b.breathing_pattern)
        ),
    )
    add(
        "glute_gripping",
        a.glute_gripping,
        b.glute_gripping,
        _verdict(a.glute_gripping, b.glute_gripping),
    )
    add(
        "gait.overstride",
        a.gait_overstride,
        b.gait_overstride,
        _verdict(a.gait_overstride, b.gait_overstride),
    )
    add(
        "gait.hip_drop",
        a.gait_hip_drop,
        b.gait_hip_drop,
        _verdict(_HIP_DROP_ORDER.get(a.gait_hip_drop), _HIP_DROP_ORDER.get(b.gait_hip_drop)),
    )
    add("gait.cadence_spm", a.gait_cadence_spm, b.gait_cadence_spm,
        _verdict(a.gait_cadence_spm, b.gait_cadence_spm, lower_is_better=False))  # fmt: skip
    for finding in sorted(set(a.findings) | set(b.findings)):
        had, has = finding in a.findings, finding in b.findings
        add(f"findings.{finding}", had, has, _verdict(had, has))
    severities_a = {(t["region"], t["side"]): t["severity"] for t in a.tightness}
    severities_b = {(t["region"], t["side"]): t["severity"] for t in b.tightness}
    for region, side in sorted(set(severities_a) | set(severities_b)):
        before = severities_a.get((region, side), 0)
        after = severities_b.get((region, side), 0)
        add(f"tightness.{region}.{side}", before, after, _verdict(before, after))
    scores_a = {(p["region"], p["side"]): p["score"] for p in a.pain or []}
    scores_b = {(p["region"], p["side"]): p["score"] for p in b.pain or []}
    for region, side in sorted(set(scores_a) | set(scores_b)):
        before = scores_a.get((region, side), 0)
        after = scores_b.get((region, side), 0)
        add(f"pain.{region}.{side}", before, after, _verdict(before, after))
    worse_a = {(p["region"], p["side"]): p.get("aggravated_by") or [] for p in a.pain or []}
    worse_b = {(p["region"], p["side"]): p.get("aggravated_by") or [] for p in b.pain or []}
    for region, side in sorted(set(worse_a) | set(worse_b)):
        before, after = worse_a.get((region, side), []), worse_b.get((region, side), [])
        if before or after:
            moved = set(before) != set(after)
            verdict = _verdict(len(before), len(after)) if moved else "unchanged"
            add(f"pain.{region}.{side}.aggravated_by", before, after, verdict)
    for symptom in sorted(set(a.symptoms or []) | set(b.symptoms or [])):
        had, has = symptom in (a.symptoms or []), symptom in (b.symptoms or [])
        add(f"symptoms.{symptom}", had, has, _verdict(had, has))
    injured_a = {_injury_key(i): i["on"] for i in a.injuries or []}
    injured_b = {_injury_key(i): i["on"] for i in b.injuries or []}
    for key in sorted(set(injured_a) | set(injured_b)):
        before, after = injured_a.get(key), injured_b.get(key)
        # A new injury (or a new one of the same kind) is worse; one no longer listed healed.
        verdict = "unchanged" if before == after else "improved" if not after else "worse"
        add(f"injuries.{key}", before, after, verdict)
    return changes


def _injury_key(injury: dict) -> str:
    return f"{injury['region']}.{injury['side']}.{injury['kind']}"


def draft_program(actor: Actor, assessment_id: int, weeks: int = 4, sessions_per_week: int = 3):
    """A new program template built from the assessment's suggestions, and what the coach
    must know beside it (``{refer, advice, held_back}``)."""
    assessment = get_assessment(actor, assessment_id)
    document, beside = suggestions.draft_program(actor, assessment, weeks, sessions_per_week)
    return create_program(actor, document), beside
