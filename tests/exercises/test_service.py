"""Loading the global catalogue from its data file."""

import copy

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from marshmallow import ValidationError

from academy.exercises.models import Exercise, ExerciseRegion
from academy.exercises.service import load_catalogue
from academy.exercises.typing import complete_loads, default_impact, impact_named
from academy.extensions import db


def snapshot():
    db.session.expire_all()
    return {
        e.slug: (e.id, e.name, tuple(e.cues), tuple(e.regions), e.variation_of_id, e.updated_at,
                 e.archived_at)
        for e in db.session.scalars(sa.select(Exercise))
    }  # fmt: skip


class TestLoadCatalogue:
    def test_a_second_run_changes_nothing(self, catalogue_entries):
        first = load_catalogue(catalogue_entries)
        before = snapshot()

        second = load_catalogue(catalogue_entries)

        assert first["created"] == len(catalogue_entries)
        assert second == {
            "created": 0, "updated": 0, "unchanged": len(catalogue_entries), "archived": 0,
        }  # fmt: skip
        assert snapshot() == before

    def test_a_changed_entry_is_updated_in_place(self, catalogue_entries):
        load_catalogue(catalogue_entries)
        before = snapshot()
        changed = copy.deepcopy(catalogue_entries)
        entry = next(e for e in changed if e["slug"] == "90-90-breathing")
        entry["cues"] = [*entry["cues"], "Rest a moment between breaths."]
        entry["regions"] = ["diaphragm", "pelvis"]

        counts = load_catalogue(changed)

        after = snapshot()
        assert counts["updated"] == 1 and counts["created"] == 0
        assert after["90-90-breathing"][0] == before["90-90-breathing"][0]  # same id
        assert after["90-90-breathing"][2][-1] == "Rest a moment between breaths."
        assert after["90-90-breathing"][3] == ("diaphragm", "pelvis")
        variation = after["90-90-breathing-left-bias"]
        assert variation[4] == before["90-90-breathing"][0]
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(ExerciseRegion)
                .where(ExerciseRegion.exercise_id == after["90-90-breathing"][0])
            )
            == 2
        )

    def test_an_entry_dropped_from_the_file_is_archived_not_deleted(self, catalogue_entries):
        load_catalogue(catalogue_entries)
        fewer = [e for e in catalogue_entries if e["slug"] != "wall-lean-hold"]

        counts = load_catalogue(fewer)

        assert counts["archived"] == 1
        assert snapshot()["wall-lean-hold"][6] is not None

    def test_the_command_line_runs_it(self, app):
        runner = CliRunner()

        result = runner.invoke(app.cli, ["academy", "load-catalogue"], catch_exceptions=False)

        assert result.exit_code == 0
        assert "created" in result.output
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Exercise)) >= 60


class TestCatalogueTyping:
    def test_every_global_exercise_is_stored_as_the_file_types_it(self, catalogue_entries):
        load_catalogue(catalogue_entries)

        stored = {
            e.slug: (e.impact, e.loads, e.spine, e.pressure)
            for e in db.session.scalars(sa.select(Exercise))
        }
        assert stored == {
            e["slug"]: (e["impact"], e["loads"], e["spine"], e["pressure"])
            for e in catalogue_entries
        }

    @pytest.mark.parametrize("field", ["impact", "loads", "spine", "pressure"])
    def test_an_entry_that_leaves_its_typing_out_is_refused(self, catalogue_entries, field):
        entries = copy.deepcopy(catalogue_entries)
        del next(e for e in entries if e["slug"] == "pogo-jumps")[field]

        with pytest.raises(ValidationError) as refused:
            load_catalogue(entries)

        assert field in refused.value.messages["pogo-jumps"]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Exercise)) == 0

    def test_an_entry_whose_impact_is_below_its_name_is_refused(self, catalogue_entries):
        entries = copy.deepcopy(catalogue_entries)
        next(e for e in entries if e["slug"] == "single-leg-hops")["impact"] = "moderate"

        with pytest.raises(ValidationError) as refused:
            load_catalogue(entries)

        assert refused.value.messages == {
            "single-leg-hops": {
                "impact": ['The name "Single-Leg Hops" says its impact is at least high.']
            }
        }

    def test_a_changed_typing_is_an_update_in_place(self, catalogue_entries):
        load_catalogue(catalogue_entries)
        entries = copy.deepcopy(catalogue_entries)
        entry = next(e for e in entries if e["slug"] == "couch-stretch")
        entry["pressure"] = "moderate"
        entry["loads"] = [*entry["loads"], {"region": "hip", "level": "low"}]

        counts = load_catalogue(entries)

        assert (counts["updated"], counts["created"]) == (1, 0)
        couch = db.session.scalar(sa.select(Exercise).where(Exercise.slug == "couch-stretch"))
        assert couch.pressure == "moderate"
        assert couch.loads[-1] == {"region": "hip", "level": "low"}


class TestTypingRule:
    @pytest.mark.parametrize(
        "name, said",
        [
            ("Box Jump", "high"),
            ("box-jumps", "high"),
            ("SPRINT finish", "high"),
            ("Walk-Run Intervals", "moderate"),
            ("A-Skip", "moderate"),
            ("Easy jog", "moderate"),
            ("Metronome March", "low"),
            ("Hamstring Walkouts", None),
            ("Bounding", "high"),
            ("Jumpless hold", None),
            ("Pogo", None),
        ],
    )
    def test_a_name_says_what_its_whole_words_say(self, name, said):
        assert impact_named(name) == said

    @pytest.mark.parametrize(
        "name, stage, precautions, impact",
        [
            ("Med Ball Throw", "power", [], "high"),
            ("Landing Drill", "strength", ["impact"], "high"),
            ("Depth Drop", "strength", ["plyometric"], "high"),
            ("Easy Intervals", "run", [], "moderate"),
            ("Hill Walk", "strength", [], "low"),
            ("Box Jump", "strength", [], "high"),
            ("Couch Hold", "mobility", ["end_range_load"], "none"),
            ("Easy Jog Strides", "run", None, "high"),
        ],
    )
    def test_an_exercise_that_does_not_say_gets_the_highest_that_applies(
        self, name, stage, precautions, impact
    ):
        assert default_impact(name, stage, precautions) == impact

    def test_every_region_worked_is_loaded(self):
        loads = complete_loads([{"region": "knee", "level": "high"}], ["glutes", "knee"])

        assert loads == [
            {"region": "knee", "level": "high"},
            {"region": "glutes", "level": "moderate"},
        ]
