"""People who log in (agents, administrators) and the settings administrators change at run time."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from gateway.store.clock import as_utc, utcnow
from gateway.store.models import AdminSettingRow, UserRow

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager

    from gateway.store.store import Tx

USER_FIELDS = {"role", "language", "disabled", "password_hash"}


class AccountStore:
    """Mixed into `Store`."""

    if TYPE_CHECKING:
        def transaction(self) -> AbstractAsyncContextManager[Tx]: ...

    async def has_admin(self) -> bool:
        async with self.transaction() as tx:
            return bool(await tx.session.scalar(select(func.count()).select_from(UserRow).where(UserRow.role == "admin")))

    async def add_user(self, username: str, password_hash: str, role: str, *, language: str = "zh", actor: str = "system") -> UserRow:
        async with self.transaction() as tx:
            row = UserRow(username=username, password_hash=password_hash, role=role, language=language, created_at=utcnow(),
                          disabled=False, failed_logins=0)
            tx.session.add(row)
            await tx.session.flush()
            await tx.audit("user", username, "created", actor, role=role)
            return row

    async def user(self, username: str) -> UserRow | None:
        async with self.transaction() as tx:
            return await tx.session.scalar(select(UserRow).where(UserRow.username == username))

    async def users(self) -> list[UserRow]:
        async with self.transaction() as tx:
            return list(await tx.session.scalars(select(UserRow).order_by(UserRow.username)))

    async def update_user(self, username: str, actor: str, **fields: Any) -> UserRow | None:
        """Change role, language, disabled or password_hash; audited (never the hash itself)."""
        unknown = set(fields) - USER_FIELDS
        if unknown:
            raise ValueError(f"not a user field: {sorted(unknown)}")
        async with self.transaction() as tx:
            row = await tx.session.scalar(select(UserRow).where(UserRow.username == username).with_for_update())
            if row is None:
                return None
            for key, value in fields.items():
                setattr(row, key, value)
            if "password_hash" in fields:
                row.failed_logins, row.locked_until = 0, None
            await tx.audit("user", username, "updated", actor, **{k: v for k, v in fields.items() if k != "password_hash"},
                           **({"password": "changed"} if "password_hash" in fields else {}))
            return row

    async def login_failed(self, username: str, *, lock_after: int, lock_for: timedelta) -> datetime | None:
        """Count a failed login; once `lock_after` failures pile up the account locks: when it unlocks, else None."""
        async with self.transaction() as tx:
            row = await tx.session.scalar(select(UserRow).where(UserRow.username == username).with_for_update())
            if row is None:
                return None
            row.failed_logins += 1
            if row.failed_logins >= lock_after:
                row.locked_until = utcnow() + lock_for
                await tx.audit("user", username, "locked", "system", failures=row.failed_logins)
            return row.locked_until

    async def login_succeeded(self, username: str) -> None:
        async with self.transaction() as tx:
            row = await tx.session.scalar(select(UserRow).where(UserRow.username == username).with_for_update())
            if row is not None:
                row.failed_logins, row.locked_until, row.last_login_at = 0, None, utcnow()

    @staticmethod
    def locked(user: UserRow) -> bool:
        return user.locked_until is not None and as_utc(user.locked_until) > utcnow()

    async def admin_setting(self, key: str) -> dict[str, Any] | None:
        async with self.transaction() as tx:
            row = await tx.session.get(AdminSettingRow, key)
            return row.value if row else None

    async def set_admin_setting(self, key: str, value: dict[str, Any], actor: str) -> None:
        async with self.transaction() as tx:
            row = await tx.session.get(AdminSettingRow, key, with_for_update=True)
            if row is None:
                tx.session.add(AdminSettingRow(key=key, value=value, updated_at=utcnow(), updated_by=actor))
            else:
                row.value, row.updated_at, row.updated_by = value, utcnow(), actor
            await tx.audit("setting", key, "changed", actor, value=value)
