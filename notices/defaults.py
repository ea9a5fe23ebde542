"""The built-in wording of every notice, in Swedish and English (staff may replace it)."""

from __future__ import annotations

from notices import due

ANY_LIBRARY = {
    "sv": "Du kan lämna tillbaka dem på vilket som helst av biblioteken: {{ libraries }}.",
    "en": "You may return them at any of the libraries: {{ libraries }}.",
}
LOAN_LIST = "{% for loan in loans %}- {{ loan.title }} ({{ loan.due_date|date }})\n{% endfor %}"

DEFAULTS: dict[tuple[str, str], dict[str, str]] = {
    (due.DUE_SOON, "sv"): {
        "subject": "{{ count }} lån ska lämnas tillbaka {{ due_date|date }}",
        "body": "Hej {{ first_name }}!\n\n{{ count }} lån ska lämnas tillbaka senast "
        "{{ due_date|date }}:\n\n"
        + LOAN_LIST
        + "\nDu kan låna om på Mitt konto. "
        + ANY_LIBRARY["sv"]
        + "\n\nHälsningar\n{{ library }}",
        "sms": "Hej {{ first_name }}! {{ count }} lån ska lämnas tillbaka senast "
        "{{ due_date|date }}. Lämna på valfritt bibliotek. /{{ library }}",
    },
    (due.DUE_SOON, "en"): {
        "subject": "{{ count }} loan{{ count|pluralize }} due on {{ due_date|date }}",
        "body": "Hello {{ first_name }},\n\n{{ count }} loan{{ count|pluralize }} "
        "{{ count|pluralize:'is,are' }} due on {{ due_date|date }}:\n\n"
        + LOAN_LIST
        + "\nYou can renew in My account. "
        + ANY_LIBRARY["en"]
        + "\n\nRegards\n{{ library }}",
        "sms": "Hello {{ first_name }}, {{ count }} loan{{ count|pluralize }} due on "
        "{{ due_date|date }}. Return at any library. /{{ library }}",
    },
    (due.OVERDUE, "sv"): {
        "subject": "Påminnelse {{ level }}: {{ count }} försenade lån",
        "body": "Hej {{ first_name }}!\n\nDessa lån skulle ha lämnats tillbaka:\n\n"
        + LOAN_LIST
        + "\nLämna tillbaka dem eller låna om dem snarast. "
        + ANY_LIBRARY["sv"]
        + "\n\nHälsningar\n{{ library }}",
        "sms": "Påminnelse {{ level }}: {{ count }} lån är försenade. Lämna på valfritt "
        "bibliotek. /{{ library }}",
    },
    (due.OVERDUE, "en"): {
        "subject": "Reminder {{ level }}: {{ count }} overdue loan{{ count|pluralize }}",
        "body": "Hello {{ first_name }},\n\nThese loans should have been returned:\n\n"
        + LOAN_LIST
        + "\nPlease return or renew them soon. "
        + ANY_LIBRARY["en"]
        + "\n\nRegards\n{{ library }}",
        "sms": "Reminder {{ level }}: {{ count }} loan{{ count|pluralize }} overdue. Return at "
        "any library. /{{ library }}",
    },
    (due.BILL, "sv"): {
        "subject": "Räkning för ej återlämnade medier",
        "body": "Hej {{ first_name }}!\n\nDessa medier har inte lämnats tillbaka och "
        "räknas nu som förlorade. Du debiteras ersättningskostnaden:\n\n"
        "{% for loan in loans %}- {{ loan.title }}: {{ loan.amount }} kr\n{% endfor %}"
        "\nSumma: {{ total }} kr. Lämnar du tillbaka ett medium tas avgiften bort. "
        + ANY_LIBRARY["sv"]
        + "\n\nHälsningar\n{{ library }}",
        "sms": "{{ count }} medier räknas nu som förlorade; en räkning på {{ total }} kr har "
        "skickats. /{{ library }}",
    },
    (due.BILL, "en"): {
        "subject": "Bill for items not returned",
        "body": "Hello {{ first_name }},\n\nThese items have not been returned and are now "
        "considered lost. You are billed their replacement cost:\n\n"
        "{% for loan in loans %}- {{ loan.title }}: SEK {{ loan.amount }}\n{% endfor %}"
        "\nTotal: SEK {{ total }}. Returning an item cancels its charge. "
        + ANY_LIBRARY["en"]
        + "\n\nRegards\n{{ library }}",
        "sms": "{{ count }} item{{ count|pluralize }} now considered lost; a bill of SEK "
        "{{ total }} has been sent. /{{ library }}",
    },
    (due.HOLD_READY, "sv"): {
        "subject": "Din reservation finns att hämta: {{ title }}",
        "body": "Hej {{ first_name }}!\n\n{{ title }} finns att hämta på {{ pickup_library }}"
        "{% if deadline %} till och med {{ deadline|date }}{% endif %}.\n\n"
        "Hälsningar\n{{ library }}",
        "sms": "Din reservation finns att hämta på {{ pickup_library }}"
        "{% if deadline %} t.o.m. {{ deadline|date }}{% endif %}. /{{ library }}",
    },
    (due.HOLD_READY, "en"): {
        "subject": "Your hold is ready: {{ title }}",
        "body": "Hello {{ first_name }},\n\n{{ title }} is ready for pickup at "
        "{{ pickup_library }}{% if deadline %} until {{ deadline|date }}{% endif %}.\n\n"
        "Regards\n{{ library }}",
        "sms": "Your hold is ready at {{ pickup_library }}"
        "{% if deadline %} until {{ deadline|date }}{% endif %}. /{{ library }}",
    },
    (due.HOLD_EXPIRING, "sv"): {
        "subject": "Hämta din reservation senast {{ deadline|date }}",
        "body": "Hej {{ first_name }}!\n\n{{ title }} väntar på dig på {{ pickup_library }} "
        "till och med {{ deadline|date }}.\n\nHälsningar\n{{ library }}",
        "sms": "Din reservation väntar på {{ pickup_library }} t.o.m. {{ deadline|date }}. "
        "/{{ library }}",
    },
    (due.HOLD_EXPIRING, "en"): {
        "subject": "Pick up your hold by {{ deadline|date }}",
        "body": "Hello {{ first_name }},\n\n{{ title }} is waiting for you at "
        "{{ pickup_library }} until {{ deadline|date }}.\n\nRegards\n{{ library }}",
        "sms": "Your hold waits at {{ pickup_library }} until {{ deadline|date }}. /{{ library }}",
    },
    (due.CARD_EXPIRING, "sv"): {
        "subject": "Ditt lånekort går ut {{ expiry_date|date }}",
        "body": "Hej {{ first_name }}!\n\nDitt lånekort gäller till och med "
        "{{ expiry_date|date }}. Förnya det på valfritt bibliotek.\n\nHälsningar\n{{ library }}",
        "sms": "Ditt lånekort går ut {{ expiry_date|date }}. Förnya på valfritt bibliotek. "
        "/{{ library }}",
    },
    (due.CARD_EXPIRING, "en"): {
        "subject": "Your library card expires on {{ expiry_date|date }}",
        "body": "Hello {{ first_name }},\n\nYour library card is valid until "
        "{{ expiry_date|date }}. Renew it at any of the libraries.\n\nRegards\n{{ library }}",
        "sms": "Your library card expires on {{ expiry_date|date }}. Renew at any library. "
        "/{{ library }}",
    },
}
