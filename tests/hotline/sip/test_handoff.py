"""Hand-off to the agents: the screen pop with the caller's number, both voices bridged; no answer → voicemail."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from tests.conftest import eventually
from tests.hotline.sip.conftest import BEEP_HZ, CALLER, EN_HZ, HOST, ZH_HZ, _needs_pjsua2, tone_wav
from tests.hotline.sip.test_voicemail import _ended, dominant_hz, loud_seconds, read_wav

CALLER_HZ, AGENT_HZ = 440, 850


async def test_hand_off_pops_the_screen_and_bridges_caller_and_agent(sip_worker: Any, store_of: Any, sqlite_url: str,
                                                                    call_event_log: Any, tmp_path: Path) -> None:
    worker = sip_worker(sqlite_url)
    agent_port = worker.peer_port()
    agent_uri = f"sip:agent@{HOST}:{agent_port}"
    worker.sip["lines"] = [{"number": "12319", "language": "zh", "agent_uri": agent_uri}]
    worker.start()
    agent = worker.phone("agent", name="agent", port=agent_port, answer_after=1.0, talk=4, play=tone_wav(tmp_path / "agent.wav", AGENT_HZ, 3),
                         record=tmp_path / "agent-heard.wav")
    caller = worker.phone("call", "media", "hearing", str(AGENT_HZ), "play", str(tone_wav(tmp_path / "caller.wav", CALLER_HZ, 2)),
                          "end", name="caller", target=worker.uri(), user=CALLER, record=tmp_path / "caller-heard.wav")
    caller.wait()
    agent.wait()
    assert caller.process.returncode == 0 and agent.process.returncode == 0, caller.log.read_text() + agent.log.read_text()
    assert [e["event"] for e in agent.events()].count("incoming") == 1

    store = store_of(sqlite_url)
    [row] = await store.calls()
    call = await eventually(lambda: _ended(store, row.id))
    assert (call.outcome, call.agent, call.caller) == ("agent", agent_uri, CALLER)
    assert call.answered_at <= call.handed_off_at <= call.ended_at
    pops = [e for e in call_event_log.events if e.kind == "handed_off"]
    assert [p.detail["connected"] for p in pops] == [False, True]
    assert (pops[0].call_id, pops[0].caller, pops[0].line, pops[0].language, pops[0].detail["agent_uri"]) == (call.id, CALLER, "12319", "zh", agent_uri)
    [ringing] = [e for e in agent.events() if e["event"] == "incoming"]
    assert ringing["remote"] == f'"{CALLER}" <sip:{CALLER}@{HOST}>', "the agent's phone shows the caller's number"
    headers = ringing["headers"]
    assert headers["P-Asserted-Identity"] == f"<sip:{CALLER}@{HOST}>"
    assert (headers["X-Gateway-Call-Id"], headers["X-Gateway-Line"], headers["X-Gateway-Language"]) == (str(call.id), "12319", "zh"), \
        "the case context of the screen pop travels with the call"

    agent_heard, rate = read_wav(tmp_path / "agent-heard.wav")
    assert abs(dominant_hz(agent_heard, rate) - CALLER_HZ) < 10 and loud_seconds(agent_heard, rate) > 1.5
    caller_heard, rate = read_wav(tmp_path / "caller-heard.wav")
    assert abs(dominant_hz(caller_heard, rate) - AGENT_HZ) < 10


def test_only_a_plain_number_or_user_name_is_passed_on_as_the_callers_identity() -> None:
    _needs_pjsua2()
    from channels.hotline.sip.engine import caller_identity

    assert caller_identity(CALLER) == CALLER and caller_identity("+8651265112319") == "+8651265112319"
    for unusable in (None, "anonymous", "Unknown", 'x" <sip:boss@elsewhere>', "1380\r\nX-Evil: 1", "a" * 65, ""):
        assert caller_identity(unusable) is None, unusable


async def test_no_agent_answer_on_the_english_choice_goes_to_voicemail(sip_worker: Any, store_of: Any, sqlite_url: str,
                                                                      call_event_log: Any, tmp_path: Path) -> None:
    """A shared number, 2 for English: the English agents ring, nobody answers, the caller leaves a message and hangs up."""
    worker = sip_worker(sqlite_url)
    agent_port = worker.peer_port()
    english_agents = f"sip:english@{HOST}:{agent_port}"
    worker.sip.update(agent_answer_seconds=2, lines=[
        {"number": "12319", "language": "choice", "agent_uri": f"sip:chinese@{HOST}:9"},
        {"number": "12319-en", "language": "en", "agent_uri": english_agents},
    ])
    worker.start()
    agent = worker.phone("agent", name="agent", port=agent_port, never_answer=True)
    said = tone_wav(tmp_path / "said.wav", 440, 2)
    caller = worker.phone("call", "media", "hearing", str(EN_HZ), "dtmf", "2", "rfc2833", "heard", str(BEEP_HZ),
                          "play", str(said), "sleep", "2.5", "hangup", "end", name="caller", target=worker.uri(), user=CALLER)
    caller.wait()
    agent.wait()
    assert caller.process.returncode == 0, caller.log.read_text()
    assert [e["event"] for e in agent.events()].count("incoming") == 1

    store = store_of(sqlite_url)
    [voicemail] = await eventually(lambda: store.voicemails())
    assert (voicemail.language, voicemail.line, voicemail.consent_updates) == ("en", "12319", False)
    assert voicemail.duration_s > 1.5
    samples, rate = read_wav(worker.media_dir / voicemail.recording)
    assert abs(dominant_hz(samples, rate) - 440) < 10
    call = await eventually(lambda: _ended(store, voicemail.call_id))
    assert (call.outcome, call.language, call.agent, call.handed_off_at) == ("voicemail", "en", None, None)
    pop = next(e for e in call_event_log.events if e.kind == "handed_off")
    assert (pop.language, pop.detail["agent_uri"], pop.detail["connected"]) == ("en", english_agents, False)


async def test_agents_that_cannot_be_called_send_the_caller_to_voicemail(sip_worker: Any, store_of: Any, sqlite_url: str) -> None:
    worker = sip_worker(sqlite_url, lines=[{"number": "12319", "language": "zh", "agent_uri": "agents-without-a-scheme"}])
    worker.start()
    caller = worker.phone("call", "media", "heard", str(BEEP_HZ), "hangup", "end", name="caller", target=worker.uri(), user=CALLER)
    caller.wait()
    assert any(e.get("event") == "heard" and not e["ended"] for e in caller.events()), caller.log.read_text()
    [row] = await store_of(sqlite_url).calls()
    assert b"cannot be called" in worker.log.read_bytes()
    assert row.agent is None


async def test_a_full_worker_sends_callers_to_voicemail_instead_of_ringing_agents(sip_worker: Any, sqlite_url: str, tone_prompts: Path,
                                                                                tmp_path: Path) -> None:
    """Four callers hold all four calls: no agent leg can start, so each is offered voicemail at once."""
    prompts = tmp_path / "prompts"
    shutil.copytree(tone_prompts, prompts)
    tone_wav(prompts / "zh" / "greeting.wav", ZH_HZ, 5)  # long enough for all four callers to be in before any hand-off
    worker = sip_worker(sqlite_url, prompts_dir=str(prompts))
    agent_port = worker.peer_port()
    worker.sip["lines"] = [{"number": "12319", "language": "zh", "agent_uri": f"sip:agent@{HOST}:{agent_port}"}]
    worker.start()
    agent = worker.phone("agent", name="agent", port=agent_port, never_answer=True)
    callers = [worker.phone("call", "media", "heard", str(BEEP_HZ), "hangup", "end", name=f"caller{i}", target=worker.uri(),
                            user=f"1380000000{i}") for i in range(4)]
    await eventually(lambda: _all_done(callers), timeout=90)
    assert all(any(e.get("event") == "heard" and not e["ended"] for e in c.events()) for c in callers)
    agent.process.kill()
    agent.process.wait()
    assert "incoming" not in [e["event"] for e in agent.events()]
    assert worker.log.read_bytes().count(b"cannot be called") == 4


def _all_done(runs: list[Any]) -> bool:
    return all(run.process.poll() is not None for run in runs)
