"""The store's calls, voicemails, opt-outs, provider message ids and accounts, on SQLite and PostgreSQL."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from gateway.store.clock import utcnow
from gateway.store.engine import create_engine
from gateway.store.store import Store


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    store = Store(create_engine(database_url))
    yield store
    await store.close()


async def test_a_call_from_ringing_to_voicemail(store: Store) -> None:
    call = await store.call_started("sip", "abc@host", line="12319", caller="13800000000", language="zh", worker="w0")
    again = await store.call_started("sip", "abc@host", line="12319", caller="13800000000", language="zh", worker="w0")
    assert again.id == call.id
    await store.call_updated(call.id, state="answered", answered_at=utcnow())
    assert [c.id for c in await store.calls(in_progress=True)] == [call.id]
    mail = await store.add_voicemail(call_id=call.id, caller="13800000000", line="12319", language="zh",
                                     recording="f" * 64 + ".wav", duration_s=4.2, consent_updates=True)
    ended = await store.call_updated(call.id, state="ended", outcome="voicemail", ended_at=utcnow() + timedelta(seconds=30))
    assert ended is not None and ended.duration_s is not None and ended.duration_s >= 30
    assert await store.calls(in_progress=True) == []
    assert [v.id for v in await store.voicemails()] == [mail.id]
    assert (await store.voicemail_of_call(call.id)).id == mail.id
    await store.set_transcript(mail.id, "路灯坏了", "agent")
    await store.voicemail_handled(mail.id, "agent")
    assert await store.voicemails() == []
    assert await store.voicemail_counts() == {"handled": 1}
    with pytest.raises(ValueError):
        await store.call_updated(call.id, caller="someone else")


async def test_a_lost_workers_calls_are_dropped(store: Store) -> None:
    kept = await store.call_started("sip", "a", line="12319", caller="1", language="zh", worker="w1")
    lost = await store.call_started("sip", "b", line="12319", caller="2", language="zh", worker="w0")
    assert await store.calls_dropped("w0") == [lost.id]
    assert (await store.call(lost.id)).outcome == "dropped"
    assert (await store.call(kept.id)).state == "ringing"
    assert [c.id for c in await store.calls(caller="2")] == [lost.id]


async def test_opt_out_and_back_in(store: Store) -> None:
    assert not await store.opted_out("sms", "+8613800000000")
    await store.opt_out("sms", "+8613800000000", "STOP")
    await store.opt_out("sms", "+8613800000000", "退订")
    assert await store.opted_out("sms", "+8613800000000")
    assert not await store.opted_out("whatsapp", "+8613800000000")
    assert await store.opt_in("sms", "+8613800000000")
    assert not await store.opt_in("sms", "+8613800000000")


async def test_a_provider_retry_finds_the_first_answer(store: Store) -> None:
    assert await store.claim_inbound("twilio", "SM1") is None
    await store.finish_inbound("twilio", "SM1", reply="已受理")
    retry = await store.claim_inbound("twilio", "SM1")
    assert retry is not None and retry.reply == "已受理"
    with pytest.raises(LookupError):
        await store.finish_inbound("twilio", "SM2", reply="x")


async def test_accounts_lock_after_failures(store: Store) -> None:
    await store.add_user("li", "hash", "agent")
    assert await store.login_failed("li", lock_after=3, lock_for=timedelta(minutes=5)) is None
    await store.login_failed("li", lock_after=3, lock_for=timedelta(minutes=5))
    until = await store.login_failed("li", lock_after=3, lock_for=timedelta(minutes=5))
    assert until is not None and store.locked(await store.user("li"))
    await store.update_user("li", "admin", password_hash="new")
    user = await store.user("li")
    assert not store.locked(user) and user.failed_logins == 0
    await store.login_succeeded("li")
    assert (await store.user("li")).last_login_at is not None
    await store.set_admin_setting("dedup", {"radius_m": 80}, "admin")
    await store.set_admin_setting("dedup", {"radius_m": 60}, "admin")
    assert await store.admin_setting("dedup") == {"radius_m": 60}
    assert [u.username for u in await store.users()] == ["li"]
