"""A caller's recorded message into the agents' voicemail queue: the audio kept as media, a voicemails row."""
from __future__ import annotations

from channels.hotline.sip.flows import Recorded
from gateway.media import MediaStore
from gateway.store.models import CallRow, VoicemailRow
from gateway.store.store import Store


async def keep_voicemail(store: Store, media: MediaStore, call: CallRow, recorded: Recorded, language: str) -> VoicemailRow:
    """Store the WAV (named by content) and queue it with the caller, the line and the language."""
    stored = media.save_recording(recorded.path.read_bytes(), "audio/wav")
    row = await store.add_voicemail(call_id=call.id, caller=call.caller, line=call.line, language=language,
                                    recording=stored.name, duration_s=recorded.seconds)
    await store.call_updated(call.id, recording=stored.name)
    recorded.path.unlink(missing_ok=True)
    return row


async def consent_to_updates(store: Store, voicemail_id: int) -> None:
    """The caller pressed the key for SMS updates on what their message becomes (no store method sets it)."""
    async with store.transaction() as tx:
        row = await tx.session.get(VoicemailRow, voicemail_id, with_for_update=True)
        if row is None:
            raise LookupError(f"no voicemail {voicemail_id}")
        row.consent_updates = True
