"""Database sessions whose idle timeout is renewed at most once a minute.

With SESSION_SAVE_EVERY_REQUEST (the session age is an inactivity timeout) Django writes the
session row on every request, even when nothing in it changed: an UPDATE and a commit per
page view. This store skips that write while the session's content is what was loaded and
the stored expiry is less than `RENEW_AFTER` behind the one a save would set, so an idle
session ends between 29 and 30 minutes after its last request instead of exactly at 30.
Any change to the content (even deep inside it) is saved as before.
"""

import datetime

from django.contrib.sessions.backends import db

RENEW_AFTER = datetime.timedelta(seconds=60)


class SessionStore(db.SessionStore):
    # (expiry, content) as loaded from the database; None once the session was written.
    _stored: tuple[datetime.datetime, dict] | None = None

    def load(self) -> dict:
        session = self._get_session_from_db()
        if session is None:
            self._stored = None
            return {}
        self._stored = (session.expire_date, self.decode(session.session_data))
        return self.decode(session.session_data)  # a copy of its own, compared at save time

    def save(self, must_create: bool = False) -> None:
        stored = self._stored
        if (
            not must_create
            and stored is not None
            and self.get_expiry_date() - stored[0] < RENEW_AFTER
            and self._get_session() == stored[1]
        ):
            return
        super().save(must_create=must_create)
        self._stored = None
