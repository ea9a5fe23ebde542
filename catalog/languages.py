"""Names for the MARC language codes (ISO 639-2/B) a patron meets in the catalogue."""

from django.utils.translation import gettext_lazy as _

LANGUAGE_NAMES = {
    "swe": _("Swedish"),
    "eng": _("English"),
    "fin": _("Finnish"),
    "nor": _("Norwegian"),
    "nob": _("Norwegian (Bokmål)"),
    "nno": _("Norwegian (Nynorsk)"),
    "dan": _("Danish"),
    "ice": _("Icelandic"),
    "ger": _("German"),
    "fre": _("French"),
    "spa": _("Spanish"),
    "ita": _("Italian"),
    "por": _("Portuguese"),
    "dut": _("Dutch"),
    "pol": _("Polish"),
    "rus": _("Russian"),
    "ukr": _("Ukrainian"),
    "ara": _("Arabic"),
    "per": _("Persian"),
    "tur": _("Turkish"),
    "kur": _("Kurdish"),
    "som": _("Somali"),
    "tir": _("Tigrinya"),
    "amh": _("Amharic"),
    "bos": _("Bosnian"),
    "hrv": _("Croatian"),
    "srp": _("Serbian"),
    "gre": _("Greek"),
    "hun": _("Hungarian"),
    "cze": _("Czech"),
    "est": _("Estonian"),
    "lav": _("Latvian"),
    "lit": _("Lithuanian"),
    "chi": _("Chinese"),
    "jpn": _("Japanese"),
    "kor": _("Korean"),
    "vie": _("Vietnamese"),
    "tha": _("Thai"),
    "hin": _("Hindi"),
    "heb": _("Hebrew"),
    "lat": _("Latin"),
    "smi": _("Sami"),
    "sme": _("Northern Sami"),
    "fit": _("Meänkieli"),
    "rom": _("Romani"),
    "yid": _("Yiddish"),
    "mul": _("Several languages"),
    "zxx": _("No linguistic content"),
    "und": _("Undetermined"),
}


def language_name(code: str) -> str:
    """'Svenska' for 'swe'; an unknown code is shown as it is."""
    name = LANGUAGE_NAMES.get((code or "").lower())
    return str(name) if name is not None else code
