"""The floor of bench/sip.py: a bare PJSUA2 process that answers, plays the hotline's prompts, then records until the caller hangs up.

    python bench/sip_answerer.py PORT RTP_PORT RECORDINGS_DIR

No database, no Redis, no flow: what PJSUA2 itself costs for the same audio work as a `gateway sip` worker.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pjsua2 as pj

PROMPTS = Path(__file__).resolve().parents[1] / "channels" / "hotline" / "prompts" / "zh"
SEQUENCE = ["greeting.wav", "voicemail_busy.wav", "beep.wav"]


class Player(pj.AudioMediaPlayer):
    def __init__(self, call: Call) -> None:
        super().__init__()
        self.call = call

    def onEof2(self) -> None:
        # media clock thread: only leave a mark for the main loop
        self.call.prompt_ended = True


class Call(pj.Call):
    def __init__(self, account: pj.Account, call_id: int, recording: Path) -> None:
        super().__init__(account, call_id)
        self.recording = recording
        self.step = 0
        self.audio: pj.AudioMedia | None = None
        self.player: Player | None = None
        self.recorder: pj.AudioMediaRecorder | None = None
        self.prompt_ended = False
        self.ended = False

    def onCallState(self, prm: pj.OnCallStateParam) -> None:
        ci = self.getInfo()
        if ci.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self.ended = True

    def onCallMediaState(self, prm: pj.OnCallMediaStateParam) -> None:
        ci = self.getInfo()
        for index, media in enumerate(ci.media):
            if media.type == pj.PJMEDIA_TYPE_AUDIO and media.status == pj.PJSUA_CALL_MEDIA_ACTIVE and self.audio is None:
                self.audio = self.getAudioMedia(index)
                self.next_step()

    def next_step(self) -> None:
        """The next prompt, or the recorder once the prompts are over."""
        assert self.audio is not None
        if self.step < len(SEQUENCE):
            self.player = Player(self)
            self.player.createPlayer(str(PROMPTS / SEQUENCE[self.step]), pj.PJMEDIA_FILE_NO_LOOP)
            self.player.startTransmit(self.audio)
            self.step += 1
            return
        self.player = None
        self.recorder = pj.AudioMediaRecorder()
        self.recorder.createRecorder(str(self.recording))
        self.audio.startTransmit(self.recorder)


class Account(pj.Account):
    def __init__(self, recordings: Path) -> None:
        super().__init__()
        self.recordings = recordings
        self.calls: list[Call] = []
        self.answered = 0

    def onIncomingCall(self, prm: pj.OnIncomingCallParam) -> None:
        self.answered += 1
        call = Call(self, prm.callId, self.recordings / f"call-{self.answered}.wav")
        self.calls.append(call)
        answer = pj.CallOpParam()
        answer.statusCode = 200
        call.answer(answer)


def main(port: int, rtp_port: int, recordings: Path) -> None:
    endpoint = pj.Endpoint()
    endpoint.libCreate()
    config = pj.EpConfig()
    config.uaConfig.threadCnt = 0
    config.uaConfig.mainThreadOnly = True
    config.logConfig.level = 1
    config.logConfig.consoleLevel = 1
    endpoint.libInit(config)
    endpoint.audDevManager().setNullDev()
    transport = pj.TransportConfig()
    transport.port = port
    transport.boundAddress = transport.publicAddress = "127.0.0.1"
    endpoint.transportCreate(pj.PJSIP_TRANSPORT_UDP, transport)
    endpoint.libStart()
    endpoint.codecSetPriority("PCMA/8000", 255)
    account_config = pj.AccountConfig()
    account_config.idUri = f"sip:floor@127.0.0.1:{port}"
    account_config.mediaConfig.transportConfig.port = rtp_port
    account_config.mediaConfig.transportConfig.boundAddress = account_config.mediaConfig.transportConfig.publicAddress = "127.0.0.1"
    account = Account(recordings)
    account.create(account_config)
    while True:
        endpoint.libHandleEvents(10)
        for call in list(account.calls):
            if call.ended:
                account.calls.remove(call)
            elif call.prompt_ended:
                call.prompt_ended = False
                call.next_step()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]))
