"""Two requests on one publication from forms loaded at the same version, each in its own committed
transaction: the later one is refused, and the change that committed left its entry in the change sequence
(so no host keeps a stale hit). The row-level race itself (both past the version check at once) is the
guarded UPDATE's, tested in test_publishing."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backoffice.cases import tasks, workflow
from backoffice.cases.models import Case
from backoffice.disclosures import publishing
from backoffice.disclosures.models import WITHDRAWN, Publication, PublicationChange
from backoffice.disclosures.publishing import Amendment, PublicationChanged
from backoffice.staff.accounts import StaffUser
from shared import audit
from shared.db import transaction
from shared.settings import Settings
from tests.conftest import ON_POSTGRES
from tests.factories import seed_office


def published(session_factory: sessionmaker[Session], settings: Settings) -> tuple[int, StaffUser, audit.Actor]:
    """A published response, committed; its id, the caseworker who published it and their actor."""
    with transaction(session_factory) as db:
        office = seed_office(db, session_factory)
        user = db.get(StaffUser, office.ids["caseworker"])
        assert user is not None
        actor = audit.Actor(type="staff", id=str(user.id), label=user.email)
        manager = db.get(StaffUser, office.ids["manager"])
        assert manager is not None
    case_id = office.new_case("foi").id
    with transaction(session_factory) as db:
        case = db.get(Case, case_id)
        assert case is not None
        for task in tasks.tasks_of(db, case):
            tasks.finish_task(db, actor, db.merge(manager), case, task.id, tasks.DONE)
        workflow.close(db, actor, db.merge(manager), case, outcome="granted_in_full")
        publication = publishing.start_publication(db, actor, db.merge(user), case, title="Timetables",
                                                   summary="All of them.", request_text="The timetables.")
        publishing.publish(db, settings, actor, db.merge(user), publication, publication.version)
        publication_id = publication.id
    return publication_id, user, actor


def test_withdraw_wins_and_a_stale_amend_is_refused(session_factory: sessionmaker[Session], settings: Settings) -> None:
    publication_id, user, actor = published(session_factory, settings)
    # Two forms were loaded at version 2; the withdrawal is posted first.
    with transaction(session_factory) as db:
        seen = db.get(Publication, publication_id)
        assert seen is not None and seen.version == 2
        publishing.withdraw(db, actor, db.merge(user), seen, "Published by mistake", 2)
    with pytest.raises(PublicationChanged), transaction(session_factory) as db:
        seen = db.get(Publication, publication_id)
        assert seen is not None
        publishing.amend(db, settings, actor, db.merge(user), seen, 2, Amendment(title="New"))
    with transaction(session_factory) as db:
        final = db.get(Publication, publication_id)
        assert final is not None and final.status == WITHDRAWN and final.title == "Timetables"
        assert len(db.scalars(select(PublicationChange).where(PublicationChange.publication_id == publication_id))
                   .all()) == 2


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite serialises writers at BEGIN: two cannot hold the row at once")
def test_a_change_racing_past_the_version_check_is_refused(session_factory: sessionmaker[Session],
                                                           settings: Settings) -> None:
    publication_id, user, actor = published(session_factory, settings)
    racing = session_factory()
    try:
        seen = racing.get(Publication, publication_id)  # loaded at version 2, before the withdrawal commits
        assert seen is not None
        with transaction(session_factory) as db:
            withdrawing = db.get(Publication, publication_id)
            assert withdrawing is not None
            publishing.withdraw(db, actor, db.merge(user), withdrawing, "Published by mistake")
        with pytest.raises(PublicationChanged):
            publishing.amend(racing, settings, actor, racing.merge(user), seen, None, Amendment(title="New"))
        racing.rollback()
    finally:
        racing.close()
    with transaction(session_factory) as db:
        final = db.get(Publication, publication_id)
        assert final is not None and final.status == WITHDRAWN and final.title == "Timetables"
