"""Loading the global catalogue from its data file."""

import copy

import sqlalchemy as sa
from click.testing import CliRunner

from academy.exercises.models import Exercise, ExerciseRegion
from academy.exercises.service import load_catalogue
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
