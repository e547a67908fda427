"""The SIP engine's thread rule from outside: a command that fails after making a PJSUA2 object (a player, a
recorder, an in-band ear for a call that has just ended; a Call that could not dial) leaves nothing of it to be
freed on the event loop's thread, where PJSUA2 takes the whole process down."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import free_port_block
from tests.hotline.sip.conftest import REPO, _needs_pjsua2, tone_wav

FAILING_COMMANDS = textwrap.dedent("""
    import asyncio, gc, sys
    from pathlib import Path
    from channels.hotline.sip.engine import CallGone, DialFailed, EngineConfig, SipEngine

    async def main(base: int, prompt: Path) -> None:
        engine = SipEngine(EngineConfig("127.0.0.1", "127.0.0.1", base, base + 2), lambda event: None, asyncio.get_running_loop())
        engine.start()
        gone_key = 41
        commands = {"play": lambda: engine.play(gone_key, [prompt]),
                    "record": lambda: engine.record(gone_key, prompt.with_name("kept.wav")),
                    "listen_inband": lambda: engine.listen_inband(gone_key),
                    "dial": lambda: engine.dial("not a sip uri")}
        for name, command in commands.items():
            for _ in range(3):
                try:
                    await engine.submit(command)
                except (CallGone, DialFailed) as error:
                    print(name, type(error).__name__, flush=True)
                gc.collect()
        await asyncio.to_thread(engine.stop)
        print("stopped", flush=True)

    asyncio.run(main(int(sys.argv[1]), Path(sys.argv[2])))
""")


def test_a_command_failing_on_an_ended_call_frees_its_objects_on_the_engine_thread(tmp_path: Path) -> None:
    _needs_pjsua2()
    prompt = tone_wav(tmp_path / "prompt.wav", 500, 0.5)
    run = subprocess.run([sys.executable, "-c", FAILING_COMMANDS, str(free_port_block(4)), str(prompt)], cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    said = run.stdout.split()
    assert said.count("CallGone") == 9 and said.count("DialFailed") == 3, run.stdout
    assert said[-1] == "stopped" and "Calling pjlib from unknown/external thread" not in run.stderr
