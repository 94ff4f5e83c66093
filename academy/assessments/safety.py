"""The method's safety rules, as a coach's checklist.

Everything Academy puts in front of a runner goes through here: the suggestions for an
assessment, the program drafts built from them, and the sessions still ahead of a client
(the closed loop: her latest check-ins feed the same rules). So a draft can never hold
what the suggestions hold back, and an item the rules hold back today is answered
``held`` wherever the client reads it.

Two plain records meet here:

- a ``Picture``: what is known of the runner today (pain with what makes it worse,
  symptoms, injuries with their dates, tightness and findings), from her latest
  assessment and, for the closed loop, her latest check-ins;
- a ``Work``: what an exercise or a run asks of the body (impact, load on each region,
  the trunk position it takes, the pressure it asks for).

``Guard(picture)`` reads the picture once, rule by rule, and ``guard.hold(work)`` says
whether the work waits, with the rule and a reason the client can read ("Your left knee
hurts on stairs (6/10): no hopping or jumping yet."). Nothing here queries.

The rules, in the order a coach runs down them:

1. ``red_flag`` — night pain, numbness or tingling, pain that spreads: a clinician
   looks first; nothing beyond position and breathing until the coach reassesses.
2. ``painful_region`` — a region with pain of 4 or more, or an injury under 6 weeks old
   (bone stress or a fracture: 12 weeks), gets nothing that loads it above `low`.
3. ``no_impact`` — pain of 4 or more anywhere from the lower back down, pain of 2 or more
   made worse by impact, running or downhill, swelling, a joint giving way, or such an
   injury: no exercise or run with impact above `low`.
4. ``pelvic_health`` — leaking, pelvic heaviness, dragging or pain, bleeding, or
   abdominal separation: no impact above `low` and nothing that asks for high pressure;
   breathing and pelvic-floor work from the first week, and a pelvic-health
   physiotherapist advised.
5. ``spine`` — pain made worse by arching back (bending forward, twisting): nothing that
   takes the spine that way.
6. ``settle_first`` — what the client reads promises it: tight calves wait for jumping
   and heavy calf work, and marked tightness (7 or more) keeps jumping, heavy lowering
   and end-range loading off that region.
"""

from dataclasses import dataclass, field
from datetime import date

from academy.vocabularies import PELVIC_SYMPTOMS, RED_FLAGS, SAFETY_RULES

# --- thresholds -----------------------------------------------------------------------------

SORE = 4  # pain from which a region is spared, and impact waits below the lower back
IMPACT_PAIN = 2  # pain from which an impact, running or downhill aggravator stops impact
SPINE_PAIN = 1  # any pain made worse by a spine direction keeps that direction out
HEALING_DAYS = 6 * 7  # an injury younger than this is still healing
BONE_HEALING_DAYS = 12 * 7  # bone stress and fractures heal slower
BONE_INJURIES = ("bone_stress", "fracture")
MARKED_TIGHTNESS = 7
# How long a check-in's pain rating stays the latest word on a region.
CHECK_IN_DAYS = 14

# From the lower back down: where pain or an injury stops impact (rule `no_impact`).
LOWER_BODY = frozenset({
    "lower_back", "pelvis", "pelvic_floor", "hip", "hip_flexors", "glutes", "adductors",
    "proximal_hamstrings", "hamstrings", "quadriceps", "knee", "shin", "calf", "achilles",
    "ankle", "foot", "plantar_fascia",
})  # fmt: skip
IMPACT_AGGRAVATORS = ("impact", "running", "downhill")
SPINE_DIRECTIONS = ("extension", "flexion", "rotation")
IMPACT_SYMPTOMS = ("swelling", "giving_way")
PELVIC_HEALTH = (*PELVIC_SYMPTOMS, "abdominal_separation")
# The stages a red flag leaves.
REFER_STAGES = ("position", "breathing")
TIGHT_PRECAUTIONS = ("impact", "plyometric", "heavy_eccentric", "end_range_load")
SETTLE_REGIONS = frozenset({"calf", "achilles"})

