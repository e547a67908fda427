"""What the public may read of a citizen's words and place: one masking module for every public surface."""
from __future__ import annotations

import pytest

from gateway.location import Locator
from gateway.privacy import mask_personal, rough_place
from tests.core.test_full_pipeline import locator  # noqa: F401  (the sample city, a session fixture)


@pytest.mark.parametrize(
    "words, public",
    [
        ("我叫王小明，电话13912345678", "我叫***，电话*******5678"),
        ("我姓李，住在人民路", "我姓*，住在人民路"),
        ("联系人：张三丰 手机", "联系人：*** 手机"),
        ("请联系王先生", "请联系*先生"),
        ("车牌苏E·12345乱停", "车牌苏E·*****乱停"),
        ("苏eD12345和京A1234学", "苏e******和京A*****"),
        ("邮箱 zhang.san@example.org", "邮箱 *********@example.org"),
        ("My name is John Smith, Mr Lee saw it", "My name is **** *****, Mr *** saw it"),
        ("卡号6222020200112233445", "卡号***************3445"),
        ("座机0512-67891234", "座机****-****1234"),
    ],
)
def test_personal_data_is_masked_in_public_text(words: str, public: str) -> None:
    assert mask_personal(words) == public


def test_public_masking_leaves_the_problem_readable() -> None:
    for words in ("老百姓都很不满意，这位先生说井盖丢了三天", "2026年11月22日晚上8点，人民路和解放路路口", "一位女士摔倒了", "姓名不详"):
        assert mask_personal(words) == words


def test_a_rough_place_names_no_house_number_building_or_room(locator: Locator) -> None:  # noqa: F811
    assert rough_place("人民路18号3单元401室", None, None, None) == "人民路"
    assert rough_place("幸福小区3栋2单元401室", None, None, None) == "幸福小区"
    assert rough_place("人民路与解放路交叉口", None, None, None) == "人民路与解放路"
    assert rough_place("我家楼下", None, None, None) is None, "a free description is no place the public may read"
    cell = locator.grid_of(31.3185, 120.6010)
    assert cell is not None
    assert rough_place(None, 31.3185, 120.6010, locator) == f"{cell.district}{cell.street}{cell.community}"
    assert rough_place("人民路18号", 31.3185, 120.6010, locator) == f"{cell.district}{cell.street}{cell.community} 人民路"
    assert rough_place(None, None, None, locator) is None
