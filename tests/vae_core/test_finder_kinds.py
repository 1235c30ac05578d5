"""Issue 22: a dog's head is a distinct verdict (never a cat), people's faces lose to cats, and the
shipped finder on each kind of real photo (dogs, cat-free strips, people beside cats)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from generated_finder import GeneratedFaceFinder
from image_factory import encode_image, synthetic_faces
from PIL import Image

from trainer.evaluate_finder import PORTRAITS, evaluate_dogs, evaluate_people, evaluate_strips
from trainer.finder_sets import PEOPLE_IN_SCENES, SPLITS, dog_files, heads_of, load_scene_items, widest_strip
from vae_core.detection import Detection, crop_square, look
from vae_core.engine import Engine, EngineSettings
from vae_core.errors import DogFound, FaceNotFound
from vae_core.facecrop import locate, shift_inside
from vae_core.finder import load_finder
from vae_core.finder_net import KindConfig, NetFinder, kind_verdict
from vae_core.hints import FaceHint
from vae_core.human_faces import HumanFaces

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
PEOPLE = [Path("/tmp/people")]  # where the portraits were unpacked from the wheels' sample data, if anywhere


class Stub:
    """A finder that sees what it is told: cats' and dogs' heads."""

    threshold = 0.5

    def __init__(self, *dets: Detection):
        self.dets = sorted(dets, key=lambda d: -d.score)

    def find(self, img, floor=None):
        return [d for d in self.dets if d.kind == "cat"]

    def look(self, img, floor=None):
        return list(self.dets)


DOG = Detection((100, 60, 220, 180), 0.9, 0.0, "dog")
CAT = Detection((300, 200, 380, 280), 0.7)
IMG = Image.new("RGB", (640, 480), (120, 110, 100))


def test_a_dog_alone_is_not_a_cat_and_its_face_square_is_kept():
    where = locate(IMG, Stub(DOG))
    assert not where.found and where.dog and where.head == DOG.box
    assert where.square == shift_inside(crop_square(DOG), IMG.size)
    assert Stub(DOG).find(IMG) == [] and look(Stub(DOG), IMG) == [DOG]


def test_a_dog_and_a_cat_uses_the_cat():
    where = locate(IMG, Stub(DOG, CAT))
    assert where.found and not where.dog and where.head == CAT.box and where.cats == 1


def test_mix_it_anyway_uses_the_dog_face():
    where = locate(IMG, Stub(DOG), FaceHint.mix_anyway())
    assert where.found and where.dog and where.hint == "a" and where.head == DOG.box
    assert FaceHint.parse("a") == FaceHint.mix_anyway() and FaceHint.mix_anyway().token() == "a"
    with pytest.raises(ValueError):
        FaceHint(cell=1, anyway=True)


def test_a_finder_without_look_still_works():
    assert look(GeneratedFaceFinder(), IMG) == []


def test_dog_found_is_a_face_not_found_naming_the_dogs():
    e = DogFound([0, 1], [1])
    assert isinstance(e, FaceNotFound) and e.code == "dog" and e.photos == [0, 1] and e.dogs == [1]
    assert "Photo 2 looks like a dog" in str(e)


class DogInPhoto(GeneratedFaceFinder):
    """The generated faces are cats; any other picture shows a dog's head in its middle."""

    def look(self, img, floor=None):
        cats = self.find(img, floor)
        if cats:
            return cats
        w, h = img.size
        return [Detection((w / 4, h / 4, 3 * w / 4, 3 * h / 4), 0.8, 0.0, "dog")]


async def test_the_engine_says_which_photos_look_like_dogs_and_mixes_them_when_asked(tiny_model):
    face = encode_image(synthetic_faces(1, size=256, seed=7)[0], "JPEG", quality=90)
    dog = encode_image(np.full((200, 300, 3), 90, np.uint8), "JPEG")
    eng = Engine(tiny_model, EngineSettings(workers=1), finder=DogInPhoto())
    try:
        with pytest.raises(DogFound) as e:
            await eng.mix([face, dog])
        assert e.value.dogs == [1] and e.value.photos == [1]
        cats = await eng.cats([face, dog], [None, FaceHint.mix_anyway()])  # the "mix it anyway" button
        assert cats[1].report.dog and cats[1].report.face_found and cats[1].report.hint == "a"
    finally:
        eng.close()
    cli = Engine(tiny_model, EngineSettings(workers=1, middle_without_face=True, mix_dogs=True), finder=DogInPhoto())
    try:
        reply = await cli.mix([face, dog])
        assert reply.reports[1].dog and reply.faces_missing == [1]
    finally:
        cli.close()


def test_splits_are_fixed_by_file_name():
    if not (DATA / "dogs").is_dir() or not (DATA / "scenes").is_dir():
        pytest.skip("../shared/data/dogs or scenes is not available on this machine")
    counts = {s: len(dog_files(DATA / "dogs", s)) for s in SPLITS}
    assert counts == {"train": 74, "test": 25, "held-out": 25}
    scenes = {s: len(load_scene_items(DATA / "scenes", s)) for s in SPLITS}
    assert scenes == {"train": 238, "test": 53, "held-out": 53}


def test_the_widest_strip_clears_every_head():
    heads = [(100.0, 100.0, 200.0, 200.0), (150.0, 300.0, 260.0, 400.0)]
    strip = widest_strip((800, 500), heads)
    assert strip == (261, 0, 800, 500)
    assert widest_strip((300, 300), [(10.0, 10.0, 290.0, 290.0)]) is None


def _shipped() -> NetFinder:
    finder = load_finder()
    if not isinstance(finder, NetFinder) or finder.kinds is None:
        pytest.skip("the shipped finder has no kind net")
    return finder