LEVEL = {"none": 0, "low": 1, "moderate": 2, "high": 3}

# Rule names, as answers carry them (`held.rule`, `held_back[].rule`).
RULES = SAFETY_RULES

# --- runs -------------------------------------------------------------------------------------

# A run item's impact by its type; the rest are `moderate`.
RUN_IMPACT = {"strides": "high", "intervals": "high", "hills": "high"}
RUN_REGIONS = (
    "foot", "plantar_fascia", "ankle", "achilles", "calf", "shin", "knee", "quadriceps",
    "hamstrings", "hip", "pelvis", "pelvic_floor",
)  # fmt: skip


# --- what the work asks ---------------------------------------------------------------------


@dataclass(frozen=True)
class Work:
    """What an exercise or a run asks of the body."""

    name: str
    stage: str
    impact: str = "none"
    loads: tuple[tuple[str, str], ...] = ()  # (region, level)
    spine: str = "neutral"
    pressure: str = "low"
    precautions: tuple[str, ...] = ()
    kind: str = "exercise"

    @classmethod
    def of_exercise(cls, exercise) -> "Work":
        """An exercise as the rules read it (an ORM row or anything with its fields)."""
        return cls(
            name=exercise.name,
            stage=exercise.stage,
            impact=exercise.impact,
            loads=tuple((load["region"], load["level"]) for load in exercise.loads or ()),
            spine=exercise.spine,
            pressure=exercise.pressure,
            precautions=tuple(exercise.precautions or ()),
        )

    @classmethod
    def of_run(cls, run_type: str | None) -> "Work":
        """A run item: moderate impact on the legs, high for strides, intervals and hills."""
        impact = RUN_IMPACT.get(run_type or "", "moderate")
        return cls(
            name=f"{run_type or 'easy'} run",
            stage="run",
            impact=impact,
            loads=tuple((region, impact) for region in RUN_REGIONS),
            pressure="moderate",
            kind="run",
        )

    def load_on(self, region: str) -> int:
        return max((LEVEL[level] for r, level in self.loads if r == region), default=0)

    @property
    def impact_level(self) -> int:
        return LEVEL[self.impact]


# --- what is known of the runner ----------------------------------------------------------


@dataclass(frozen=True)
class Pain:
    region: str
    side: str  # left, right or both, as recorded
    score: int
    aggravated_by: tuple[str, ...] = ()
    reported_on: date | None = None  # a check-in's date; None: the assessment's


@dataclass(frozen=True)
class Injury:
    region: str
    side: str
    kind: str
    on: date


@dataclass(frozen=True)
class Tightness:
    region: str
    side: str
    severity: int


@dataclass(frozen=True)
class Picture:
    """What is known of a runner on ``today``."""

    today: date
    pains: tuple[Pain, ...] = ()
    symptoms: tuple[str, ...] = ()
    injuries: tuple[Injury, ...] = ()
    tightness: tuple[Tightness, ...] = ()
    findings: tuple[str, ...] = ()

    @property
    def healing(self) -> tuple[Injury, ...]:
        """The injuries still healing today."""
        return tuple(i for i in self.injuries if 0 <= (self.today - i.on).days < _heals_in(i))

    @property
    def eventful(self) -> bool:
        """Pain, a symptom or a healing injury: more than posture to coach around."""
        return bool(any(p.score > 0 for p in self.pains) or self.symptoms or self.healing)


def _heals_in(injury: Injury) -> int:
    return BONE_HEALING_DAYS if injury.kind in BONE_INJURIES else HEALING_DAYS


