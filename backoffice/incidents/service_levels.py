"""What the service definition (seed 001) promises: the services, the priorities, and each service model's
targets and hours. The words shown beside each priority choice are the definition's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from enum import StrEnum

from sqlalchemy.orm import Session

from backoffice.clocks import ServiceHours, ServiceTarget
from backoffice.organisation.bank_holidays import deadline_engine
from backoffice.organisation.body import body_nation, get_organisation
from shared import audit
from shared.db import utcnow
from shared.errors import InvalidInput


class Service(StrEnum):
    CAPTURE = "capture"
    SECURE_SHARE = "secure_share"
    DISCLOSURE_LOG = "disclosure_log"
    CASE_MANAGEMENT = "case_management"

    @property
    def label(self) -> str:
        return SERVICE_NAMES[self]

    @property
    def public(self) -> bool:
        return self is not Service.CASE_MANAGEMENT


SERVICE_NAMES = {
    Service.CAPTURE: "Request forms",
    Service.SECURE_SHARE: "Secure Share",
    Service.DISCLOSURE_LOG: "Disclosure log",
    Service.CASE_MANAGEMENT: "Case management",
}


class Priority(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"
    P5 = "P5"

    @property
    def definition(self) -> str:
        return DEFINITIONS[self]

    @property
    def major(self) -> bool:
        """P1 and P2 are major incidents: their contacts hear of them as they happen."""
        return self in (Priority.P1, Priority.P2)


DEFINITIONS = {
    Priority.P1: "Complete loss of the service, or degradation that makes it unusable: no webform can be "
                 "submitted, no file downloaded",
    Priority.P2: "Significant degradation or failure of a part, with the primary function still possible: "
                 "for example, screens taking over 30 seconds",
    Priority.P3: "A small number of users failing on specific journeys, or a few downloads failing",
    Priority.P4: "A cosmetic error that does not stop anyone using the service",
    Priority.P5: "Anything else (no target)",
}


class ServiceModel(StrEnum):
    BASIC = "basic"
    PLUS = "plus"
    PREMIUM = "premium"

    @property
    def label(self) -> str:
        return self.value.capitalize()


@dataclass(frozen=True)
class ModelTerms:
    opens: time
    closes: time
    response: dict[Priority, ServiceTarget]
    resolve: dict[Priority, ServiceTarget]


def _targets(*texts: str) -> dict[Priority, ServiceTarget]:
    return {priority: ServiceTarget.parse(text) for priority, text in zip(Priority, texts, strict=False)}


#: Seed 001's table. Basic promises a response but no resolve time; P5 has no target in any model. The
#: case management core is held to the public services' targets, the strictest reading of the table.
TERMS = {
    ServiceModel.BASIC: ModelTerms(time(9), time(17), _targets("2h", "4h", "2wd", "2wd"), {}),
    ServiceModel.PLUS: ModelTerms(time(8), time(18, 30), _targets("1h", "2h", "2h", "2h"),
                                  _targets("4h", "8h", "3wd", "50wd")),
    ServiceModel.PREMIUM: ModelTerms(time(8), time(18, 30), _targets("1h", "1h", "1h", "1h"),
                                     _targets("4h", "8h", "2wd", "40wd")),
}
#: Availability is measured in these hours whatever the model (seed 001: 99.9 % of 08:00-18:30).
AVAILABILITY_HOURS = (time(8), time(18, 30))
AVAILABILITY_TARGET = 0.999
#: Of incidents per priority per service, over the preceding 12 months.
ATTAINMENT_TARGET = 0.95
DEFAULT_MODEL = ServiceModel.PLUS


def parse_service(value: object) -> Service:
    try:
        return Service(str(value))
    except ValueError:
        raise InvalidInput("Select the service affected", {"service": "Select the service affected"}) from None


def parse_priority(value: object, field: str = "priority") -> Priority:
    try:
        return Priority(str(value).upper())
    except ValueError:
        raise InvalidInput("Select a priority", {field: "Select a priority from P1 to P5"}) from None


def service_model(session: Session) -> ServiceModel:
    return ServiceModel(get_organisation(session).service_model or DEFAULT_MODEL.value)


def set_service_model(session: Session, actor: audit.Actor, value: str) -> ServiceModel:
    """New incidents are measured under the new model; open ones keep the one they were raised under."""
    try:
        model = ServiceModel(value)
    except ValueError:
        raise InvalidInput("Select the service model", {"service_model": "Select basic, plus or premium"}) from None
    organisation = get_organisation(session)
    previous = organisation.service_model
    organisation.service_model = model.value
    organisation.updated_at = utcnow()
    audit.record(session, actor, "organisation.service_model_changed", "organisation", 1,
                 f"Service model changed from {previous} to {model.value}")
    return model


def service_hours(session: Session, model: ServiceModel) -> ServiceHours:
    """The model's hours on the body's own calendar: its nation's bank holidays and the administrator's."""
    terms = TERMS[model]
    calendar = deadline_engine(session).calendars.calendar(body_nation(session))
    return ServiceHours.weekdays(terms.opens, terms.closes, calendar)


def availability_hours(session: Session) -> ServiceHours:
    calendar = deadline_engine(session).calendars.calendar(body_nation(session))
    return ServiceHours.weekdays(*AVAILABILITY_HOURS, calendar)
