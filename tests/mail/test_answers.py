"""What letter writers hear back through the real pipeline: status mails in the letter's language, the 回访 question and
its answer by reply, a second letter about the same problem folded into the first case."""
from __future__ import annotations

from sqlalchemy import select

from gateway.delivery.payload import case_number
from gateway.store.models import CaseRow, FeedbackRow, ReportRow
from tests.core.conftest import deliver_all
from tests.core.test_callbacks import post_callback
from tests.mail.conftest import MailGateway
from tests.support.receiver import Receiver
from tests.mail.letters import LETTER, letter, reply

ENGLISH = ("Dear Mayor, I live on Renmin Road near the east gate of Xingfu estate. The street lamp outside the bus stop has "
           "been broken for two weeks and the road is completely dark at night, which is dangerous for old people and children. "
           "Please have it repaired soon. Thank you.")


async def only_case(gateway: MailGateway) -> CaseRow:
    async with gateway.api.store.transaction() as tx:
        [case] = list(await tx.session.scalars(select(CaseRow)))
        return case


async def test_status_mails_and_the_satisfaction_question_come_in_the_letters_language_and_a_reply_answers_it(gateway: MailGateway,
                                                                                                               receiver: Receiver) -> None:
    await gateway.mailbox.deliver(letter(sender="tom@example.org", name="Tom Lee", subject="Broken street lamp on Renmin Road", body=ENGLISH))
    await gateway.letters(1)
    case = await only_case(gateway)
    number = case_number(case.id, case.created_at)
    await gateway.send_notifications()
    ack = gateway.relay.messages[-1][1]
    assert ack["Subject"] == f"Mayor's mailbox: case {number}" and "Dear Tom Lee," in ack.get_content()
    assert f"accepted as case {number}" in ack.get_content()
    await deliver_all(gateway.api)
    [delivered] = [r.payload for r in receiver.received if r.signature_ok]
    assert delivered["source"] == {"channel": "email", "case_source": "市长信箱"}
    for status in ("accepted", "dispatched", "closed"):
        resp = await post_callback(gateway.api, {"case_id": number, "status": status, "note": "Lamp replaced." if status == "closed" else None})
        assert resp.status == 200, await resp.text()
    assert await gateway.send_notifications() == 3
    closing = gateway.relay.messages[-1][1]
    assert "Lamp replaced." in closing.get_content() and "Reply to this e-mail with: satisfied" in closing.get_content()
    assert f"/cases/{number}?key=" in closing.get_content()

    await gateway.mailbox.deliver(reply(closing, "tom@example.org", "Satisfied", name="Tom Lee"))
    rows = await gateway.letters(2)
    assert rows[-1].outcome == "feedback" and rows[-1].case_id == case.id
    async with gateway.api.store.transaction() as tx:
        [answer] = list(await tx.session.scalars(select(FeedbackRow)))
        assert len(list(await tx.session.scalars(select(ReportRow)))) == 1, "an answer is no new report"
    assert answer.answer == "satisfied" and answer.channel == "email"
    await gateway.send_notifications()
    assert f"Thank you for your answer on case {number}" in gateway.relay.messages[-1][1].get_content()


async def test_a_second_letter_from_the_same_writer_about_the_same_problem_joins_the_first_case(gateway: MailGateway) -> None:
    await gateway.mailbox.deliver(letter())
    await gateway.letters(1)
    await gateway.mailbox.deliver(letter(subject="再次反映人民路路灯问题", body="尊敬的市长您好！" + LETTER[8:].replace("两个多星期", "快三个星期")))
    rows = await gateway.letters(2)
    assert [r.outcome for r in rows] == ["case", "joined"]
    assert rows[0].case_id == rows[1].case_id, "the pipeline folds the writer's second letter into the first case"
    await gateway.send_notifications()
    number = gateway.relay.messages[0][1]["Subject"].rsplit(" ", 1)[1]
    assert f"已并入案件 {number}" in gateway.relay.messages[1][1].get_content()


async def test_a_case_number_in_the_subject_joins_only_for_one_of_the_cases_reporters(gateway: MailGateway) -> None:
    await gateway.mailbox.deliver(letter())
    await gateway.letters(1)
    case = await only_case(gateway)
    number = case_number(case.id, case.created_at)
    await gateway.mailbox.deliver(letter(subject=f"关于案件 {number} 的补充", body="今天晚上路灯依然不亮，请尽快处理。"))
    await gateway.mailbox.deliver(letter(sender="stranger@example.cn", name="路人", subject=f"关于案件 {number}",
                                         body="尊敬的市长您好！学府路与文化街交叉口的垃圾桶满了好几天，臭气熏天，请派人清运。"))
    rows = await gateway.letters(3)
    by_sender = {r.sender_key: r for r in rows}
    assert len(by_sender) == 2
    assert [r.case_id for r in rows].count(case.id) == 2, "the reporter's letter joins; the stranger's makes its own case"
    assert rows[1].outcome == "joined" and rows[2].case_id != case.id