def test_dog_photos_are_not_taken_for_cats():
    if not (DATA / "dogs").is_dir():
        pytest.skip("../shared/data/dogs is not available on this machine")
    r = evaluate_dogs(_shipped(), DATA / "dogs", "test", progress=False)["test"]
    assert r["n"] == 25 and r["taken_for_cat"] <= 0.12  # measured on the model card; target 10%
    assert r["answered_dog"] >= 0.5


def test_real_cat_free_strips_rarely_get_a_head():
    if not (DATA / "scenes").is_dir():
        pytest.skip("../shared/data/scenes is not available on this machine")
    root = DATA / "scenes"
    r = evaluate_strips(_shipped(), root, load_scene_items(root, "test"), progress=False)
    assert r["n"] >= 50 and r["rate"] <= 0.06


def test_the_real_photo_of_a_man_holding_kittens_gets_a_kitten_not_the_man():
    if not (DATA / "scenes").is_dir():
        pytest.skip("../shared/data/scenes is not available on this machine")
    root = DATA / "scenes"
    items = [it for it in load_scene_items(root, "all") if it["file"] in PEOPLE_IN_SCENES]
    r = evaluate_people(_shipped(), root, items, None, progress=False)
    assert r["real_photos"] and all(p["cat_found"] and not p["person_chosen"] for p in r["real_photos"])


def test_people_pasted_beside_cats_are_not_chosen():
    folder = next((p for p in PEOPLE if all((p / n).is_file() for n in PORTRAITS)), None)
    if folder is None or not (DATA / "scenes").is_dir():
        pytest.skip("no portraits (matplotlib's grace_hopper.jpg, scikit-image's astronaut.png) unpacked in "
                    "/tmp/people, or no ../shared/data/scenes")
    root = DATA / "scenes"
    r = evaluate_people(_shipped(), root, load_scene_items(root, "test")[:20], folder, progress=False)
    # measured 0 of 61 on the test split (2 of 61 before the unsure-cat penalty: the model card)
    assert r["n"] >= 10 and r["person_chosen"] == 0


def test_the_kind_rule_lets_a_very_sure_head_stand_unless_the_kind_net_is_very_sure_too():
    kc = KindConfig(dog_min=0.5, cat_min=0.25, keep_score=0.85, keep_cat_min=0.15)
    assert kind_verdict(kc, 0.7, 0.2, 0.1) is None  # an unsure head the kind net doubts: dropped
    assert kind_verdict(kc, 0.9, 0.2, 0.1) == "cat"  # the same doubt about a very sure head: kept
    assert kind_verdict(kc, 0.9, 0.05, 0.9) == "dog"  # the kind net very sure it is a dog: a dog
    assert kind_verdict(kc, 0.9, 0.2, 0.75) == "cat"  # a very sure head, p(cat) not tiny: still a cat
    assert kind_verdict(kc, 0.7, 0.2, 0.75) == "dog"
    assert kind_verdict(kc, 0.7, 0.45, 0.55) == "dog"  # p(dog) just above p(cat) is enough by default
    assert kind_verdict(replace(kc, dog_over_cat=1.5), 0.7, 0.45, 0.55) == "cat"
    old = KindConfig(dog_min=0.5, cat_min=0.25)  # keep_score above 1: the rule before (files without it)
    assert kind_verdict(old, 0.99, 0.2, 0.1) is None and kind_verdict(old, 0.99, 0.3, 0.6) == "dog"


class EveryHeadIsAPerson:
    """OpenCV's cascade as if it called every head a person's (what it does on some real cats)."""

    def is_person(self, img, det):
        return True


def test_a_person_flagged_head_loses_more_when_the_kind_net_doubts_it_is_a_cat():
    finder = _shipped()
    cfg = replace(finder.config, people_penalty=0.3, people_cat_min=0.7, people_penalty_unsure=0.4)
    finder = NetFinder(finder.net, finder.verifier, finder.kinds)
    finder.config = cfg
    finder._people = EveryHeadIsAPerson()
    sure_cat, doubtful = Detection((0, 0, 50, 50), 0.8), Detection((60, 0, 110, 50), 0.8)
    out = finder._people_checked(IMG, [sure_cat, doubtful], {sure_cat: 0.9, doubtful: 0.55})
    assert [round(d.score, 2) for d in out] == [0.56, 0.48] and out[0].box == sure_cat.box
    plain = NetFinder(finder.net, finder.verifier, finder.kinds)
    plain.config = replace(cfg, people_cat_min=0.0)  # the rule off: one penalty for every flagged head
    plain._people = EveryHeadIsAPerson()
    out = plain._people_checked(IMG, [sure_cat, doubtful], {doubtful: 0.55})
    assert [round(d.score, 2) for d in out] == [0.56, 0.56]


def test_the_human_face_check_flags_people_and_almost_no_real_cat():
    folder = next((p for p in PEOPLE if all((p / n).is_file() for n in PORTRAITS)), None)
    if folder is None or not (DATA / "scenes").is_dir():
        pytest.skip("no portraits unpacked in /tmp/people, or no ../shared/data/scenes")
    faces = HumanFaces()
    for name, face in PORTRAITS.items():
        assert faces.is_person(Image.open(folder / name).convert("RGB"), Detection(face, 1.0)), name
    root = DATA / "scenes"
    flagged = n = 0
    for it in load_scene_items(root, "test"):
        img = Image.open(root / "photos" / it["file"]).convert("RGB")
        for box in heads_of(it):
            n += 1
            flagged += faces.is_person(img, Detection(box, 1.0))
    assert n >= 53 and flagged <= 1  # 1 of 297 train and test heads at scaleFactor 1.2 (10 at 1.1)