def picture_of(assessment, today: date, findings=(), ratings=()) -> Picture:
    """The picture from an assessment (``None`` for none) and the latest check-in pain
    ``ratings`` (``(region, side, pain, date)``, any order): a rating newer than the
    assessment is the latest word on its region and side, and keeps what the assessment
    said makes that pain worse."""
    pains = [
        Pain(p["region"], p["side"], p["score"], tuple(p.get("aggravated_by") or ()))
        for p in (assessment.pain if assessment is not None else None) or ()
    ]
    assessed_on = assessment.assessed_on if assessment is not None else None
    pains = _with_ratings(pains, ratings, assessed_on, today)
    return Picture(
        today=today,
        pains=tuple(pains),
        symptoms=tuple(getattr(assessment, "symptoms", None) or ()),
        injuries=tuple(
            Injury(i["region"], i["side"], i["kind"], _as_date(i["on"]))
            for i in getattr(assessment, "injuries", None) or ()
        ),
        tightness=tuple(
            Tightness(t["region"], t["side"], t["severity"])
            for t in (assessment.tightness if assessment is not None else None) or ()
        ),
        findings=tuple(findings),
    )


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _sides(side: str) -> tuple[str, ...]:
    return ("left", "right") if side == "both" else (side,)


def _with_ratings(pains: list[Pain], ratings, assessed_on: date | None, today: date) -> list:
    """Pains with the latest check-in rating of each region and side in their place."""
    latest: dict[tuple[str, str], tuple[date, int]] = {}
    for region, side, score, on in ratings:
        if score is None or (today - on).days >= CHECK_IN_DAYS or on > today:
            continue
        if assessed_on is not None and on < assessed_on:
            continue
        for one in _sides(side):
            if (region, one) not in latest or on >= latest[(region, one)][0]:
                latest[(region, one)] = (on, score)
    if not latest:
        return pains
    aggravators: dict[tuple[str, str], tuple[str, ...]] = {}
    kept: list[Pain] = []
    for pain in pains:
        left_over = [s for s in _sides(pain.side) if (pain.region, s) not in latest]
        for s in _sides(pain.side):
            aggravators[(pain.region, s)] = pain.aggravated_by
        if len(left_over) == len(_sides(pain.side)):
            kept.append(pain)
        elif left_over:
            kept.append(Pain(pain.region, left_over[0], pain.score, pain.aggravated_by))
    # One pain a rating, the two sides of a region joined when they say the same.
    grouped: dict[tuple, list[str]] = {}
    for (region, side), (on, score) in sorted(latest.items()):
        key = (region, score, aggravators.get((region, side), ()), on)
        grouped.setdefault(key, []).append(side)
    for (region, score, aggravated_by, on), sides in grouped.items():
        side = "both" if len(sides) == 2 else sides[0]
        kept.append(Pain(region, side, score, aggravated_by, on))
    return kept


# --- the words a client reads ---------------------------------------------------------------

# A region as a runner names it: (one, both), or a single word for the body's midline.
_PAIRED = {
    "foot": ("foot", "feet"),
    "ankle": ("ankle", "ankles"),
    "achilles": ("Achilles", "Achilles tendons"),
    "calf": ("calf", "calves"),
    "shin": ("shin", "shins"),
    "knee": ("knee", "knees"),
    "quadriceps": ("quad", "quads"),
    "hamstrings": ("hamstring", "hamstrings"),
    "proximal_hamstrings": ("upper hamstring", "upper hamstrings"),
    "adductors": ("inner thigh", "inner thighs"),
    "hip_flexors": ("hip flexor", "hip flexors"),
    "glutes": ("glute", "glutes"),
    "hip": ("hip", "hips"),
    "shoulders": ("shoulder", "shoulders"),
}
_MIDLINE = {
    "pelvis": "pelvis",
    "pelvic_floor": "pelvic floor",
    "lower_back": "lower back",
    "deep_core": "deep core",
    "diaphragm": "diaphragm",
    "ribs": "ribs",
    "thoracic_spine": "upper back",
    "neck": "neck",
}


def body_part(region: str, side: str) -> tuple[str, bool]:
    """``region`` on ``side`` as a client reads it ("your left knee", "both knees"),
    and whether the words are plural."""
    if region == "plantar_fascia":
        if side == "both":
            return "the soles of both feet", True
        return f"the sole of your {side} foot", False
    if region in _MIDLINE:
        name = _MIDLINE[region]
        if side == "both":
            return f"both sides of your {name}", True
        return f"the {side} side of your {name}", False
    one, both = _PAIRED[region]
    if side == "both":
        return f"both {both}", True
    return f"your {side} {one}", False


