"""A length of time as people read it: seconds under a minute and a half, minutes under an hour and a half, else hours."""
from __future__ import annotations

from channels.web.console.admin.catalogue import TEXTS
from gateway.i18n import Lang, render


def duration_text(hours: float | None, lang: Lang) -> str:
    """`hours` in the unit that shows it best ("12 秒", "4 min", "2.5 h"); a dash for none."""
    if hours is None:
        return "—"
    seconds = hours * 3600
    if seconds < 90:
        return render(TEXTS, "seconds", lang, seconds=round(seconds))
    if seconds < 90 * 60:
        return render(TEXTS, "minutes", lang, minutes=round(seconds / 60))
    return render(TEXTS, "hours", lang, hours=f"{hours:.1f}")
