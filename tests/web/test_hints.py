"""The form's live hints over plain HTTP: class short list, address suggestions, the open case nearby."""
from __future__ import annotations

from typing import Any

from aiohttp import ClientSession

from tests.web.conftest import form, received, token

JUNCTION = "解放路和中山路交叉口"


POSTED = ("/hints/class", "/hints/nearby")
LETTER = ("尊敬的城管部门：我住在人民路和解放路路口附近的小区，" + "最近几个月每天晚上都看到有人把建筑垃圾和装修废料倒在路边的绿化带里，" * 60
          + "另外路口的污水井盖不见了，晚上很危险，希望尽快处理。")


async def hint(http: ClientSession, path: str, **params: str) -> Any:
    """A hint as the form's script asks for it: the text in a JSON body for class and nearby, the query for addresses."""
    if path in POSTED:
        lang = params.pop("lang", None)
        request = http.post(path, json=params, params={"lang": lang} if lang else None)
    else:
        request = http.get(path, params=params)
    async with request as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def test_class_hint_offers_a_short_list_led_by_the_likely_class_named_in_the_pages_language(http: ClientSession) -> None:
    body = await hint(http, "/hints/class", text="人民路的污水井盖不见了", lang="zh")
    assert body["likely"] and 1 <= len(body["choices"]) <= 4
    assert body["choices"][0]["name"] == "污水井盖"
    english = await hint(http, "/hints/class", text="人民路的污水井盖不见了", lang="en")
    assert [c["class_id"] for c in english["choices"]] == [c["class_id"] for c in body["choices"]]
    assert english["choices"][0]["name"] == "Manhole cover (sewer)"
    assert (await hint(http, "/hints/class", text="  "))["choices"] == []


async def test_address_hint_suggests_gazetteer_names_that_begin_with_the_text_first(http: ClientSession) -> None:
    names = (await hint(http, "/hints/address", q="解放"))["suggestions"]
    assert names and names[0].startswith("解放") and all("解放" in n for n in names)
    assert (await hint(http, "/hints/address", q="不存在的地名"))["suggestions"] == []


async def test_nearby_hint_names_the_open_case_with_the_same_problem_only(http: ClientSession) -> None:
    csrf = await token(http)
    async with http.post("/report", data=form(csrf, text="垃圾桶满了溢出来了", address=JUNCTION), allow_redirects=False) as resp:
        number, _ = received(resp.headers["Location"])
    same = await hint(http, "/hints/nearby", text="路口垃圾桶满了没人清理", address=JUNCTION, lang="en")
    assert same["case"] == number and same["reports_count"] == 1
    assert same["message"].startswith("The same problem nearby was already reported (reports so far: 1)")
    assert (await hint(http, "/hints/nearby", text="垃圾桶满了溢出来了", lat="31.2000", lon="120.5000"))["case"] is None
    assert (await hint(http, "/hints/nearby", text="垃圾桶满了", lat="not a number", lon="120.5"))["case"] is None


async def test_hints_for_a_long_letter_are_asked_for_in_the_body_not_the_url(http: ClientSession) -> None:
    assert len(LETTER) > 2000
    body = await hint(http, "/hints/class", text=LETTER)
    assert body["choices"], "a letter gets its short list too"
    assert (await hint(http, "/hints/nearby", text=LETTER, address=JUNCTION))["case"] is None
    async with http.get("/hints/class", params={"text": "井盖不见了"}) as resp:
        assert resp.status == 405
    async with http.post("/hints/class", data="text=井盖", headers={"Content-Type": "application/x-www-form-urlencoded"}) as resp:
        assert resp.status == 415 and "application/json" in (await resp.json())["error"]
    async with http.post("/hints/class", data=b"[[[[", headers={"Content-Type": "application/json", "Accept-Language": "en"}) as resp:
        assert resp.status == 400 and (await resp.json())["error"] == "Request body is not valid JSON."


async def test_nearby_hint_tells_class_rough_place_and_count_never_the_other_citizens_words(http: ClientSession) -> None:
    csrf = await token(http)
    words = "垃圾桶满了溢出来了，我叫王小明，请回电13912345678"
    async with http.post("/report", data=form(csrf, text=words, address=JUNCTION, class_id="ev-2013-0111"), allow_redirects=False) as resp:
        number, _ = received(resp.headers["Location"])
    for lang in ("zh", "en"):
        same = await hint(http, "/hints/nearby", text="路口垃圾桶满了没人清理", address=JUNCTION, lang=lang)
        assert same["case"] == number
        for private in ("王小明", "13912345678", "溢出来了", "请回电"):
            assert private not in str(same), private
        assert "解放路与中山路" in same["message"]
    assert "积存垃圾渣土" in (await hint(http, "/hints/nearby", text="路口垃圾桶满了没人清理", address=JUNCTION, lang="zh"))["message"]