AGGRAVATOR_WORDS = {
    "extension": "when you arch back",
    "flexion": "when you bend forward",
    "rotation": "when you twist",
    "impact": "when you land",
    "running": "when you run",
    "downhill": "running downhill",
    "stairs": "on stairs",
    "single_leg": "on one leg",
    "loading": "under load",
    "sitting": "when you sit",
    "standing": "when you stand",
    "first_steps": "with your first steps in the morning",
}
SYMPTOM_WORDS = {
    "leaking": "you have had some leaking",
    "pelvic_heaviness": "you feel heaviness in your pelvis",
    "pelvic_dragging": "you feel a dragging in your pelvis",
    "pelvic_pain": "you have pelvic pain",
    "bleeding": "you have had some bleeding",
    "abdominal_separation": "your tummy muscles have separated",
    "swelling": "you have some swelling",
    "giving_way": "a joint has been giving way",
    "numbness_or_tingling": "you have had numbness or tingling",
    "night_pain": "you have had pain at night",
    "radiating_pain": "you have had pain that spreads down a limb",
}
INJURY_WORDS = {
    "sprain": "sprain",
    "strain": "strain",
    "tendinopathy": "tendon injury",
    "bone_stress": "bone stress injury",
    "fracture": "fracture",
    "surgery": "surgery",
    "other": "injury",
}
# A finding the coach states, when no recorded pain or symptom says it in words.
FINDING_WORDS = {
    "pelvic_floor_symptoms": "your pelvic floor needs care first",
    "extension_sensitive_back": "your back is sore when it arches",
    "flexion_sensitive_back": "your back is sore when it rounds",
}
SPINE_FINDINGS = {"extension": "extension_sensitive_back", "flexion": "flexion_sensitive_back"}
SPINE_WORDS = {
    "extension": "nothing that arches your back yet",
    "flexion": "nothing that rounds your back yet",
    "rotation": "nothing that twists your back yet",
}
# What a name says it does, for "no ... yet".
_IMPACT_NAMES = (
    (("hop", "hops", "jump", "jumps", "bound", "bounds", "pogo"), "no hopping or jumping yet"),
    (("sprint", "sprints", "stride", "strides"), "no fast running yet"),
    (("skip", "skips", "skipping"), "no skipping yet"),
    (("run", "runs", "running", "jog", "jogging"), "no running yet"),
)


