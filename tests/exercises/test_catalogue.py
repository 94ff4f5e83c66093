"""The shipped catalogue data file: valid, complete, and true to the method."""

import re
from collections import defaultdict

import pytest
import yaml

from academy import vocabularies
from academy.exercises.schemas import ExerciseCreateSchema
from academy.exercises.service import CATALOGUE_FILE, read_catalogue
from academy.exercises.typing import impact_named

ENTRY_KEYS = {
    "slug", "name", "aliases", "summary", "cues", "category", "regions", "addresses",
    "stage", "laterality", "side_bias", "variation_of", "dosage", "equipment", "video_url",
    "precautions", "harder", "progress_when", "bias_means", "impact", "loads", "spine",
    "pressure",
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


# General work a coach may prescribe that answers no finding of an assessment (walk-run
# intervals are the easier step of any easy run).
GENERAL = {"side-lying-thoracic-rotation", "walk-run-intervals"}


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
        # Weak hip flexors are answered by strengthening them once the position is found,
        # a sore tendon by holds that load it steadily; a limited range by mobility work,
        # which comes before strength too.
        early = {"position", "breathing"} | (
            {"mobility"} if finding.startswith("limited_") else set()
        )
        if finding not in ("hip_flexor_weakness", "tendon_pain"):
            assert early & set(found), finding
        later = {"strength", "run", "power"} if finding in RUN_FINDINGS else {"strength"}
        assert later & set(found), finding


def test_every_body_area_of_the_method_is_covered(entries):
    categories = {e["category"] for e in entries}

    assert {
        "feet", "calves", "hip_flexors", "hamstrings", "glutes", "deep_core", "breathing",
        "mobility", "running_drills",
    } <= categories  # fmt: skip


# --- what a coach of the method checked ----------------------------------------------------


@pytest.fixture(scope="module")
def by_slug(entries):
    return {e["slug"]: e for e in entries}


def test_no_foot_drill_asks_to_curl_the_toes(entries):
    for entry in entries:
        if entry["category"] != "feet":
            continue
        for cue in entry["cues"]:
            assert "curl" not in cue.lower() or "without curling" in cue.lower(), entry["slug"]


def test_nordic_lowers_start_short_and_have_an_easier_step(entries, by_slug):
    nordic = by_slug["nordic-lowers"]

    assert (nordic["dosage"]["sets"], nordic["dosage"]["reps"]) == (2, 3)
    assert "only as far as you can still control" in " ".join(nordic["cues"])
    assert "heavy_eccentric" in nordic["precautions"]
    assert [e["slug"] for e in entries if "nordic-lowers" in e["harder"]] == ["hamstring-walkouts"]


def test_rib_flare_drills_keep_the_arms_down(by_slug):
    cues = " ".join(by_slug["side-lying-breathing"]["cues"]).lower()

    assert "overhead" not in cues


def test_wall_pelvic_tilts_say_not_to_press_flat_or_over_tuck(by_slug):
    for slug in ("wall-pelvic-tilt", "wall-pelvic-tilt-left-bias", "wall-pelvic-tilt-right-bias"):
        assert any("press your back flat" in c and "over-tuck" in c for c in by_slug[slug]["cues"])


def test_biased_variants_let_the_press_turn_the_client_very_slightly(entries):
    for entry in entries:
        cues = " ".join(entry["cues"])
        assert "Turn slightly" not in cues and "Turn your pelvis slightly" not in cues
    by_slug = {e["slug"]: e for e in entries}
    for side in ("left", "right"):
        cues = " ".join(by_slug[f"90-90-breathing-{side}-bias"]["cues"])
        assert f"turn you very slightly to the {side}" in cues


@pytest.mark.parametrize(
    "slug, finding",
    [
        ("big-toe-mobilisation", "limited_ankle_dorsiflexion"),
        ("split-stance-pelvic-tilt", "hip_flexor_weakness"),
        ("90-90-breathing", "hip_flexor_weakness"),
        ("skipping-for-height", "overstriding"),
        ("side-lying-thoracic-rotation", "rib_flare"),
        ("supported-deep-squat-breathing", "vertical_breathing"),
    ],
)
def test_tags_that_do_not_hold_are_gone(by_slug, slug, finding):
    assert finding not in by_slug[slug]["addresses"]


def test_the_smaller_corrections(by_slug):
    assert by_slug["supported-deep-squat-breathing"]["stage"] == "mobility"
    assert "top knee" in " ".join(by_slug["copenhagen-plank"]["cues"])
    assert "short lever" in by_slug["copenhagen-plank"]["summary"]
    shift = by_slug["side-lying-hip-shift"]["dosage"]["breaths"]
    assert shift == by_slug["right-side-lying-left-hip-shift"]["dosage"]["breaths"] == 5
    assert set(by_slug["90-90-breathing"]["equipment"]) == {"wall", "box"}


def test_posterior_tilt_has_position_and_breathing_work(entries):
    stages = [e["stage"] for e in entries if "posterior_pelvic_tilt" in e["addresses"]]

    assert len(stages) >= 5
    assert {"position", "breathing", "strength"} <= set(stages)


def test_feet_have_a_ladder_from_holding_the_arch_to_loading_it(entries, by_slug):
    feet = [e for e in entries if e["category"] == "feet"]

    assert len(feet) >= 6
    assert by_slug["short-foot-hold"]["harder"] == ["single-leg-short-foot-balance"]
    assert by_slug["single-leg-short-foot-balance"]["harder"] == ["short-foot-heel-raise"]


def test_the_bridge_with_hip_flexor_pulls_has_a_biased_variant_each_side(by_slug):
    for side in ("left", "right"):
        variant = by_slug[f"bridge-with-hip-flexor-pulls-{side}-bias"]
        assert (variant["variation_of"], variant["side_bias"]) == (
            "bridge-with-hip-flexor-pulls",
            side,
        )
        assert f"{side}_anterior_tilt_bias" in variant["addresses"]


def test_every_one_leg_exercise_says_what_its_bias_means(entries):
    for entry in entries:
        if entry["laterality"] == "unilateral":
            assert entry["bias_means"].startswith("The biased side is"), entry["slug"]
        else:
            assert entry["bias_means"] == "", entry["slug"]


def test_jumping_running_and_heavy_lowering_carry_their_precautions(by_slug):
    assert set(by_slug["pogo-jumps"]["precautions"]) == {"impact", "plyometric"}
    assert "running" in by_slug["strides"]["precautions"]
    assert "heavy_eccentric" in by_slug["eccentric-heel-drops"]["precautions"]


def test_ladders_name_existing_exercises_and_never_loop(entries, by_slug):
    for entry in entries:
        for harder in entry["harder"]:
            assert harder in by_slug and harder != entry["slug"], entry["slug"]
        if entry["harder"]:
            assert entry["progress_when"], entry["slug"]

    def climbs(slug, seen=()):
        assert slug not in seen, seen
        for harder in by_slug[slug]["harder"]:
            climbs(harder, (*seen, slug))

    for entry in entries:
        climbs(entry["slug"])


# --- what each exercise asks of the body --------------------------------------------------

TYPING_WORDS = {
    "impact": vocabularies.IMPACT_LEVELS,
    "spine": vocabularies.SPINE_POSITIONS,
    "pressure": vocabularies.PRESSURE_LEVELS,
}
# The whole chain that takes the landing of a hop, a run or a skip.
LANDING_CHAIN = {
    "foot", "ankle", "achilles", "calf", "shin", "knee", "hip", "pelvis", "pelvic_floor",
}  # fmt: skip


def rank(impact: str) -> int:
    return vocabularies.IMPACT_LEVELS.index(impact)


def easier_of(entries) -> dict[str, list[str]]:
    easier = defaultdict(list)
    for entry in entries:
        for harder in entry["harder"]:
            easier[harder].append(entry["slug"])
    return easier


def test_every_exercise_is_typed_with_words_of_the_vocabularies(entries):
    for entry in entries:
        for field, words in TYPING_WORDS.items():
            assert entry[field] in words, (entry["slug"], field)
        assert entry["loads"], entry["slug"]
        for load in entry["loads"]:
            assert set(load) == {"region", "level"}, entry["slug"]
            assert load["region"] in vocabularies.REGIONS, entry["slug"]
            assert load["level"] in vocabularies.LOAD_LEVELS, entry["slug"]


def test_what_a_name_says_its_impact_says_too(entries):
    for entry in entries:
        said = impact_named(entry["name"])
        if said:
            assert rank(entry["impact"]) >= rank(said), (entry["slug"], said)


@pytest.mark.parametrize(
    "slugs, impacts",
    [
        (
            ["pogo-jumps", "single-leg-hops", "travelling-pogo-hops", "straight-leg-bounds",
             "strides", "skipping-for-height"],
            {"high"},
        ),
        (
            ["a-skip", "b-skip", "high-knees-cadence", "metronome-cadence-run",
             "walk-run-intervals"],
            {"moderate"},
        ),
        (["a-march", "wall-drill", "metronome-march", "metronome-walk"], {"none", "low"}),
    ],
)  # fmt: skip
def test_drills_land_as_hard_as_they_do(by_slug, slugs, impacts):
    for slug in slugs:
        assert by_slug[slug]["impact"] in impacts, slug


def test_loads_name_each_region_once_and_cover_every_region_worked(entries):
    for entry in entries:
        loaded = [load["region"] for load in entry["loads"]]
        assert len(loaded) == len(set(loaded)), entry["slug"]
        assert set(entry["regions"]) <= set(loaded), entry["slug"]


def test_what_lands_loads_the_whole_chain_up_to_the_pelvic_floor(entries):
    for entry in entries:
        if rank(entry["impact"]) >= rank("moderate"):
            loaded = {load["region"]: load["level"] for load in entry["loads"]}
            assert loaded.keys() >= LANDING_CHAIN, (entry["slug"], LANDING_CHAIN - loaded.keys())
            assert all(loaded[region] != "low" for region in LANDING_CHAIN), entry["slug"]


def test_a_bridge_and_a_wall_sit_load_what_they_work(by_slug):
    def loads(slug):
        return {load["region"]: load["level"] for load in by_slug[slug]["loads"]}

    assert {"hamstrings", "glutes", "pelvis"} <= loads("hamstring-bridge").keys()
    assert loads("wall-sit")["knee"] == loads("wall-sit")["quadriceps"] == "moderate"
    assert loads("isometric-calf-raise-hold")["achilles"] == "moderate"


def test_the_trunk_positions_and_pressures_that_the_safety_rules_read(entries, by_slug):
    assert by_slug["couch-stretch"]["spine"] == "extension"
    assert by_slug["supported-childs-pose-breathing"]["spine"] == "flexion"
    assert by_slug["side-lying-thoracic-rotation"]["spine"] == "rotation"
    assert by_slug["bird-dog"]["spine"] == "neutral"
    for slug in ("copenhagen-plank", "hanging-knee-raise-hold", "side-plank",
                 "side-plank-hip-abduction"):  # fmt: skip
        assert by_slug[slug]["pressure"] == "high", slug
    for entry in entries:
        if entry["stage"] == "breathing":
            assert entry["pressure"] == "low", entry["slug"]


def test_every_exercise_sits_on_a_ladder_and_says_when_to_move_on(entries):
    easier = easier_of(entries)

    for entry in entries:
        assert entry["harder"] or easier[entry["slug"]], entry["slug"]
        assert entry["progress_when"].strip().endswith("."), entry["slug"]


def test_the_top_of_a_ladder_says_when_it_is_enough_or_what_comes_next(entries):
    for entry in entries:
        if not entry["harder"]:
            said = entry["progress_when"].lower()
            assert "enough" in said or "then" in said or "next" in said, entry["slug"]


def test_impact_never_falls_as_a_ladder_gets_harder(entries, by_slug):
    for entry in entries:
        for harder in entry["harder"]:
            assert rank(entry["impact"]) <= rank(by_slug[harder]["impact"]), (
                entry["slug"],
                harder,
            )


# --- the work the method's clients need -------------------------------------------------


def test_pelvic_floor_work_from_the_first_breath_to_a_bridge(entries, by_slug):
    pelvic = [e for e in entries if e["category"] == "pelvic_floor"]

    assert len(pelvic) >= 4
    for entry in pelvic:
        assert "pelvic_floor" in entry["regions"], entry["slug"]
        assert "pelvic_floor_symptoms" in entry["addresses"], entry["slug"]
        assert (entry["impact"], entry["pressure"]) == ("none", "low"), entry["slug"]
    assert by_slug["pelvic-floor-connection-breath"]["stage"] == "breathing"
    for slug in ("pelvic-floor-quick-holds", "pelvic-floor-long-holds", "pelvic-floor-knack"):
        assert slug in by_slug
    assert "cough" in " ".join(by_slug["pelvic-floor-knack"]["cues"])
    assert by_slug["pelvic-floor-knack"]["harder"] == ["pelvic-floor-lift-bridge"]
    assert "bridge" in by_slug["pelvic-floor-lift-bridge"]["summary"]


def climbs_to(by_slug, start: str, goal: str) -> bool:
    return start == goal or any(climbs_to(by_slug, h, goal) for h in by_slug[start]["harder"])


def test_walk_run_intervals_are_the_easier_step_of_running(by_slug):
    walk_run = by_slug["walk-run-intervals"]

    assert (walk_run["stage"], walk_run["impact"]) == ("run", "moderate")
    assert "running" in walk_run["precautions"]
    assert climbs_to(by_slug, "walk-run-intervals", "metronome-cadence-run")


def test_low_impact_cadence_work_sits_below_the_cadence_run(by_slug):
    for slug in ("metronome-march", "metronome-walk"):
        entry = by_slug[slug]
        assert (entry["stage"], entry["impact"]) == ("run", "low"), slug
        assert "metronome" in entry["equipment"], slug
        assert {"low_cadence", "overstriding"} <= set(entry["addresses"]), slug
        assert climbs_to(by_slug, slug, "metronome-cadence-run"), slug


def test_ankle_balance_and_peroneal_strength(entries, by_slug):
    ankle = [e for e in entries if "ankle_instability" in e["addresses"]]

    assert len(ankle) >= 4
    assert {"single-leg-balance", "single-leg-star-reach", "banded-ankle-eversion"} <= {
        e["slug"] for e in ankle
    }
    assert {"position", "strength"} <= {e["stage"] for e in ankle}
    assert all(e["impact"] == "none" for e in ankle)


def test_tendon_friendly_isometrics(entries):
    isometrics = {e["slug"] for e in entries if "tendon_pain" in e["addresses"]}

    assert {"wall-sit", "isometric-calf-raise-hold"} <= isometrics


def test_positions_for_backs_sore_in_extension_and_in_flexion(entries):
    extension_sensitive = [e for e in entries if "extension_sensitive_back" in e["addresses"]]
    flexion_sensitive = [e for e in entries if "flexion_sensitive_back" in e["addresses"]]

    flexion_friendly = [e for e in extension_sensitive if e["stage"] in ("position", "breathing")]
    assert len(flexion_friendly) >= 2
    assert all(e["spine"] == "flexion" for e in flexion_friendly)
    assert all(e["spine"] != "extension" for e in extension_sensitive)
    assert any(e["stage"] in ("position", "breathing") for e in flexion_sensitive)
    assert all(e["spine"] in ("neutral", "extension") for e in flexion_sensitive)


# --- cues checked against the method ----------------------------------------------------

GLUTE_SQUEEZE = re.compile(r"\b(squeez\w*|clench\w*|grip\w*|tighten\w*|contract\w*)\b")
GLUTES = re.compile(r"\b(glutes?|bum|buttocks?|backside)\b")
SAYS_NOT = re.compile(r"\b(not|no|never|without|don't|rather than|soft|instead)\b")
FULL_TUCK = re.compile(
    r"\b(full(y)?|hard|all the way|as far as|as much as|maximum|tight)\b[^.;]*\btuck"
    r"|\btuck\w*\b[^.;]*\b(fully|hard|all the way|as far as|as much as|maximum|tight)\b"
    r"|\b(press|flatten)\w*\b[^.;]*\b(back|spine)\b[^.;]*\bflat|\bflatten\w* your (lower )?back"
)


def every_cue(entries):
    for entry in entries:
        for cue in (entry["summary"], *entry["cues"], entry["progress_when"]):
            yield entry["slug"], cue


def test_no_cue_asks_for_a_glute_squeeze_unless_to_say_not_to(entries):
    for slug, cue in every_cue(entries):
        text = cue.lower()
        if GLUTE_SQUEEZE.search(text) and GLUTES.search(text):
            assert SAYS_NOT.search(text), (slug, cue)


def test_no_cue_asks_for_a_full_tuck(entries):
    for slug, cue in every_cue(entries):
        text = cue.lower()
        if FULL_TUCK.search(text):
            assert re.search(r"\b(don't|do not|no|never|without|not)\b", text), (slug, cue)


@pytest.mark.parametrize(
    "check, cue",
    [
        (test_no_cue_asks_for_a_glute_squeeze_unless_to_say_not_to,
         "Squeeze your glutes to tuck the pelvis under."),
        (test_no_cue_asks_for_a_glute_squeeze_unless_to_say_not_to,
         "Clench the glutes hard at the top."),
        (test_no_cue_asks_for_a_full_tuck, "Tuck your pelvis under as far as it goes."),
        (test_no_cue_asks_for_a_full_tuck, "Press your back flat into the floor."),
    ],
)  # fmt: skip
def test_the_method_checks_catch_what_they_look_for(check, cue):
    entries = [{"slug": "x", "summary": cue, "cues": [], "progress_when": ""}]

    with pytest.raises(AssertionError):
        check(entries)
