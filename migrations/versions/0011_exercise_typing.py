"""Every exercise typed; the pelvic floor and what pain, symptoms and injuries show

Every exercise gains impact, loads by region, spine and pressure; the pelvic floor
becomes a category and a region, and the findings that an assessment's pain, symptoms
and injuries show join the findings.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 09:00:00.000000

"""

import itertools

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# The vocabularies as this revision found them, and the words it adds.
_CATEGORIES = (
    "pelvic_position", "breathing", "deep_core", "hip_flexors", "hamstrings", "glutes",
    "feet", "calves", "mobility", "running_drills", "plyometrics",
)  # fmt: skip
_NEW_CATEGORIES = ("pelvic_floor",)
_REGIONS = (
    "foot", "plantar_fascia", "ankle", "achilles", "calf", "shin", "knee", "quadriceps",
    "hamstrings", "proximal_hamstrings", "adductors", "hip_flexors", "glutes", "hip",
    "pelvis", "lower_back", "deep_core", "diaphragm", "ribs", "thoracic_spine", "shoulders",
    "neck",
)  # fmt: skip
_NEW_REGIONS = ("pelvic_floor",)
_FINDINGS = (
    "anterior_pelvic_tilt", "posterior_pelvic_tilt", "left_anterior_tilt_bias",
    "right_anterior_tilt_bias", "rib_flare", "vertical_breathing", "glute_gripping",
    "hip_flexor_tightness", "hip_flexor_weakness", "proximal_hamstring_weakness",
    "glute_medius_weakness", "deep_core_weakness", "limited_hip_extension",
    "limited_ankle_dorsiflexion", "calf_tightness", "plantar_fasciitis", "overstriding",
    "low_cadence",
)  # fmt: skip
_NEW_FINDINGS = (
    "pelvic_floor_symptoms", "ankle_instability", "extension_sensitive_back",
    "flexion_sensitive_back", "tendon_pain",
)  # fmt: skip

_IMPACT_LEVELS = ("none", "low", "moderate", "high")
_SPINE_POSITIONS = ("neutral", "extension", "flexion", "rotation")
_PRESSURE_LEVELS = ("low", "moderate", "high")

# What a word of an exercise's name says about its impact, as the API reads names today.
_NAME_WORDS = {
    "high": ("hop", "hops", "hopping", "jump", "jumps", "jumping", "bound", "bounds",
             "bounding", "sprint", "sprints", "sprinting", "stride", "strides", "striding",
             "plyo", "plyos"),
    "moderate": ("skip", "skips", "skipping", "run", "runs", "running", "jog", "jogs",
                 "jogging"),
    "low": ("march", "marches", "marching", "walk", "walks", "walking"),
}  # fmt: skip
# Characters that part the words of a name (the API parts them at anything but a letter
# or a digit; these are the ones names use).
_PARTS = ("-", "\u2013", ",", ".", "(", ")", "/", "'", ":", ";", "&", "+", "_", "!", "?")


def _listed(words) -> str:
    return ", ".join(f"'{word}'" for word in words)