def _listed(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _weeks(days: int) -> str:
    if days < 7:
        return "a few days"
    weeks = days // 7
    return "1 week" if weeks == 1 else f"{weeks} weeks"


def pain_words(pain: Pain) -> str:
    """ "your left knee hurts on stairs (6/10)"."""
    part, plural = body_part(pain.region, pain.side)
    if pain.reported_on is not None:
        when = f"{pain.reported_on.day} {pain.reported_on:%B}"
        return f"{part} hurt ({pain.score}/10) when you checked in on {when}"
    worse = [AGGRAVATOR_WORDS[a] for a in pain.aggravated_by if a in AGGRAVATOR_WORDS]
    said = f" {_listed(worse)}" if worse else ""
    return f"{part} {'hurt' if plural else 'hurts'}{said} ({pain.score}/10)"


def injury_words(injury: Injury, today: date) -> str:
    """ "the sprain of your left ankle is 3 weeks old"."""
    part, _ = body_part(injury.region, injury.side)
    age = _weeks((today - injury.on).days)
    if injury.kind == "surgery":
        return f"the surgery on {part} was {age} ago"
    return f"the {INJURY_WORDS[injury.kind]} in {part} is {age} old"


def tightness_words(tight: Tightness) -> str:
    part, plural = body_part(tight.region, tight.side)
    return f"{part} {'are' if plural else 'is'} tight ({tight.severity}/10)"


def impact_words(work: Work) -> str:
    words = set(work.name.lower().replace("-", " ").split())
    for names, said in _IMPACT_NAMES:
        if words & set(names):
            return said
    if work.kind == "run":
        return "no running yet"
    return "no hopping or jumping yet" if work.impact == "high" else "no running or skipping yet"


def sentence(cause: str, consequence: str) -> str:
    return f"{cause[:1].upper()}{cause[1:]}: {consequence}."


# --- the rules ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    """Why a piece of work waits: the rule, and the reason in the client's words."""

    rule: str
    reason: str

    def as_dict(self) -> dict:
        return {"rule": self.rule, "reason": self.reason}


@dataclass
class Guard:
    """The rules read once for one runner today; ``hold`` asks them of one piece of work."""

    picture: Picture
    red_flag: str | None = None  # the cause, in words
    spared: dict[str, str] = field(default_factory=dict)  # region -> cause
    sore_sides: dict[str, set[str]] = field(default_factory=dict)  # region -> sides
    no_impact: str | None = None
    pelvic: str | None = None
    spine: dict[str, str] = field(default_factory=dict)  # direction -> cause
    # region -> (cause, whether the cause is plural, "calves" or "marked")
    settle: dict[str, tuple[str, bool, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        picture = self.picture
        symptoms = set(picture.symptoms)
        flags = [SYMPTOM_WORDS[s] for s in RED_FLAGS if s in symptoms]
        if flags:
            self.red_flag = _listed(flags)
        # Rule painful_region: the worst cause of each region (pain first, then injuries).
        for pain in sorted(picture.pains, key=lambda p: -p.score):
            if pain.score >= SORE:
                self.spared.setdefault(pain.region, pain_words(pain))
                self.sore_sides.setdefault(pain.region, set()).update(_sides(pain.side))
        for injury in picture.healing:
            self.spared.setdefault(injury.region, injury_words(injury, picture.today))
            self.sore_sides.setdefault(injury.region, set()).update(_sides(injury.side))
        # Rule no_impact.
        causes = [
            pain_words(p)
            for p in sorted(picture.pains, key=lambda p: -p.score)
            if (p.score >= SORE and p.region in LOWER_BODY)
            or (p.score >= IMPACT_PAIN and set(p.aggravated_by) & set(IMPACT_AGGRAVATORS))
        ]
        causes += [SYMPTOM_WORDS[s] for s in IMPACT_SYMPTOMS if s in symptoms]
        causes += [
            injury_words(i, picture.today) for i in picture.healing if i.region in LOWER_BODY
        ]
        if causes:
            self.no_impact = causes[0]
        # Rule pelvic_health.
        pelvic = [SYMPTOM_WORDS[s] for s in PELVIC_HEALTH if s in symptoms]
        if pelvic:
            self.pelvic = _listed(pelvic)
        elif "pelvic_floor_symptoms" in picture.findings:
            self.pelvic = FINDING_WORDS["pelvic_floor_symptoms"]
        # Rule spine.
        for pain in sorted(picture.pains, key=lambda p: -p.score):
            if pain.score >= SPINE_PAIN:
                for direction in SPINE_DIRECTIONS:
                    if direction in pain.aggravated_by:
                        self.spine.setdefault(direction, pain_words(pain))
        # A back the coach found sore one way, with or without a pain recorded.
        for direction, finding in SPINE_FINDINGS.items():
            if finding in picture.findings:
                self.spine.setdefault(direction, FINDING_WORDS[finding])
        # Rule settle_first: what the calves' education text promises, and marked tightness.
        if "calf_tightness" in picture.findings:
            calves = [
                t for t in picture.tightness if t.region in SETTLE_REGIONS and t.severity >= 4
            ]
            if calves:
                worst = max(calves, key=lambda t: t.severity)
                cause, plural = tightness_words(worst), body_part(worst.region, worst.side)[1]
            else:
                cause, plural = "your calves are tight", True
            for region in SETTLE_REGIONS:
                self.settle[region] = (cause, plural, "calves")
        for tight in sorted(picture.tightness, key=lambda t: -t.severity):
            if tight.severity >= MARKED_TIGHTNESS and tight.region not in self.settle:
                plural = body_part(tight.region, tight.side)[1]
                self.settle[tight.region] = (tightness_words(tight), plural, "marked")

    @property
    def clear(self) -> bool:
        """Nothing to hold back for anyone."""
        return not (
            self.red_flag or self.spared or self.no_impact or self.pelvic or self.spine
            or self.settle
        )  # fmt: skip

    @property
    def refer(self) -> dict | None:
        if not self.red_flag:
            return None
        return {
            "reason": sentence(
                self.red_flag,
                "please see a doctor or physiotherapist before we go further; until your "
                "coach records a new assessment, only position and breathing work",
            )
        }

    @property
    def advice(self) -> list[dict]:
        """What the runner should do beyond the plan."""
        said = []
        if refer := self.refer:
            said.append({"rule": "red_flag", "text": refer["reason"]})
        if self.pelvic:
            said.append(
                {
                    "rule": "pelvic_health",
                    "text": sentence(
                        self.pelvic,
                        "a pelvic-health physiotherapist can check your pelvic floor and "
                        "guide your return to running; until then, breathing and "
                        "pelvic-floor work come first, with no impact and nothing that "
                        "makes you bear down hard",
                    ),
                }
            )
        return said

    def sore_sides_of(self, work: Work) -> set[str]:
        """The sides where a region ``work`` loads hurts or heals: no bias towards them."""
        return {side for r, _ in work.loads for side in self.sore_sides.get(r, ())}

    def hold(self, work: Work) -> Held | None:
        """Why ``work`` waits today, or None when every rule allows it."""
        for rule in (
            self._red_flag, self._painful_region, self._no_impact, self._pelvic_health,
            self._spine, self._settle_first,
        ):  # fmt: skip
            held = rule(work)
            if held is not None:
                return held
        return None

    # One small function a rule, in the checklist's order.

    def _red_flag(self, work: Work) -> Held | None:
        if self.red_flag and work.stage not in REFER_STAGES:
            return Held(
                "red_flag",
                sentence(
                    self.red_flag,
                    "only position and breathing work until a clinician has had a look",
                ),
            )
        return None

    def _painful_region(self, work: Work) -> Held | None:
        for region, cause in self.spared.items():
            if work.load_on(region) > LEVEL["low"]:
                consequence = (
                    impact_words(work)
                    if work.impact_level > LEVEL["low"]
                    else "only light work for it for now"
                )
                return Held("painful_region", sentence(cause, consequence))
        return None

    def _no_impact(self, work: Work) -> Held | None:
        if self.no_impact and work.impact_level > LEVEL["low"]:
            return Held("no_impact", sentence(self.no_impact, impact_words(work)))
        return None

    def _pelvic_health(self, work: Work) -> Held | None:
        if not self.pelvic:
            return None
        if work.impact_level > LEVEL["low"]:
            return Held("pelvic_health", sentence(self.pelvic, impact_words(work)))
        if work.pressure == "high":
            return Held(
                "pelvic_health",
                sentence(self.pelvic, "nothing that makes you bear down hard yet"),
            )
        return None

    def _spine(self, work: Work) -> Held | None:
        if work.spine in self.spine:
            return Held("spine", sentence(self.spine[work.spine], SPINE_WORDS[work.spine]))
        return None

    def _settle_first(self, work: Work) -> Held | None:
        for region, (cause, plural, promise) in self.settle.items():
            load = work.load_on(region)
            until = "until they settle" if plural else "until it settles"
            if promise == "calves":
                if load and work.impact == "high":
                    return Held("settle_first", sentence(cause, _until(impact_words(work), until)))
                if load > LEVEL["low"] and "heavy_eccentric" in work.precautions:
                    return Held("settle_first", sentence(cause, f"no heavy calf work {until}"))
            elif load > LEVEL["low"] and (
                work.impact == "high" or set(work.precautions) & set(TIGHT_PRECAUTIONS)
            ):
                them = "them" if plural else "it"
                return Held("settle_first", sentence(cause, f"nothing hard on {them} {until}"))
        return None


def _until(consequence: str, until: str) -> str:
    """ "no hopping or jumping yet" as "no hopping or jumping until it settles"."""
    return consequence.removesuffix(" yet") + f" {until}"
