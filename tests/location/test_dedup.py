"""Duplicate scoring: joins, possibles and new cases, and the geometry helpers the store uses."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.location import Locator
from gateway.location.crs import from_wgs84, to_wgs84
from gateway.location.dedup import (
    DedupPolicy,
    PolicyBook,
    Sighting,
    best_match,
    major_of,
    rank,
    score,
    search_box,
)
from gateway.location.errors import DedupError
from gateway.location.geo import bbox, haversine_m, metres_per_degree
from gateway.location.complaints import ComplaintSimilarity
from gateway.location.similarity import TextSimilarity

T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
LAT, LON = 31.3125, 120.6105
M_LAT, M_LON = metres_per_degree(LAT)
POLICY = DedupPolicy()


@pytest.fixture(scope="module")
def sim() -> TextSimilarity:
    return TextSimilarity(ignore=["人民路", "解放路", "幸福小区"])


def north(metres: float) -> float:
    return LAT + metres / M_LAT


def sighting(**kw: object) -> Sighting:
    base: dict[str, object] = dict(
        class_id="ev-2013-0102", lat=LAT, lon=LON, precision_m=20.0, created_at=T0,
        text="人民路和解放路路口垃圾桶满了，垃圾溢出来了", reporter="web:alice",
    )
    base.update(kw)
    return Sighting(**base)  # type: ignore[arg-type]


def test_web_and_phone_reports_40m_apart_join(sim: TextSimilarity) -> None:
    case = sighting()
    call = sighting(lat=north(40), created_at=T0 + timedelta(hours=2), reporter="tel:+8613800000000",
                    text="解放路人民路口那个垃圾箱都满出来了没人清理")
    decision = score(call, case, POLICY, similarity=sim)
    assert decision.verdict == "join"
    assert 39.5 < decision.distance_m < 40.5
    assert "same_class" in decision.reasons


def test_same_report_given_in_gcj02_lands_on_the_same_case(sim: TextSimilarity) -> None:
    case = sighting()
    glat, glon = from_wgs84(north(40), LON, "gcj02")
    assert haversine_m(glat, glon, LAT, LON) > 300  # raw GCJ-02 would be far off
    lat, lon = to_wgs84(glat, glon, "gcj02")
    call = sighting(lat=lat, lon=lon, reporter="tg:42", text="解放路人民路口那个垃圾箱都满出来了没人清理")
    assert score(call, case, POLICY, similarity=sim).verdict == "join"


def test_report_3km_away_is_new(sim: TextSimilarity) -> None:
    decision = score(sighting(lat=north(3000), reporter="tg:1"), sighting(), POLICY, similarity=sim)
    assert decision.verdict == "new" and decision.reasons == ("too_far",)


def test_outside_time_window_is_new(sim: TextSimilarity) -> None:
    later = sighting(created_at=T0 + timedelta(hours=73), reporter="tg:1")
    assert score(later, sighting(), POLICY, similarity=sim).reasons == ("outside_window",)


def test_different_family_is_new_even_when_close(sim: TextSimilarity) -> None:
    cover = sighting(class_id="co-2013-0101", text="人民路和解放路路口井盖不见了", reporter="tg:1")
    assert score(cover, sighting(), POLICY, similarity=sim).reasons == ("different_family",)


def test_same_family_needs_full_threshold(sim: TextSimilarity) -> None:
    street_dirty = sighting(class_id="ev-2013-0104", lat=north(30), reporter="tg:1", text="人民路和解放路路口垃圾桶满了溢出来")
    decision = score(street_dirty, sighting(), POLICY, similarity=sim)
    assert decision.verdict == "join" and decision.reasons[0] == "same_major"


def test_same_place_different_problem_does_not_join(sim: TextSimilarity) -> None:
    vendor = sighting(lat=north(150), reporter="tg:1", text="人民路和解放路路口有人摆摊卖水果")
    assert score(vendor, sighting(), POLICY, similarity=sim).verdict == "new"


T = POLICY.threshold


def test_borderline_text_is_a_possible_duplicate() -> None:
    decision = score(sighting(lat=north(120), reporter="tg:1"), sighting(), POLICY, similarity=lambda a, b: T - POLICY.borderline / 2)
    assert decision.verdict == "possible" and "text_borderline" in decision.reasons


def test_very_close_same_class_needs_less_text() -> None:
    below = T * (1 + POLICY.close_relief) / 2  # under the threshold, above what a very close report needs
    near = score(sighting(lat=north(30), reporter="tg:1"), sighting(), POLICY, similarity=lambda a, b: below)
    far = score(sighting(lat=north(200), reporter="tg:1"), sighting(), POLICY, similarity=lambda a, b: below)
    assert near.verdict == "join" and "very_close" in near.reasons
    assert far.verdict == "possible"


def test_coarse_location_reaches_further_but_leans_on_text() -> None:
    coarse = sighting(lat=north(400), precision_m=500.0, reporter="tg:1")
    similar = score(coarse, sighting(), POLICY, similarity=lambda a, b: T + POLICY.coarse_extra + 0.05)
    vague = score(coarse, sighting(), POLICY, similarity=lambda a, b: T + POLICY.coarse_extra - 0.03)
    assert similar.verdict == "join" and "coarse_location" in similar.reasons and "beyond_radius" in similar.reasons
    assert vague.verdict == "possible"
    precise = score(sighting(lat=north(400), reporter="tg:1"), sighting(), POLICY, similarity=lambda a, b: 1.0)
    assert precise.verdict == "new"


def test_coarse_reach_never_passes_the_hard_cap() -> None:
    decision = score(sighting(lat=north(1100), precision_m=5000.0, reporter="tg:1"), sighting(), POLICY,
                     similarity=lambda a, b: 1.0)
    assert decision.reasons == ("too_far",)


def test_same_reporter_follow_up_joins_when_it_continues_the_problem() -> None:
    photo = sighting(class_id="co-2013-0118", created_at=T0 + timedelta(hours=3), text="补充一张照片，就是刚才说的那个")
    decision = score(photo, sighting(), POLICY, similarity=lambda a, b: 0.0)
    assert decision.verdict == "join" and decision.reasons == ("same_reporter_follow_up",)
    more = sighting(created_at=T0 + timedelta(hours=2), text="垃圾越堆越多了，味道很大")
    assert score(more, sighting(), POLICY, similarity=lambda a, b: 0.0).reasons == ("same_reporter_follow_up",)
    late = sighting(created_at=T0 + timedelta(hours=5), text="垃圾越堆越多了")
    assert score(late, sighting(), POLICY, similarity=lambda a, b: 0.0).reasons != ("same_reporter_follow_up",)


def test_a_reporters_second_problem_is_a_new_case() -> None:
    """A full bin, then a missing manhole cover at the same place from the same person: two cases."""
    cover = sighting(class_id="cp-0114", created_at=T0 + timedelta(minutes=10), text="还有这里的井盖也不见了")
    decision = score(cover, sighting(), POLICY, similarity=lambda a, b: 0.0)
    assert decision.verdict == "new" and decision.reasons == ("different_family",)


def test_follow_up_reaches_past_a_small_class_radius_but_not_the_hard_cap() -> None:
    tight = DedupPolicy(radius_m=50.0)
    near = sighting(lat=north(300), created_at=T0 + timedelta(hours=1))
    far = sighting(lat=north(1500), created_at=T0 + timedelta(hours=1))
    assert score(near, sighting(), tight, similarity=lambda a, b: 0.0).verdict == "join"
    assert score(far, sighting(), tight, similarity=lambda a, b: 0.0).reasons == ("too_far",)


def test_report_without_place_joins_only_its_reporters_own_case() -> None:
    call = sighting(lat=None, lon=None, created_at=T0 + timedelta(hours=1), text="刚才说的那个垃圾桶还是满的")
    own = score(call, sighting(), POLICY, similarity=lambda a, b: 1.0)
    other = score(call, sighting(reporter="tg:7"), POLICY, similarity=lambda a, b: 1.0)
    assert own.verdict == "join" and own.distance_m is None
    assert other.verdict == "new" and other.reasons == ("no_location",)


def test_unclassified_reports_join_only_as_follow_ups() -> None:
    unclassified = sighting(class_id=None, reporter="tg:5")
    assert score(unclassified, sighting(), POLICY, similarity=lambda a, b: 1.0).reasons == ("unclassified",)
    assert score(sighting(class_id=None), sighting(), POLICY, similarity=lambda a, b: 1.0).verdict == "join"


def test_closed_case_is_never_joined() -> None:
    assert score(sighting(), sighting(is_open=False), POLICY, similarity=lambda a, b: 1.0).reasons == ("case_closed",)


def test_reports_in_the_same_instant_join_either_way(sim: TextSimilarity) -> None:
    a = sighting()
    b = sighting(lat=north(10), reporter="tg:9")
    assert score(a, b, POLICY, similarity=sim).verdict == score(b, a, POLICY, similarity=sim).verdict == "join"


def test_rank_orders_joins_first_then_nearest(sim: TextSimilarity) -> None:
    new = sighting(reporter="tg:1")
    candidates = [
        ("c-far", sighting(lat=north(3000))),
        ("c-200", sighting(lat=north(200))),
        ("c-50", sighting(lat=north(50))),
        ("c-other", sighting(lat=north(10), class_id="co-2013-0101")),
    ]
    ranked = rank(new, candidates, PolicyBook(), similarity=sim)
    assert [c for c, _ in ranked] == ["c-50", "c-200", "c-other", "c-far"]
    assert best_match(new, candidates, PolicyBook(), similarity=sim) == ranked[0]
    assert best_match(new, candidates[:1], PolicyBook(), similarity=sim) is None


def test_per_class_policy_is_used() -> None:
    book = PolicyBook(by_class={"ev-2013-0102": DedupPolicy(radius_m=50.0)})
    new = sighting(lat=north(80), reporter="tg:1")
    assert rank(new, [("c", sighting())], book, similarity=lambda a, b: 1.0)[0][1].reasons == ("too_far",)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"radius_m": 1500.0}, "dedup_radius_out_of_range"),
        ({"radius_m": 0.0}, "dedup_radius_out_of_range"),
        ({"window": timedelta(0)}, "dedup_window_not_positive"),
        ({"threshold": 0.2, "borderline": 0.3}, "dedup_threshold_out_of_range"),
    ],
)
def test_policy_limits(kwargs: dict[str, object], code: str) -> None:
    with pytest.raises(DedupError) as info:
        DedupPolicy(**kwargs)  # type: ignore[arg-type]
    assert info.value.code == code


@pytest.mark.parametrize(
    ("class_id", "family"),
    [("ev-2013-0110", "ev-2013-01"), ("co-2026-06001", "co-2026-06"), ("ev-0110", "ev-01"), ("local-x", "local-x")],
)
def test_major_of(class_id: str, family: str) -> None:
    assert major_of(class_id) == family


def test_text_similarity_bounds(sim: TextSimilarity) -> None:
    assert sim("井盖不见了", "井盖不见了") == 1.0
    assert sim("", "井盖不见了") == 0.0
    assert sim("井盖丢了，很危险", "井盖不见了") > sim("有人摆摊卖水果", "井盖不见了")


@settings(max_examples=200, deadline=None)
@given(
    lat=st.floats(-89.0, 89.0), lon=st.floats(-179.9, 179.9),
    radius=st.floats(1.0, 1000.0), bearing_lat=st.floats(-1.0, 1.0), bearing_lon=st.floats(-1.0, 1.0),
)
def test_bbox_holds_every_point_within_the_radius(lat: float, lon: float, radius: float, bearing_lat: float,
                                                  bearing_lon: float) -> None:
    m_lat, m_lon = metres_per_degree(lat)
    plat = lat + bearing_lat * radius / m_lat * 0.999
    plon = lon + bearing_lon * radius / max(m_lon, 1e-9) * 0.999
    if not (-90 <= plat <= 90 and -180 <= plon <= 180) or haversine_m(lat, lon, plat, plon) > radius:
        return
    assert bbox(lat, lon, radius).contains(plat, plon)


def test_search_box_widens_for_coarse_locations() -> None:
    tight, wide = search_box(LAT, LON, POLICY), search_box(LAT, LON, POLICY, precision_m=500.0)
    assert wide.max_lat - wide.min_lat > tight.max_lat - tight.min_lat
    assert haversine_m(tight.min_lat, LON, tight.max_lat, LON) == pytest.approx(500.0, rel=1e-6)


def _duplicate_pairs() -> list[tuple[str, str, str]]:
    path = Path(__file__).parent / "data" / "duplicate_pairs.tsv"
    lines = path.read_text(encoding="utf-8").splitlines()
    return [tuple(line.split("\t")) for line in lines if line and not line.startswith("#")]  # type: ignore[misc]


@pytest.fixture(scope="module")
def city_similarity(sample_city_dir: Path) -> ComplaintSimilarity:
    return Locator.load(sample_city_dir).similarity


def test_written_duplicate_pairs_join_and_other_incidents_do_not(city_similarity: ComplaintSimilarity) -> None:
    pairs = _duplicate_pairs()
    assert len(pairs) >= 20

    def verdicts(metres: float, matched: bool) -> list[str]:
        out = []
        for first, second in itertools.permutations(pairs, 2) if not matched else ((p, p) for p in pairs):
            if not matched and first[0][:9] != second[0][:9]:
                continue  # different families never meet anyway
            case = sighting(class_id=first[0], text=first[1])
            report = sighting(class_id=second[0], text=second[2], lat=north(metres), reporter="tel:1")
            out.append(score(report, case, POLICY, similarity=city_similarity, places=city_similarity.places).verdict)
        return out

    close, across_street = verdicts(40, True), verdicts(150, True)
    assert close.count("join") / len(close) >= 0.9
    assert across_street.count("join") / len(across_street) >= 0.75
    assert across_street.count("new") / len(across_street) <= 0.1
    others = verdicts(150, False)
    assert len(others) >= 100
    assert others.count("join") / len(others) <= 0.02


def test_synonyms_fold_in_one_pass(sim: TextSimilarity) -> None:
    assert sim("垃圾没人清理", "垃圾没人收") == 1.0
    assert sim("垃圾箱满出来", "垃圾桶溢出") == 1.0


def test_letters_are_compared_by_problem_and_place(city_similarity: ComplaintSimilarity) -> None:
    letter = ("尊敬的领导您好！我是幸福小区的居民，已经多次打12345反映，至今无人管理。我们小区北门口的垃圾桶满了好几天，"
              "垃圾堆在地上，臭气熏天。恳请尽快处理！")
    note = "幸福小区北门那个垃圾箱都满出来了没人收"
    assert "反映" not in city_similarity.problem(letter) and "幸福小区" not in city_similarity.problem(letter)
    assert city_similarity.places(letter, note) == "same"
    assert city_similarity.places(note, "阳光花园南门的垃圾桶满了，垃圾溢出来了") == "different"
    assert city_similarity.places("人民路30号门口垃圾堆着没人清理", "人民路210号门口垃圾堆着没人清理") == "different"
    assert city_similarity.places("第一人民医院对面的红绿灯不亮", "一院对面那个红绿灯坏了") == "same"
    assert city_similarity.places("门口的垃圾桶满了", "幸福小区北门垃圾桶满了") == "unknown"


def test_different_places_named_do_not_join_though_close(city_similarity: ComplaintSimilarity) -> None:
    case = sighting(text="幸福小区北门的垃圾桶满了，垃圾溢出来了")
    report = sighting(lat=north(40), reporter="tel:1", text="阳光花园南门的垃圾桶满了，垃圾溢出来了")
    decision = score(report, case, POLICY, similarity=city_similarity, places=city_similarity.places)
    assert decision.verdict == "new" and "different_place_named" in decision.reasons


def test_held_report_searches_by_its_suggestion() -> None:
    """No class (held for review), but its suggestions repeat an open case's problem: proposed, or joined on clear evidence."""
    case = sighting(suggestions=(("ev-2013-0102", 0.8), ("ev-2013-0110", 0.1)))
    held = sighting(class_id=None, lat=north(30), reporter="tg:1", suggestions=(("ev-2013-0102", 0.3), ("ev-2013-0110", 0.25)))
    weak = score(held, case, POLICY, similarity=lambda a, b: 0.05)
    assert "suggested_class" in weak.reasons and weak.verdict in ("possible", "join")
    clear = score(held, case, POLICY, similarity=lambda a, b: 0.9)
    assert clear.verdict == "join" and "suggested_class" in clear.reasons
    other = sighting(class_id=None, lat=north(30), reporter="tg:1", suggestions=(("cp-0114", 0.3),))
    assert score(other, case, POLICY, similarity=lambda a, b: 0.9).reasons == ("different_family",)


