"""Bad mail among good: a 30 MB message and a mail bomb of 1,000 letters are skipped with their reasons in the channel
status, and the good letters before and after them become cases."""
from __future__ import annotations

from collections import Counter

from tests.mail.conftest import MailGateway
from tests.mail.letters import LETTER, OTHER, letter


async def test_a_30_mb_message_is_refused_without_being_taken_and_the_letters_around_it_are(gateway: MailGateway) -> None:
    huge = letter(sender="big@example.cn", subject="照片")
    huge.add_attachment(b"\0" * (30 * 1024 * 1024), maintype="application", subtype="octet-stream", filename="huge.bin")
    await gateway.mailbox.deliver(letter(sender="before@example.cn"), huge.as_bytes(), letter(sender="after@example.cn", subject="学府路垃圾无人清运", body=OTHER))
    rows = await gateway.letters(3)
    assert [(r.outcome, r.reason) for r in rows] == [("case", None), ("skipped", "too_large"), ("case", None)]
    assert rows[1].detail is not None and int(rows[1].detail.split()[0]) > 30 * 1024 * 1024
    assert rows[1].message_id == huge["Message-ID"], "known by its Message-ID, read from its header alone"


async def test_a_30_mb_message_without_a_message_id_is_refused_by_its_size_alone(gateway: MailGateway) -> None:
    huge = letter(sender="big@example.cn", subject="照片")
    del huge["Message-ID"]
    huge.add_attachment(b"\0" * (30 * 1024 * 1024), maintype="application", subtype="octet-stream", filename="huge.bin")
    await gateway.mailbox.deliver(huge.as_bytes(), letter(sender="after@example.cn", subject="学府路垃圾无人清运", body=OTHER))
    rows = await gateway.letters(2)
    assert [(r.outcome, r.reason, r.message_id) for r in rows][0] == ("skipped", "too_large", None)
    assert rows[1].outcome == "case"


async def test_a_mail_bomb_is_skipped_after_the_senders_hourly_allowance_and_other_writers_get_through(gateway: MailGateway) -> None:
    allowance = gateway.api.settings.mail_intake.letters_per_sender_per_hour
    bomb = [letter(sender="bomb@example.cn", subject=f"第{i}封", body=f"{LETTER}（第{i}封）").as_bytes() for i in range(1000)]
    await gateway.mailbox.deliver(letter(sender="first@example.cn"), *bomb, letter(sender="last@example.cn", subject="学府路垃圾无人清运", body=OTHER))
    rows = await gateway.letters(1002)
    outcomes = Counter((r.outcome if r.outcome != "joined" else "case", r.reason) for r in rows)
    assert outcomes[("skipped", "rate_limited")] == 1000 - allowance
    assert outcomes[("case", None)] == allowance + 2
    skipped = await gateway.api.store.skipped_letters(limit=5)
    assert {r.reason for r in skipped} == {"rate_limited"}
    answered = await gateway.send_notifications()
    assert answered == allowance + 2, "letters over the allowance are not answered"