def _vocabulary_checks(categories, regions, findings) -> None:
    for table, column, words in (
        ("exercises", "category", categories),
        ("exercise_regions", "region", regions),
        ("exercise_findings", "finding", findings),
        ("check_in_ratings", "region", regions),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
            batch_op.create_check_constraint(
                op.f(f"ck_{table}_{column}"), sa.text(f"{column} IN ({_listed(words)})")
            )


def _name_says(level: str) -> str:
    """SQL that holds when the exercise's name has a word that says ``level``."""
    name = "lower(name)"
    for part in _PARTS:
        quoted = part.replace("'", "''")
        name = f"replace({name}, '{quoted}', ' ')"
    padded = f"(' ' || {name} || ' ')"
    return " OR ".join(f"{padded} LIKE '% {word} %'" for word in _NAME_WORDS[level])


def _type_existing_exercises() -> None:
    """Type every stored exercise conservatively, as the API types one that does not say:
    impact from its name, stage and precautions; each of its regions loaded at moderate;
    spine neutral and pressure moderate (the columns' defaults)."""
    precautions = "CAST(precautions AS TEXT)"
    op.execute(
        sa.text(
            "UPDATE exercises SET impact = CASE"
            f" WHEN {_name_says('high')} OR stage = 'power'"
            f" OR {precautions} LIKE '%\"impact\"%' OR {precautions} LIKE '%\"plyometric\"%'"
            " THEN 'high'"
            f" WHEN {_name_says('moderate')} OR stage = 'run' THEN 'moderate'"
            f" WHEN {_name_says('low')} THEN 'low'"
            " ELSE 'none' END"
        )
    )
    regions = sa.table(
        "exercise_regions",
        sa.column("exercise_id", sa.Integer),
        sa.column("region", sa.String),
        sa.column("position", sa.Integer),
    )
    exercises = sa.table("exercises", sa.column("id", sa.Integer), sa.column("loads", sa.JSON))
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(regions.c.exercise_id, regions.c.region).order_by(
            regions.c.exercise_id, regions.c.position, regions.c.region
        )
    ).all()
    typed = [
        {
            "exercise": exercise_id,
            "typed_loads": [{"region": row.region, "level": "moderate"} for row in group],
        }
        for exercise_id, group in itertools.groupby(rows, key=lambda row: row.exercise_id)
    ]
    if typed:
        bind.execute(
            sa.update(exercises)
            .where(exercises.c.id == sa.bindparam("exercise"))
            .values(loads=sa.bindparam("typed_loads", type_=sa.JSON)),
            typed,
        )


def upgrade():
    _vocabulary_checks(
        (*_CATEGORIES, *_NEW_CATEGORIES), (*_REGIONS, *_NEW_REGIONS), (*_FINDINGS, *_NEW_FINDINGS)
    )
    with op.batch_alter_table("exercises", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("impact", sa.String(length=16), nullable=False, server_default="none")
        )
        batch_op.add_column(sa.Column("loads", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(
            sa.Column("spine", sa.String(length=16), nullable=False, server_default="neutral")
        )
        batch_op.add_column(
            sa.Column("pressure", sa.String(length=16), nullable=False, server_default="moderate")
        )
    _type_existing_exercises()
    # The defaults go once every row is typed: the application types each new exercise.
    with op.batch_alter_table("exercises", schema=None) as batch_op:
        for column in ("impact", "loads", "spine", "pressure"):
            batch_op.alter_column(column, server_default=None)
        for column, words in (
            ("impact", _IMPACT_LEVELS),
            ("spine", _SPINE_POSITIONS),
            ("pressure", _PRESSURE_LEVELS),
        ):
            batch_op.create_check_constraint(
                op.f(f"ck_exercises_{column}"), sa.text(f"{column} IN ({_listed(words)})")
            )
        batch_op.create_index("ix_exercises_impact", ["impact"], unique=False)


def downgrade():
    with op.batch_alter_table("exercises", schema=None) as batch_op:
        batch_op.drop_index("ix_exercises_impact")
        for column in ("pressure", "spine", "impact"):
            batch_op.drop_constraint(op.f(f"ck_exercises_{column}"), type_="check")
        for column in ("pressure", "spine", "loads", "impact"):
            batch_op.drop_column(column)
    # The words the older vocabularies lack go first: the tags and ratings that use them,
    # and a pelvic-floor exercise becomes deep-core work (programs that use it keep it).
    op.execute(
        sa.text(f"DELETE FROM exercise_findings WHERE finding IN ({_listed(_NEW_FINDINGS)})")
    )
    for table in ("exercise_regions", "check_in_ratings"):
        op.execute(sa.text(f"DELETE FROM {table} WHERE region IN ({_listed(_NEW_REGIONS)})"))
    op.execute(
        sa.text(
            "UPDATE exercises SET category = 'deep_core'"
            f" WHERE category IN ({_listed(_NEW_CATEGORIES)})"
        )
    )
    _vocabulary_checks(_CATEGORIES, _REGIONS, _FINDINGS)
