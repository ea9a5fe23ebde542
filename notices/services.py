"""Notices: the nightly run (which notices are due → written once → sent after commit), the
event-driven hold-ready notice, delivery with retries, printed letter batches and resending.

Idempotency: a ``NoticeSent`` row per (loan, kind, level, due day), per (hold, kind) and per
(patron, card expiry) is written in the same transaction as its ``Notice``, under unique
constraints, and a run holds a transaction-level advisory lock per batch while it reads what
was sent and writes what is new. A run that crashes rolls back its open batch; the re-run
finds the committed batches' rows and writes (and so sends) nothing twice. Delivery locks the
notice row and marks it sent in the same transaction as the send.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import formats, timezone, translation

from circulation import config_cache, losses
from circulation.models import Hold, Loan
from circulation.refusals import CirculationRefused
from circulation.rules import notice_levels
from libraries.enqueue import task_named
from libraries.models import Library
from notices import due
from notices.models import Channel, Kind, LetterBatch, Notice, NoticePreference, NoticeSent
from patrons.models import Patron

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
RUN_LOCK = 0x6E6F7469  # pg advisory lock key of the notice run ("noti")


def _tz(library) -> ZoneInfo:
    return ZoneInfo(library.timezone or "Europe/Stockholm")


@dataclass
class RunReport:
    notices: int = 0
    loans: int = 0
    bills: int = 0
    holds: int = 0
    cards: int = 0
    batches: int = 0
    by_kind: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _enqueue(notice_ids: list[int]) -> None:
    """Deliver after commit; if the broker is down the next run re-enqueues pending notices."""
    if not notice_ids:
        return

    def send() -> None:
        deliver_notice = task_named("notices.tasks.deliver_notice")

        for notice_id in notice_ids:
            try:
                deliver_notice.delay(notice_id=notice_id)
            except Exception:  # the broker is down; the next run retries
                logger.warning("could not enqueue notice delivery; it stays pending")
                return

    transaction.on_commit(send)


def _patron_channels(patron_ids) -> dict[int, tuple[str | None, int, str]]:
    """patron id → (channel or None, home library id, language) for current patrons."""
    rows = (
        Patron.objects.current()
        .filter(pk__in=patron_ids)
        .values_list(
            "id",
            "notice_channel",
            "email",
            "phone",
            "street",
            "postal_code",
            "home_library_id",
            "preferred_language",
        )
    )
    return {
        pk: (
            due.channel_for(
                preferred=pref, email=email, phone=phone, has_address=bool(street and postal)
            ),
            home,
            language,
        )
        for pk, pref, email, phone, street, postal, home, language in rows
    }


def _write(
    groups: list[list[due.Due]], *, channels, today: date, now: datetime, report: RunReport
) -> list[int]:
    """One Notice per group and a NoticeSent per thing it is about; two INSERTs."""
    notices, keys = [], []
    for dues in groups:
        patron_id, kind, level = dues[0].patron_id, dues[0].kind, dues[0].level
        channel, home, _language = channels.get(patron_id, (None, None, None))
        if channel is None:
            continue
        notices.append(
            Notice(
                patron_id=patron_id,
                kind=kind,
                level=level,
                channel=channel,
                library_id=home,
                run_date=today,
                created_at=now,
            )
        )
        keys.append(dues)
    Notice.objects.bulk_create(notices)
    NoticeSent.objects.bulk_create(
        NoticeSent(
            notice_id=notice.pk,
            patron_id=d.patron_id,
            kind=d.kind,
            level=d.level,
            loan_id=d.loan_id,
            hold_id=d.hold_id,
            ref_date=d.ref_day,
        )
        for notice, dues in zip(notices, keys, strict=True)
        for d in dues
    )
    for notice in notices:
        report.by_kind[notice.kind] += 1
    report.notices += len(notices)
    return [n.pk for n in notices if n.channel != Channel.LETTER]


def _lock_run() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RUN_LOCK])


def loan_dues(loans, *, sent, wants_due_soon, today: date, config) -> list[due.Due]:
    """The due notices of a batch of open loans (rows: id, patron, rules library, due_at,
    item type, patron category). Pure apart from the rule/calendar lookups in ``config``."""
    effective_cache: dict = {}
    result = []
    for loan_id, patron_id, library_id, due_at, item_type_id, category_id, _item in loans:
        key = (library_id, category_id, item_type_id)
        rule = effective_cache.get(key)
        if rule is None:
            rule = effective_cache[key] = config.effective(
                library_id=library_id, category_id=category_id, item_type_id=item_type_id
            )
        library = config.libraries_by_id[library_id]
        due_day = timezone.localtime(due_at, _tz(library)).date()
        facts = due.LoanFacts(
            loan_id=loan_id,
            patron_id=patron_id,
            due_day=due_day,
            due_soon_days=rule.due_soon_days,
            levels=notice_levels(rule.overdue_notice_days),
            bill_after_days=rule.bill_after_days,
            wants_due_soon=patron_id in wants_due_soon,
            sent=frozenset(sent.get((loan_id, due_day), ())),
        )
        found = due.loan_notice(facts, today=today, calendar=config.calendar(library_id))
        if found is not None:
            result.append(found)
    return result


def _loan_batch(patron_ids, *, today, now, dry_run, config, report) -> list[int]:
    loans = list(
        Loan.objects.open()
        .filter(patron_id__in=patron_ids)
        .values_list(
            "id",
            "patron_id",
            "rules_library_id",
            "due_at",
            "item__item_type_id",
            "patron__category_id",
            "item_id",
        )
    )
    report.loans += len(loans)
    sent: dict[tuple[int, date], set] = defaultdict(set)
    for loan_id, kind, level, ref in NoticeSent.objects.filter(
        loan_id__in=[row[0] for row in loans]
    ).values_list("loan_id", "kind", "level", "ref_date"):
        sent[(loan_id, ref)].add((kind, level))
    wants = set(
        NoticePreference.objects.filter(patron_id__in=patron_ids, due_soon=True).values_list(
            "patron_id", flat=True
        )
    )
    dues = loan_dues(loans, sent=sent, wants_due_soon=wants, today=today, config=config)
    if dry_run or not dues:
        for d in dues:
            report.by_kind[d.kind] += 1
        return []
    rules_library = {row[0]: row[2] for row in loans}
    item_of = {row[0]: row[6] for row in loans}
    kept = []
    for d in dues:
        if d.kind == due.BILL:
            try:  # the replacement bill: the loan is lost, the item's price billed
                losses.mark_lost(
                    loan=Loan(pk=d.loan_id, item_id=item_of[d.loan_id]),
                    library=config.library(rules_library[d.loan_id]),
                    staff=None,
                    now=now,
                )
            except CirculationRefused:
                continue  # returned meanwhile
            report.bills += 1
        kept.append(d)
    groups: dict[tuple, list[due.Due]] = defaultdict(list)
    for d in kept:
        groups[(d.patron_id, d.kind, d.level)].append(d)
    return _write(
        list(groups.values()),
        channels=_patron_channels({d.patron_id for d in kept}),
        today=today,
        now=now,
        report=report,
    )


def run(*, now: datetime, today: date | None = None, dry_run: bool = False) -> RunReport:
    """The nightly run: every notice due today, each written once, delivered after commit."""
    today = today or timezone.localdate(now)
    config = config_cache.config()
    report = RunReport()
    last = 0
    while True:
        patron_ids = list(
            Loan.objects.open()
            .filter(patron_id__gt=last)
            .order_by("patron_id")
            .values_list("patron_id", flat=True)
            .distinct()[: settings.NOTICE_BATCH_PATRONS]
        )
        if not patron_ids:
            break
        last = patron_ids[-1]
        report.batches += 1
        with transaction.atomic():
            if not dry_run:
                _lock_run()
            ids = _loan_batch(
                patron_ids, today=today, now=now, dry_run=dry_run, config=config, report=report
            )
            _enqueue(ids)
    _holds_and_cards(today=today, now=now, dry_run=dry_run, config=config, report=report)
    if not dry_run:
        requeue_pending(now=now)
    return report


def _holds_and_cards(*, today, now, dry_run, config, report) -> None:
    warn_hold = settings.NOTICE_HOLD_EXPIRY_WARNING_DAYS
    warn_card = settings.NOTICE_CARD_EXPIRY_WARNING_DAYS
    with transaction.atomic():
        if not dry_run:
            _lock_run()
        holds = list(
            Hold.objects.filter(state=Hold.State.ON_HOLD_SHELF).values_list(
                "id", "patron_id", "pickup_library_id", "pickup_deadline", "notice_sent_at"
            )
        )
        sent: dict[int, set[str]] = defaultdict(set)
        for hold_id, kind in NoticeSent.objects.filter(
            hold_id__in=[h[0] for h in holds]
        ).values_list("hold_id", "kind"):
            sent[hold_id].add(kind)
        dues: list[due.Due] = []
        for hold_id, patron_id, pickup_id, deadline, notice_sent_at in holds:
            if notice_sent_at is not None:
                sent[hold_id].add(due.HOLD_READY)
            library = config.libraries_by_id[pickup_id]
            dues += due.hold_notices(
                hold_id=hold_id,
                patron_id=patron_id,
                on_shelf=True,
                deadline_day=timezone.localtime(deadline, _tz(library)).date()
                if deadline
                else None,
                warn_days=warn_hold,
                today=today,
                calendar=config.calendar(pickup_id),
                sent=frozenset(sent[hold_id]),
            )
        card_sent = set(
            NoticeSent.objects.filter(kind=due.CARD_EXPIRING, ref_date__gte=today).values_list(
                "patron_id", "ref_date"
            )
        )
        for patron_id, expiry in (
            Patron.objects.current()
            .filter(expiry_date__gte=today, expiry_date__lte=today + timedelta(days=warn_card))
            .values_list("id", "expiry_date")
        ):
            found = due.card_notice(
                patron_id=patron_id,
                expiry=expiry,
                warn_days=warn_card,
                today=today,
                already_sent=(patron_id, expiry) in card_sent,
            )
            if found:
                dues.append(found)
        report.holds += sum(1 for d in dues if d.hold_id)
        report.cards += sum(1 for d in dues if d.kind == due.CARD_EXPIRING)
        if dry_run:
            for d in dues:
                report.by_kind[d.kind] += 1
            return
        # Hold notices go one per hold (a patron may get several in a day); cards one each.
        channels = _patron_channels({d.patron_id for d in dues})
        hold_ready = [d.hold_id for d in dues if d.kind == due.HOLD_READY]
        ids = _write([[d] for d in dues], channels=channels, today=today, now=now, report=report)
        Hold.objects.filter(pk__in=hold_ready).update(notice_sent_at=now)
        _enqueue(ids)


# --- Hold ready (event-driven: enqueued when the copy is put on the hold shelf) ----------


@transaction.atomic
def notify_hold_ready(*, hold_id: int, now: datetime) -> int | None:
    """Write the hold-ready notice once and deliver it after commit; its id, or None when
    there is nothing to send (the hold left the shelf, was notified already, or the patron
    cannot be reached)."""
    hold = (
        Hold.objects.select_for_update(of=("self",))
        .select_related("pickup_library")
        .filter(pk=hold_id)
        .first()
    )
    if hold is None or hold.state != Hold.State.ON_HOLD_SHELF or hold.notice_sent_at is not None:
        return None
    if NoticeSent.objects.filter(hold=hold, kind=due.HOLD_READY).exists():
        return None
    channel, _home, _language = _patron_channels([hold.patron_id]).get(
        hold.patron_id, (None, None, None)
    )
    hold.notice_sent_at = now
    hold.save(update_fields=["notice_sent_at"])
    if channel is None:
        return None
    tz = _tz(hold.pickup_library)
    notice = Notice.objects.create(
        patron_id=hold.patron_id,
        kind=Kind.HOLD_READY,
        channel=channel,
        library=hold.pickup_library,
        run_date=timezone.localtime(now, tz).date(),
        created_at=now,
    )
    NoticeSent.objects.create(
        notice=notice,
        patron_id=hold.patron_id,
        kind=Kind.HOLD_READY,
        hold=hold,
        ref_date=timezone.localtime(hold.pickup_deadline or now, tz).date(),
    )
    if channel != Channel.LETTER:
        _enqueue([notice.pk])
    return notice.pk


# --- Delivery ------------------------------------------------------------------------------


def _send(notice: Notice, message) -> None:
    from django.core.mail import EmailMultiAlternatives

    from notices import sms

    patron = notice.patron
    if notice.channel == Channel.EMAIL:
        mail = EmailMultiAlternatives(message.subject, message.text, None, [patron.email])
        mail.attach_alternative(message.html, "text/html")
        mail.send(fail_silently=False)
    elif notice.channel == Channel.SMS:
        sms.gateway().send(to=patron.phone, text=message.sms)
    else:
        raise ValueError("letters are printed, not sent")


def deliver_notice(*, notice_id: int, now: datetime) -> str:
    """Send one e-mail or SMS notice; returns the notice's state afterwards.

    The row is locked and marked sent in the transaction of the send: a re-delivered task
    finds it sent and sends nothing. A failure is recorded (attempts, the error's type — never
    the text) and the state says whether the task should retry.
    """
    from notices.compose import compose

    with transaction.atomic():
        notice = (
            Notice.objects.select_for_update(of=("self",))
            .select_related("patron", "library")
            .filter(pk=notice_id)
            .first()
        )
        if notice is None:
            return "missing"
        if notice.state in (Notice.State.SENT, Notice.State.CANCELLED, Notice.State.FAILED):
            return notice.state
        if notice.channel == Channel.LETTER:
            return notice.state
        message = compose(notice)
        notice.attempts += 1
        if message is None:
            notice.state = Notice.State.CANCELLED
        else:
            try:
                _send(notice, message)
            except Exception as error:  # any failure of the mail/SMS backend
                notice.last_error = type(error).__name__[:100]
                notice.state = (
                    Notice.State.FAILED
                    if notice.attempts >= MAX_ATTEMPTS
                    else Notice.State.RETRYING
                )
                logger.warning("notice %s: send failed (%s)", notice.pk, notice.last_error)
            else:
                notice.state, notice.sent_at, notice.last_error = Notice.State.SENT, now, ""
        notice.save(update_fields=["attempts", "state", "sent_at", "last_error"])
        return notice.state


def requeue_pending(*, now: datetime) -> int:
    """Enqueue e-mail/SMS notices made before ``now`` and still unsent: the broker was down
    when they were made, or a worker died before retrying. (This run's own are enqueued.)"""
    ids = list(
        Notice.objects.filter(
            state__in=[Notice.State.PENDING, Notice.State.RETRYING], created_at__lt=now
        )
        .exclude(channel=Channel.LETTER)
        .values_list("pk", flat=True)
    )
    with transaction.atomic():
        _enqueue(ids)
    return len(ids)


@transaction.atomic
def resend(*, notice: Notice, staff, now: datetime) -> Notice:
    """The desk sends a notice again (after a failure, or when the patron asks)."""
    locked = Notice.objects.select_for_update().get(pk=notice.pk)
    locked.state, locked.attempts, locked.last_error = Notice.State.PENDING, 0, ""
    locked.letter_batch = None
    locked.save(update_fields=["state", "attempts", "last_error", "letter_batch"])
    if locked.channel != Channel.LETTER:
        _enqueue([locked.pk])
    return locked


# --- Letters -------------------------------------------------------------------------------


@transaction.atomic
def print_letters(*, library: Library, staff, now: datetime) -> LetterBatch | None:
    """Gather the library's waiting letters into a batch (marked sent); None if none wait."""
    from notices.compose import compose

    pending = list(
        Notice.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("patron", "library")
        .filter(library=library, channel=Channel.LETTER, state=Notice.State.PENDING)
        .order_by("patron__postal_code", "pk")
    )
    if not pending:
        return None
    batch = LetterBatch.objects.create(library=library, created_at=now, created_by=staff)
    for notice in pending:
        notice.attempts += 1
        if compose(notice) is None:
            notice.state = Notice.State.CANCELLED
        else:
            notice.state, notice.sent_at, notice.letter_batch = Notice.State.SENT, now, batch
        notice.save(update_fields=["attempts", "state", "sent_at", "letter_batch"])
    return batch


def batch_pdf(batch: LetterBatch) -> bytes:
    """The batch's letters as one PDF (rendered now; nothing of the text is stored)."""
    from notices.compose import compose
    from notices.letters import Letter, render_batch

    library = batch.library
    letters = []
    for notice in batch.notices.select_related("patron", "library").order_by(
        "patron__postal_code", "pk"
    ):
        message = compose(notice, include_closed=True)
        if message is None:
            continue
        patron = notice.patron
        language = patron.preferred_language or "sv"
        with translation.override(language):
            day_text = formats.date_format(batch.created_at.date(), "DATE_FORMAT")
        letters.append(
            Letter(
                sender=(library.name, library.municipality),
                recipient=(
                    f"{patron.first_name} {patron.last_name}",
                    patron.street,
                    f"{patron.postal_code} {patron.city}",
                ),
                day=batch.created_at.date(),
                day_text=day_text,
                subject=message.subject,
                body=message.text,
            )
        )
    return render_batch(letters, title=f"{library.code} {batch.created_at:%Y-%m-%d}")


# --- Preferences and templates -----------------------------------------------------------


class NoticeRefused(Exception):
    def __init__(self, reason: str, message, field: str | None = None):
        super().__init__(str(message))
        self.reason, self.message, self.field = reason, message, field


@transaction.atomic
def set_preferences(*, patron: Patron, channel: str, due_soon: bool) -> Patron:
    """The patron's own choice in the OPAC: how notices reach them, and due-soon notices."""
    from django.utils.translation import gettext_lazy as _

    locked = Patron.objects.select_for_update().get(pk=patron.pk)
    if channel not in Channel.values:
        raise NoticeRefused("channel", _("Choose how to get notices."), "channel")
    if channel == Channel.EMAIL and not locked.email:
        raise NoticeRefused("email", _("Give an e-mail address first."), "channel")
    if channel == Channel.SMS and not locked.phone:
        raise NoticeRefused("phone", _("Give a phone number first."), "channel")
    if channel == Channel.LETTER and not (locked.street and locked.postal_code):
        raise NoticeRefused("address", _("The library has no postal address for you."), "channel")
    if locked.notice_channel != channel:
        locked.notice_channel = channel
        locked.save(update_fields=["notice_channel", "updated_at"])
    NoticePreference.objects.update_or_create(patron=locked, defaults={"due_soon": due_soon})
    return locked


@transaction.atomic
def save_template(
    *, kind: str, language: str, subject: str, body: str, sms_text: str, staff, now: datetime
):
    """Save staff's wording of a notice; refused (``sandbox.TemplateRefused``) unless every
    part uses only the allowed variables and tags."""
    from notices import sandbox
    from notices.models import NoticeTemplate

    for text in (subject, body, sms_text):
        sandbox.validate(text)
    template, _created = NoticeTemplate.objects.update_or_create(
        kind=kind,
        language=language,
        defaults={
            "subject": subject,
            "body": body,
            "sms": sms_text,
            "updated_at": now,
            "updated_by": staff,
        },
    )
    return template


@transaction.atomic
def reset_template(*, kind: str, language: str) -> None:
    from notices.models import NoticeTemplate

    NoticeTemplate.objects.filter(kind=kind, language=language).delete()
