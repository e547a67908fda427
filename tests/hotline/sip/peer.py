"""A real SIP phone for tests, run as its own process (PJSUA2 allows one endpoint per process).

caller:  python peer.py call  --port P --rtp-port R --target sip:12319@127.0.0.1:5070 --from 13800000001 STEP...
agent:   python peer.py agent --port P --rtp-port R [--answer-after S | --never-answer] [--play tone.wav] [--record heard.wav]

Steps of a caller, run in order:
  media            wait until audio flows
  quiet S          wait until the other side has been silent for S seconds (a prompt ended)
  hearing HZ       wait until the other side sends a tone of HZ (test prompts are tones)
  heard HZ         wait until such a tone has started and ended
  sleep S          wait S seconds
  dtmf KEYS HOW    send keys by rfc2833, info (SIP INFO) or inband (tones in the audio)
  play FILE        start sending a WAV file (goes on while later steps run)
  hangup           end the call
  end              wait until the call has ended
Every state change is printed as one JSON line on stdout.
"""
from __future__ import annotations

import argparse
import gc
import json
import sys
import time

import numpy as np
import pjsua2 as pj

QUIET_LEVEL = 3
TONE_TOLERANCE_HZ = 75


def say(**event: object) -> None:
    print(json.dumps({"t": round(time.monotonic(), 2), **event}), flush=True)


def header_fields(message: str) -> dict[str, str]:
    """The header fields of a SIP message by name (the first of each), as the phone received them."""
    fields: dict[str, str] = {}
    for line in message.split("\r\n\r\n", 1)[0].split("\r\n")[1:]:
        name, colon, value = line.partition(":")
        if colon:
            fields.setdefault(name.strip(), value.strip())
    return fields


class Call(pj.Call):
    def __init__(self, account: pj.Account, call_id: int = pj.PJSUA_INVALID_ID) -> None:
        super().__init__(account, call_id)
        self.media_up = False
        self.ended = False

    def onCallState(self, prm: pj.OnCallStateParam) -> None:
        ci = self.getInfo()
        say(event="state", state=ci.stateText, code=ci.lastStatusCode, reason=ci.lastReason, remote=ci.remoteUri)
        if ci.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self.ended = True

    def onCallMediaState(self, prm: pj.OnCallMediaStateParam) -> None:
        ci = self.getInfo()
        if any(m.type == pj.PJMEDIA_TYPE_AUDIO and m.status == pj.PJSUA_CALL_MEDIA_ACTIVE for m in ci.media):
            self.media_up = True
            say(event="media")

    def onDtmfDigit(self, prm: pj.OnDtmfDigitParam) -> None:
        say(event="dtmf", digit=prm.digit)


class Ear(pj.AudioMediaPort):
    """The strongest frequency of each 20 ms frame heard from the other side (None: silence)."""

    def __init__(self) -> None:
        super().__init__()
        self.frames: list[float | None] = []

    def onFrameReceived(self, frame: pj.MediaFrame) -> None:
        if frame.type != pj.PJMEDIA_FRAME_TYPE_AUDIO or frame.size == 0:
            return
        samples = np.frombuffer(bytes(frame.buf), dtype="<i2").astype(np.float64)
        if np.sqrt(np.mean(samples * samples)) < 200:
            self.frames.append(None)
            return
        spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples)), n=1600))
        self.frames.append(float(np.argmax(spectrum)) * 8000 / 1600)

    def onFrameRequested(self, frame: pj.MediaFrame) -> None:
        frame.type = pj.PJMEDIA_FRAME_TYPE_NONE


class Account(pj.Account):
    def __init__(self, phone: Phone) -> None:
        super().__init__()
        self.phone = phone

    def onIncomingCall(self, prm: pj.OnIncomingCallParam) -> None:
        self.phone.incoming(Call(self, prm.callId), prm.rdata.wholeMsg)


