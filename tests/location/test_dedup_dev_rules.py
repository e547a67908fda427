"""Rules shaped on the development pair set: places told apart, problems compared without their frame."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.location import Locator
from gateway.location.complaints import ComplaintSimilarity

CITY = Path(__file__).resolve().parents[2] / "config" / "cities" / "sample"


@pytest.fixture(scope="module")
def sim() -> ComplaintSimilarity:
    return Locator.load(CITY).similarity


@pytest.mark.parametrize(("a", "b", "relation"), [
    ("东湖新村5幢楼下路灯坏了", "东湖新村五幢门口路灯不亮", "same"),
    ("翠竹园北门垃圾满了", "翠竹园小区后门垃圾没人清", "same"),
    ("翠竹园正门垃圾满了", "翠竹园后门垃圾没人清", "different"),
    ("文化路和解放路路口护栏倒了", "文化路和和平路路口护栏被撞坏", "different"),
    ("第一人民医院门口小贩很多", "热线工单：城南派出所对面小贩很多", "unknown"),
    ("城南派出所对面井盖没了", "城北派出所对面井盖没了", "different"),
    ("地铁梧桐路站A口共享单车乱停", "梧桐路地铁站D口单车堆满了", "different"),
    ("枫林路128号楼下油烟很大", "枫林路16号饭店油烟", "different"),
])
def test_places(sim: ComplaintSimilarity, a: str, b: str, relation: str) -> None:
    assert sim.places(a, b) == relation


def test_frame_and_consequences_are_not_the_problem(sim: ComplaintSimilarity) -> None:
    letter = ("尊敬的市长您好：我是附近的居民，想反映一个问题：幸福小区东门，垃圾桶满了没人清，已经一个多星期了。"
              "严重影响我们的正常生活。麻烦尽快安排人来看看，谢谢！")
    problem = sim.problem(letter)
    assert "垃圾桶满了没人清" in problem
    assert "市长" not in problem and "星期" not in problem and "影响" not in problem


def test_a_further_problem_does_not_count_against_the_first(sim: ComplaintSimilarity) -> None:
    letter = "人民路上路灯不亮了，晚上黑漆漆的。另外，旁边垃圾桶也坏了，请一并处理。"
    assert "垃圾桶" not in sim.problem(letter)
    assert sim(letter, "人民路路灯坏了，晚上黑漆漆的") > sim(letter, "人民路垃圾桶坏了")