def test_family_members_are_one_problem() -> None:
    """Two manhole covers of different owners (the reporters could not tell) at one place repeat each other."""
    from classifier.families import load_families

    unit_of = load_families().unit_of
    case = sighting(class_id="cp-0114", text="路口井盖没了")
    report = sighting(class_id="cp-0102", lat=north(30), reporter="tg:1", text="这个窨井盖不见了")
    decision = score(report, case, POLICY, similarity=lambda a, b: 0.2, unit_of=unit_of)
    assert decision.verdict == "join" and decision.reasons[0] == "same_class"


def test_a_full_bin_told_as_the_bin_or_as_its_rubbish_is_one_problem(sim: TextSimilarity) -> None:
    rubbish = sighting(class_id="ev-2013-0110", lat=north(30), reporter="tg:1", text="人民路和解放路路口垃圾桶满了溢出来")
    bin_ = sighting(class_id="cp-0305", text="人民路解放路路口垃圾箱满了没人清理")
    decision = score(rubbish, bin_, POLICY, similarity=sim)
    assert decision.verdict == "join" and decision.reasons[0] == "same_major"
    lamp = sighting(class_id="cp-0118", text="人民路解放路路口路灯不亮")
    assert score(rubbish, lamp, POLICY, similarity=sim).verdict == "new", "other components stay apart from the rubbish"