class Phone:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.ep = pj.Endpoint()
        self.ep.libCreate()
        cfg = pj.EpConfig()
        cfg.uaConfig.threadCnt = 0
        cfg.uaConfig.mainThreadOnly = True
        cfg.medConfig.clockRate = 8000
        cfg.medConfig.sndClockRate = 8000
        cfg.medConfig.noVad = True
        cfg.logConfig.level = 1
        cfg.logConfig.consoleLevel = 1
        self.ep.libInit(cfg)
        transport = pj.TransportConfig()
        transport.port = args.port
        transport.boundAddress = "127.0.0.1"
        transport.publicAddress = "127.0.0.1"
        self.ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, transport)
        self.ep.libStart()
        self.ep.audDevManager().setNullDev()
        self.ep.codecSetPriority("PCMU/8000", 255)
        acfg = pj.AccountConfig()
        acfg.idUri = f"sip:{args.user}@127.0.0.1:{args.port}"
        acfg.regConfig.registerOnAdd = False
        media = acfg.mediaConfig.transportConfig
        media.port = args.rtp_port
        media.portRange = 20
        media.boundAddress = "127.0.0.1"
        media.publicAddress = "127.0.0.1"
        self.account = Account(self)
        self.account.create(acfg)
        self.call: Call | None = None
        self.keep: list[object] = []
        self.ear = Ear()

    def pump(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.ep.libHandleEvents(10)

    def pump_until(self, check: object, timeout: float, what: str) -> None:
        end = time.monotonic() + timeout
        while not check():  # type: ignore[operator]
            if time.monotonic() > end:
                say(event="timeout", waiting_for=what)
                raise SystemExit(3)
            self.ep.libHandleEvents(10)

    def audio(self) -> pj.AudioMedia:
        assert self.call is not None
        return self.call.getAudioMedia(-1)

    def listen(self) -> None:
        """Send the call's audio to the (null) speaker and to the ear: the bridge only reads ports someone listens to."""
        self.audio().startTransmit(self.ep.audDevManager().getPlaybackDevMedia())
        fmt = pj.MediaFormatAudio()
        fmt.init(pj.PJMEDIA_FORMAT_PCM, 8000, 1, 20000, 16)
        self.ear.createPort("ear", fmt)
        self.audio().startTransmit(self.ear)

    def wait_tone(self, hz: float, *, until_end: bool) -> None:
        """Until 3 frames in a row near hz arrived (and, until_end, 5 frames in a row without it after them)."""
        call = self.call
        assert call is not None
        start = len(self.ear.frames)

        def found() -> bool:
            near = [f is not None and abs(f - hz) <= TONE_TOLERANCE_HZ for f in self.ear.frames[start:]]
            run, first = 0, None
            for i, hit in enumerate(near):
                run = run + 1 if hit else 0
                if run >= 3:
                    first = i + 1
                    break
            if first is None or not until_end:
                return first is not None
            run = 0
            for hit in near[first:]:
                run = 0 if hit else run + 1
                if run >= 5:
                    return True
            return False

        self.pump_until(lambda: found() or call.ended, 90, f"tone {hz}")
        say(event="heard" if until_end else "hearing", hz=hz, ended=call.ended)

    def start_sending(self, path: str) -> None:
        player = pj.AudioMediaPlayer()
        player.createPlayer(path, pj.PJMEDIA_FILE_NO_LOOP)
        player.startTransmit(self.audio())
        self.keep.append(player)

    def start_recording(self, path: str) -> None:
        recorder = pj.AudioMediaRecorder()
        recorder.createRecorder(path)
        self.audio().startTransmit(recorder)
        self.keep.append(recorder)

    # ---- caller ----

    def dial(self) -> None:
        self.call = Call(self.account)
        self.call.makeCall(self.args.target, pj.CallOpParam(True))

    def step(self, words: list[str]) -> int:
        """Run one step; how many words it used."""
        name = words[0]
        call = self.call
        assert call is not None
        if name == "media":
            self.pump_until(lambda: call.media_up or call.ended, 20, "media")
            self.listen()
            if self.args.record:
                self.start_recording(self.args.record)
            return 1
        if name == "quiet":
            self.wait_quiet(float(words[1]))
            return 2
        if name in ("hearing", "heard"):
            self.wait_tone(float(words[1]), until_end=name == "heard")
            return 2
        if name == "sleep":
            self.pump(float(words[1]))
            return 2
        if name == "dtmf":
            self.send_keys(words[1], words[2])
            return 3
        if name == "play":
            self.start_sending(words[1])
            return 2
        if name == "hangup":
            if not call.ended:
                call.hangup(pj.CallOpParam(True))
            return 1
        if name == "end":
            self.pump_until(lambda: call.ended, 60, "end")
            return 1
        raise SystemExit(f"unknown step {name}")

    def wait_quiet(self, seconds: float) -> None:
        call = self.call
        assert call is not None
        quiet_since = time.monotonic()
        deadline = quiet_since + 90
        while time.monotonic() - quiet_since < seconds and not call.ended:
            if time.monotonic() > deadline:
                say(event="timeout", waiting_for="quiet")
                raise SystemExit(3)
            self.ep.libHandleEvents(10)
            if not call.ended and self.audio().getTxLevel() > QUIET_LEVEL:  # PJSUA2: tx = from the remote into the bridge
                quiet_since = time.monotonic()
        say(event="quiet")

    def send_keys(self, keys: str, how: str) -> None:
        call = self.call
        assert call is not None
        if how == "inband":
            tones = pj.ToneGenerator()
            tones.createToneGenerator(8000, 1)
            digits = pj.ToneDigitVector()
            for key in keys:
                digit = pj.ToneDigit()
                digit.digit, digit.on_msec, digit.off_msec, digit.volume = key, 120, 120, 0
                digits.append(digit)
            tones.startTransmit(self.audio())
            tones.playDigits(digits)
            self.keep.append(tones)
            self.pump(0.25 * len(keys) + 0.2)
            return
        for key in keys:
            prm = pj.CallSendDtmfParam()
            prm.digits = key
            prm.method = pj.PJSUA_DTMF_METHOD_SIP_INFO if how == "info" else pj.PJSUA_DTMF_METHOD_RFC2833
            call.sendDtmf(prm)
            self.pump(0.25)
        say(event="sent", keys=keys, how=how)

    # ---- agent ----

    def incoming(self, call: Call, message: str) -> None:
        self.call = call
        ci = call.getInfo()
        say(event="incoming", remote=ci.remoteUri, local=ci.localUri, headers=header_fields(message))
        prm = pj.CallOpParam()
        prm.statusCode = 180
        call.answer(prm)

    def serve_as_agent(self) -> None:
        say(event="ready")
        self.pump_until(lambda: self.call is not None, 60, "incoming")
        call = self.call
        assert call is not None
        if self.args.never_answer:
            self.pump_until(lambda: call.ended, 120, "end")
            return
        self.pump(self.args.answer_after)
        if call.ended:
            return
        prm = pj.CallOpParam()
        prm.statusCode = 200
        call.answer(prm)
        self.pump_until(lambda: call.media_up or call.ended, 20, "media")
        if not call.ended:
            self.listen()
            if self.args.record:
                self.start_recording(self.args.record)
            if self.args.play:
                self.start_sending(self.args.play)
            end = time.monotonic() + self.args.talk
            while not call.ended and time.monotonic() < end:
                self.ep.libHandleEvents(10)
        if not call.ended:
            call.hangup(pj.CallOpParam(True))
            self.pump_until(lambda: call.ended, 10, "end")

    def close(self) -> None:
        self.ep.hangupAllCalls()
        self.pump(0.3)
        self.keep.clear()
        self.call = None
        del self.ear
        gc.collect()
        self.account.shutdown()
        self.ep.libDestroy()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["call", "agent"])
    p.add_argument("steps", nargs="*")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--rtp-port", type=int, required=True)
    p.add_argument("--user", default="13800000001")
    p.add_argument("--target")
    p.add_argument("--record", help="write what this phone hears to a WAV file")
    p.add_argument("--play", help="agent: WAV sent once answered")
    p.add_argument("--answer-after", type=float, default=0.5)
    p.add_argument("--never-answer", action="store_true")
    p.add_argument("--talk", type=float, default=3.0, help="agent: hang up after this long unless the caller does")
    args = p.parse_intermixed_args()
    phone = Phone(args)
    try:
        if args.mode == "agent":
            phone.serve_as_agent()
        else:
            phone.dial()
            words = list(args.steps)
            while words and not (phone.call and phone.call.ended):
                words = words[phone.step(words):]
            if words:
                say(event="ended before", steps=words)
    finally:
        phone.pump(0.3)
        phone.close()
    say(event="done")
    sys.exit(0)


if __name__ == "__main__":
    main()
