"""The shipped catalogue data file: valid, complete, and true to the method."""

from collections import defaultdict

import pytest
import yaml

from academy import vocabularies
from academy.exercises.schemas import ExerciseCreateSchema
from academy.exercises.service import CATALOGUE_FILE, read_catalogue

ENTRY_KEYS = {
    "slug", "name", "aliases", "summary", "cues", "category", "regions", "addresses",
    "stage", "laterality", "side_bias", "variation_of", "dosage", "equipment", "video_url",
    "precautions", "harder", "progress_when", "bias_means",
}  # fmt: skip
# Running-form findings are answered by drills and runs rather than the weight room.
RUN_FINDINGS = {"overstriding", "low_cadence"}


@pytest.fixture(scope="module")
def entries():
    return read_catalogue()


def test_every_entry_passes_the_api_schema(entries):
    schema = ExerciseCreateSchema()

    for entry in entries:
        fields = {k: v for k, v in entry.items() if k not in ("variation_of", "harder")}
        errors = schema.validate(fields)
        assert errors == {}, (entry["slug"], errors)
        assert set(entry) == ENTRY_KEYS, entry["slug"]


def test_the_file_has_no_duplicate_keys():
    class Strict(yaml.SafeLoader):
        pass

    def no_duplicates(loader, node, deep=False):
        keys = [loader.construct_object(k, deep=deep) for k, _ in node.value]
        assert len(keys) == len(set(keys)), keys
        return loader.construct_mapping(node, deep)

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, no_duplicates)
    with open(CATALOGUE_FILE, encoding="utf-8") as handle:
        yaml.load(handle, Loader=Strict)


def test_slugs_and_names_are_unique(entries):
    slugs = [e["slug"] for e in entries]
    names = [e["name"].lower() for e in entries]

    assert len(slugs) == len(set(slugs))
    assert len(names) == len(set(names))


def test_variations_name_an_existing_parent_that_is_not_itself_a_variation(entries):
    by_slug = {e["slug"]: e for e in entries}

    for entry in entries:
        parent = entry["variation_of"]
        if parent:
            assert parent in by_slug, entry["slug"]
            assert by_slug[parent]["variation_of"] is None, entry["slug"]


def test_side_biased_variants_are_asymmetric(entries):
    for entry in entries:
        assert (entry["side_bias"] is not None) == (entry["laterality"] == "asymmetric"), entry[
            "slug"
        ]


# General drills a coach may prescribe that answer no finding of an assessment.
GENERAL = {"side-lying-thoracic-rotation"}


def test_every_entry_has_cues_regions_findings_and_a_dosage(entries):
    for entry in entries:
        assert len(entry["cues"]) >= 3, entry["slug"]
        assert entry["regions"], entry["slug"]
        assert bool(entry["addresses"]) == (entry["slug"] not in GENERAL), entry["slug"]
        assert any(v for v in entry["dosage"].values()), entry["slug"]


def test_there_are_at_least_60_exercises(entries):
    assert len(entries) >= 60


def test_the_signature_exercises_are_there(entries):
    by_slug = {e["slug"]: e for e in entries}

    assert by_slug["all-4s-pelvic-tucks"]["stage"] == "position"
    assert by_slug["90-90-breathing"]["stage"] == "breathing"
    left = by_slug["90-90-breathing-left-bias"]
    assert (left["variation_of"], left["side_bias"]) == ("90-90-breathing", "left")
    assert "left_anterior_tilt_bias" in left["addresses"]
    right = by_slug["90-90-breathing-right-bias"]
    assert (right["variation_of"], right["side_bias"]) == ("90-90-breathing", "right")
    bridge = by_slug["bridge-with-hip-flexor-pulls"]
    assert bridge["stage"] == "strength" and "hip_flexor_weakness" in bridge["addresses"]


def test_every_finding_is_covered_early_and_by_strength_work(entries):
    stages = defaultdict(list)
    for entry in entries:
        for finding in entry["addresses"]:
            stages[finding].append(entry["stage"])

    for finding in vocabularies.FINDINGS:
        found = stages[finding]
        assert len(found) >= 2, finding
        # Weak hip flexors are answered by strengthening them once the position is found.
        if finding != "hip_flexor_weakness":
            assert {"position", "breathing"} & set(found), finding
        later = {"strength", "run", "power"} if finding in RUN_FINDINGS else {"strength"}
        assert later & set(found), finding


def test_every_body_area_of_the_method_is_covered(entries):
    categories = {e["category"] for e in entries}

    assert {
        "feet", "calves", "hip_flexors", "hamstrings", "glutes", "deep_core", "breathing",
        "mobility", "running_drills",
    } <= categories  # fmt: skip
