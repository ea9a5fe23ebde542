"""Writes to the patron registry. Every function validates, then writes in one transaction.

Locking convention: a service that changes a patron locks the patron row first
(``select_for_update``); merging locks both patrons in id order.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext_lazy as _

from libraries.models import Library
from patrons import personnummer as pnr
from patrons.cardnumbers import (
    CardNumberPolicy,
    InvalidCardNumber,
    clean_card_number,
    make_card_number,
)
from patrons.models import Card, Patron, PatronAccess, PatronBlock, PatronCategory
from patrons.selectors import duplicates_of


class PatronRefused(Exception):
    """A refusal with a reason code, a translatable message and the form field it concerns."""

    def __init__(self, reason: str, message, *, field: str | None = None, duplicates=()) -> None:
        super().__init__(str(message))
        self.reason = reason
        self.message = message
        self.field = field
        self.duplicates = list(duplicates)


@dataclass(frozen=True)
class PatronDetails:
    """What staff enter about a patron (registration and edit)."""

    first_name: str
    last_name: str
    home_library: Library
    category: PatronCategory
    birth_date: date | None = None
    personnummer: str = ""  # as typed; the service normalises it
    email: str = ""
    phone: str = ""
    street: str = ""
    postal_code: str = ""
    city: str = ""
    preferred_language: str = Patron.Language.SWEDISH
    notice_channel: str = Patron.NoticeChannel.EMAIL
    guardian: Patron | None = None
    expiry_date: date | None = None
    staff_note: str = ""
    keeps_loan_history: bool = False


# --- Validation of single values ---------------------------------------------------------


def card_policy() -> CardNumberPolicy:
    config = settings.GRANSLOS
    return CardNumberPolicy(
        length=int(config.get("CARD_NUMBER_LENGTH", 10)),
        check_digit=config.get("CARD_CHECK_DIGIT", "luhn"),
    )


def clean_new_card_number(number: str) -> str:
    try:
        number = clean_card_number(number, policy=card_policy())
    except InvalidCardNumber as exc:
        raise PatronRefused(exc.reason, exc.message, field="card_number") from None
    if Card.objects.filter(number=number).exists():
        raise PatronRefused(
            "card_taken", _("This card number is already in use."), field="card_number"
        )
    return number


def validate_pin(pin: str) -> str:
    if not re.fullmatch(r"[0-9]{4,8}", pin or ""):
        raise PatronRefused("pin", _("A PIN has 4 to 8 digits."), field="pin")
    return pin


def _clean_email(email: str, *, stored: str = "") -> str:
    """A valid address, or ""; the address already stored passes unchecked, so saving a patron
    without touching it always works (older data may predate today's validation)."""
    email = (email or "").strip()
    if not email or email == stored:
        return email
    try:
        if re.search(r"\s", email):
            raise ValidationError("space")
        validate_email(email)
    except ValidationError:
        raise PatronRefused(
            "email", _("Enter a valid e-mail address (no spaces)."), field="email"
        ) from None
    return email


def _clean_phone(phone: str) -> str:
    phone = (phone or "").strip()
    if phone and not re.fullmatch(r"\+?[0-9 ()-]{5,25}", phone):
        raise PatronRefused("phone", _("Enter a phone number with digits only."), field="phone")
    return phone


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _clean_details(
    details: PatronDetails, *, today: date, stored_email: str = ""
) -> tuple[PatronDetails, str | None]:
    """Normalise and check; returns the cleaned details and the 12-digit personnummer."""
    first, last = details.first_name.strip(), details.last_name.strip()
    if not first or not last:
        raise PatronRefused("name", _("Enter the patron's first and last name."), field="last_name")
    digits = None
    birth_date = details.birth_date
    if details.personnummer.strip():
        try:
            parsed = pnr.parse(details.personnummer, today=today)
        except pnr.InvalidPersonnummer as exc:
            raise PatronRefused(exc.reason, exc.message, field="personnummer") from None
        digits = parsed.digits
        if birth_date and birth_date != parsed.birth_date:
            raise PatronRefused(
                "birth_date",
                _("The birth date does not match the personnummer."),
                field="birth_date",
            )
        birth_date = parsed.birth_date
    category = details.category
    if not category.is_institution and birth_date is None:
        raise PatronRefused(
            "birth_date", _("Enter the birth date or the personnummer."), field="birth_date"
        )
    if birth_date:
        if birth_date > today:
            raise PatronRefused(
                "birth_date", _("The birth date is in the future."), field="birth_date"
            )
        age = _age(birth_date, today)
        too_young = category.min_age is not None and age < category.min_age
        too_old = category.max_age is not None and age > category.max_age
        if too_young or too_old:
            raise PatronRefused(
                "category_age",
                _("A patron aged %(age)d cannot be in the category %(category)s.")
                % {"age": age, "category": category.name},
                field="category",
            )
    if category.needs_guardian and details.guardian is None:
        raise PatronRefused(
            "guardian",
            _("A child's account needs a guardian (a registered patron)."),
            field="guardian",
        )
    if details.guardian is not None and details.guardian.anonymized_at is not None:
        raise PatronRefused(
            "guardian", _("The guardian is not a current patron."), field="guardian"
        )
    cleaned = replace(
        details,
        first_name=first,
        last_name=last,
        birth_date=birth_date,
        personnummer=digits or "",
        email=_clean_email(details.email, stored=stored_email),
        phone=_clean_phone(details.phone),
        street=details.street.strip(),
        postal_code=details.postal_code.strip(),
        city=details.city.strip(),
    )
    return cleaned, digits


def _default_expiry(today: date) -> date:
    years = int(settings.GRANSLOS.get("CARD_VALID_YEARS", 3))
    try:
        return today.replace(year=today.year + years)
    except ValueError:  # 29 February
        return today.replace(year=today.year + years, day=28)


# --- Registration and edits --------------------------------------------------------------


@transaction.atomic
def register_patron(
    *,
    details: PatronDetails,
    card_number: str,
    pin: str = "",
    staff=None,
    confirm_duplicate: bool = False,
    now: datetime,
) -> Patron:
    """Register a patron with a first card. Refuses a duplicate (same personnummer; or same name
    and birth date unless staff confirm) and any bad value — nothing is saved then."""
    today = now.date()
    cleaned, digits = _clean_details(details, today=today)
    number = clean_new_card_number(card_number)
    pin_hash = make_password(validate_pin(pin)) if pin else ""
    found = duplicates_of(
        personnummer=digits,
        first_name=cleaned.first_name,
        last_name=cleaned.last_name,
        birth_date=cleaned.birth_date,
    )
    if digits and any(p.personnummer == digits for p in found):
        raise PatronRefused(
            "duplicate_personnummer",
            _("A patron with this personnummer is already registered."),
            field="personnummer",
            duplicates=[p for p in found if p.personnummer == digits],
        )
    if found and not confirm_duplicate:
        raise PatronRefused(
            "possible_duplicate",
            _(
                "A patron with the same name and birth date is already registered. "
                "Check that this is another person, then confirm."
            ),
            field="confirm_duplicate",
            duplicates=found,
        )
    values = {f.name: getattr(cleaned, f.name) for f in fields(PatronDetails)}
    values["personnummer"] = digits
    values["expiry_date"] = cleaned.expiry_date or _default_expiry(today)
    values["birth_year"] = cleaned.birth_date.year if cleaned.birth_date else None
    try:
        with transaction.atomic():
            patron = Patron.objects.create(**values, pin_hash=pin_hash, last_activity_at=now)
            Card.objects.create(patron=patron, number=number)
    except IntegrityError:
        # Another desk registered the same personnummer or card number a moment ago.
        raise PatronRefused(
            "conflict",
            _("The personnummer or card number was registered at the same time. Search again."),
        ) from None
    return patron


# Staff edit these; the loan-history choice is the patron's own (OPAC), so it is not here.
_EDITABLE = [f.name for f in fields(PatronDetails) if f.name not in {"keeps_loan_history"}]


@transaction.atomic
def update_patron(*, patron: Patron, details: PatronDetails, now: datetime) -> Patron:
    """Staff edit a patron's details. The personnummer may be added or corrected."""
    cleaned, digits = _clean_details(details, today=now.date(), stored_email=patron.email)
    if digits and Patron.objects.filter(personnummer=digits).exclude(pk=patron.pk).exists():
        raise PatronRefused(
            "duplicate_personnummer",
            _("A patron with this personnummer is already registered."),
            field="personnummer",
        )
    if cleaned.guardian is not None and cleaned.guardian.pk == patron.pk:
        raise PatronRefused(
            "guardian", _("A patron cannot be their own guardian."), field="guardian"
        )
    locked = Patron.objects.select_for_update().get(pk=patron.pk)
    expiry = cleaned.expiry_date or locked.expiry_date
    for name in _EDITABLE:
        setattr(locked, name, getattr(cleaned, name))
    locked.personnummer = digits
    locked.expiry_date = expiry
    locked.birth_year = cleaned.birth_date.year if cleaned.birth_date else locked.birth_year
    locked.save(update_fields=[*_EDITABLE, "birth_year", "updated_at"])
    return locked


@transaction.atomic
def update_own_details(
    *,
    patron: Patron,
    email: str,
    phone: str,
    street: str,
    postal_code: str,
    city: str,
    preferred_language: str,
    notice_channel: str,
    keeps_loan_history: bool,
) -> Patron:
    """What a patron may change in the OPAC."""
    if preferred_language not in Patron.Language.values:
        raise PatronRefused("language", _("Choose a language."), field="preferred_language")
    if notice_channel not in Patron.NoticeChannel.values:
        raise PatronRefused("channel", _("Choose how to get notices."), field="notice_channel")
    email, phone = _clean_email(email, stored=patron.email), _clean_phone(phone)
    if notice_channel == Patron.NoticeChannel.EMAIL and not email:
        raise PatronRefused("email", _("Notices by e-mail need an e-mail address."), field="email")
    if notice_channel == Patron.NoticeChannel.SMS and not phone:
        raise PatronRefused(
            "phone", _("Notices by text message need a phone number."), field="phone"
        )
    locked = Patron.objects.select_for_update().get(pk=patron.pk)
    locked.email, locked.phone = email, phone
    locked.street, locked.postal_code, locked.city = (
        street.strip(),
        postal_code.strip(),
        city.strip(),
    )
    locked.preferred_language, locked.notice_channel = preferred_language, notice_channel
    locked.keeps_loan_history = keeps_loan_history
    locked.save(
        update_fields=[
            "email",
            "phone",
            "street",
            "postal_code",
            "city",
            "preferred_language",
            "notice_channel",
            "keeps_loan_history",
            "updated_at",
        ]
    )
    return locked


def record_activity(*, patron_id: int, now: datetime) -> None:
    """Circulation calls this on loans, renewals and holds (feeds the inactivity job)."""
    Patron.objects.filter(pk=patron_id).update(last_activity_at=now)


# --- Cards ------------------------------------------------------------------------------


def new_card_number() -> str:
    """A free, valid card number (for staff who have no pre-printed card at hand)."""
    policy = card_policy()
    body_length = policy.length - (1 if policy.check_digit == "luhn" else 0)
    for _attempt in range(20):
        number = make_card_number(
            secrets.randbelow(10 ** (body_length - 1)), policy=policy, prefix="9"
        )
        if not Card.objects.filter(number=number).exists():
            return number
    raise RuntimeError("no free card number found")


@transaction.atomic
def replace_card(*, patron: Patron, new_number: str, lost: bool = True, now: datetime) -> Card:
    """Issue a new card; the old one stops working everywhere at once (it is no longer active)."""
    number = clean_new_card_number(new_number)
    Patron.objects.select_for_update().filter(pk=patron.pk).first()
    status = Card.Status.LOST if lost else Card.Status.REPLACED
    Card.objects.filter(patron=patron, status=Card.Status.ACTIVE).update(
        status=status, ended_at=now
    )
    try:
        with transaction.atomic():
            return Card.objects.create(patron=patron, number=number)
    except IntegrityError:
        raise PatronRefused(
            "card_taken", _("This card number is already in use."), field="card_number"
        ) from None


@transaction.atomic
def report_card_lost(*, patron: Patron, now: datetime) -> int:
    """Block the active card at once; the patron gets a new card at a desk."""
    Patron.objects.select_for_update().filter(pk=patron.pk).first()
    return Card.objects.filter(patron=patron, status=Card.Status.ACTIVE).update(
        status=Card.Status.LOST, ended_at=now
    )


# --- PIN and lockout ---------------------------------------------------------------------


@transaction.atomic
def set_pin(*, patron: Patron, pin: str) -> None:
    """Staff set or reset the PIN. A reset also lifts any lockout."""
    pin_hash = make_password(validate_pin(pin))
    Patron.objects.filter(pk=patron.pk).update(
        pin_hash=pin_hash, pin_failures=0, pin_locked_until=None, pin_locked_for_staff=False
    )
    patron.pin_hash = pin_hash


@transaction.atomic
def change_own_pin(*, patron: Patron, current_pin: str, new_pin: str) -> None:
    """The patron changes their PIN in the OPAC; the current PIN must be right."""
    validate_pin(new_pin)
    locked = Patron.objects.select_for_update().only("id", "pin_hash").get(pk=patron.pk)
    if not (locked.pin_hash and current_pin and check_password(current_pin, locked.pin_hash)):
        raise PatronRefused("current_pin", _("The current PIN is wrong."), field="current_pin")
    set_pin(patron=patron, pin=new_pin)


def unlock_pin(*, patron: Patron) -> None:
    """Staff lift an OPAC lockout (after the patron proved who they are at the desk)."""
    Patron.objects.filter(pk=patron.pk).update(
        pin_failures=0, pin_locked_until=None, pin_locked_for_staff=False
    )


# --- Manual blocks ----------------------------------------------------------------------


def add_block(
    *, patron: Patron, reason: str, library: Library, staff, now: datetime
) -> PatronBlock:
    reason = (reason or "").strip()
    if not reason:
        raise PatronRefused("reason", _("Give a reason for the block."), field="reason")
    return PatronBlock.objects.create(
        patron=patron, reason=reason[:200], library=library, created_by=staff, created_at=now
    )


def remove_block(*, block: PatronBlock, staff, now: datetime) -> None:
    PatronBlock.objects.filter(pk=block.pk, removed_at__isnull=True).update(
        removed_at=now, removed_by=staff
    )


# --- Access log ---------------------------------------------------------------------------


def log_access(
    *,
    patron: Patron,
    staff,
    library: Library | None,
    action: str = PatronAccess.Action.VIEW,
    now: datetime,
) -> None:
    PatronAccess.objects.create(patron=patron, staff=staff, library=library, action=action, at=now)


def log_access_many(
    *,
    patrons: Iterable[Patron],
    staff,
    library: Library | None,
    action: str = PatronAccess.Action.API,
    now: datetime,
) -> None:
    """Log that staff saw several patron records at once (a list of search results). One
    INSERT, none for an empty list."""
    rows = [
        PatronAccess(patron=patron, staff=staff, library=library, action=action, at=now)
        for patron in patrons
    ]
    if rows:
        PatronAccess.objects.bulk_create(rows)


# --- Merge, anonymize, delete (library admins) --------------------------------------------


@transaction.atomic
def merge_patrons(*, keep: Patron, duplicate: Patron, now: datetime) -> Patron:
    """Move everything of ``duplicate`` (cards as history, blocks, loans, holds, fees — any row
    that points to a patron) to ``keep``, fill ``keep``'s blank contact details, delete
    ``duplicate``. Apps that reference patrons need not be imported: the relations are found on
    the model."""
    if keep.pk == duplicate.pk:
        raise PatronRefused("same", _("Choose two different patrons."))
    first, second = sorted([keep.pk, duplicate.pk])
    rows = {p.pk: p for p in Patron.objects.select_for_update().filter(pk__in=[first, second])}
    kept, dup = rows[keep.pk], rows[duplicate.pk]
    Card.objects.filter(patron=dup, status=Card.Status.ACTIVE).update(
        status=Card.Status.REPLACED, ended_at=now
    )
    try:
        with transaction.atomic():
            for relation in Patron._meta.related_objects:
                if relation.one_to_many or relation.one_to_one:
                    model = relation.related_model
                    model._base_manager.filter(**{relation.field.name: dup}).update(
                        **{relation.field.name: kept}
                    )
    except IntegrityError:
        raise PatronRefused(
            "merge_conflict",
            _("The two records have something that cannot be combined (e.g. the same hold)."),
        ) from None
    changed = []
    for name in ("email", "phone", "street", "postal_code", "city", "birth_date", "birth_year"):
        if not getattr(kept, name) and getattr(dup, name):
            setattr(kept, name, getattr(dup, name))
            changed.append(name)
    if not kept.personnummer and dup.personnummer:
        digits = dup.personnummer
        Patron.objects.filter(pk=dup.pk).update(personnummer=None)
        kept.personnummer = digits
        changed.append("personnummer")
    if kept.expiry_date < dup.expiry_date:
        kept.expiry_date = dup.expiry_date
        changed.append("expiry_date")
    if changed:
        kept.save(update_fields=[*changed, "updated_at"])
    dup.delete()
    return kept


def _refuse_open_business(open_loans: int | None, debt: Decimal | None) -> None:
    if open_loans:
        raise PatronRefused("open_loans", _("The patron still has loans. Return them first."))
    if debt:
        raise PatronRefused("debt", _("The patron still has a debt. Settle it first."))


@transaction.atomic
def anonymize_patron(
    *,
    patron: Patron,
    staff=None,
    now: datetime,
    open_loans: int | None = None,
    debt: Decimal | None = None,
) -> Patron:
    """Remove everything that identifies the patron; keep category, home library and birth year
    for statistics. Callers pass open loans and debt (circulation's facts); either refuses."""
    _refuse_open_business(open_loans, debt)
    locked = Patron.objects.select_for_update().get(pk=patron.pk)
    if locked.anonymized_at is not None:
        return locked
    if locked.birth_date:
        locked.birth_year = locked.birth_date.year
    cleared = {
        "first_name": "",
        "last_name": "",
        "birth_date": None,
        "personnummer": None,
        "email": "",
        "phone": "",
        "street": "",
        "postal_code": "",
        "city": "",
        "staff_note": "",
        "pin_hash": "",
        "guardian": None,
        "keeps_loan_history": False,
        "pin_failures": 0,
        "pin_locked_until": None,
        "pin_locked_for_staff": False,
        "anonymized_at": now,
    }
    for name, value in cleared.items():
        setattr(locked, name, value)
    locked.save(update_fields=[*cleared, "birth_year", "updated_at"])
    locked.cards.all().delete()
    locked.blocks.all().delete()
    Patron.objects.filter(guardian=locked).update(guardian=None)
    return locked


@transaction.atomic
def delete_patron(*, patron: Patron, open_loans: int | None, debt: Decimal | None) -> None:
    """Delete the record (library admins). Refused with open loans or debt."""
    _refuse_open_business(open_loans, debt)
    try:
        with transaction.atomic():
            Patron.objects.filter(guardian=patron).update(guardian=None)
            patron.delete()
    except ProtectedError:
        raise PatronRefused(
            "protected", _("Other records still refer to this patron. Anonymize instead.")
        ) from None
