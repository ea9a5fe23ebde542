"""OPAC catalogue pages: search with facets, the record page, suggestions, MARC export."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from catalog import selectors
from catalog.export import record_marc_response
from catalog.filters import YEAR_MAX, YEAR_MIN
from catalog.languages import language_name
from catalog.models import Audience, MediaType, Record
from catalog.search import Filters, search, suggest
from libraries.models import Library

FILTER_PARAMS = ["library", "available", "media", "language", "audience", "year_from", "year_to"]
SORT_LABELS = {
    "relevance": gettext_lazy("Relevance"),
    "newest": gettext_lazy("Newest first"),
    "title": gettext_lazy("Title"),
    "author": gettext_lazy("Author"),
}


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _filters(params, libraries: dict[str, Library]) -> Filters:
    lib = libraries.get((params.get("library") or "").upper())
    avail = libraries.get((params.get("available") or "").upper())
    return Filters(
        library=lib.id if lib else None,
        available_at=avail.id if avail else None,
        media_type=params.get("media", "") if params.get("media") in MediaType.values else "",
        language=(params.get("language") or "")[:3],
        audience=params.get("audience", "") if params.get("audience") in Audience.values else "",
        year_from=_int(params.get("year_from")),
        year_to=_int(params.get("year_to")),
    )


def _link(params, **changes) -> str:
    """The current search's URL with some parameters set (None removes one); back to page 1."""
    merged = {k: v for k, v in params.items() if k in {"q", "sort", *FILTER_PARAMS} and v}
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return "?" + urlencode(merged)


@dataclass(frozen=True)
class Hit:
    """One search result as the page shows it, computed once in Python: the template has no
    per-hit URL reversing, choice lookups or plural tags (they were most of the page's
    rendering time)."""

    url: str
    title: str
    subtitle: str
    byline: str  # "author · year · media type"
    shelves: SafeString  # <span class=available>KHM library: 2 on the shelf</span> · …


def _hits(records: list[Record], summaries: dict) -> list[Hit]:
    marker = 2_147_483_647
    url = reverse("opac:record", args=[marker]).replace(str(marker), "{}")
    media = dict(MediaType.choices)
    hits = []
    for record in records:
        byline = [record.authors[0]] if record.authors else []
        if record.year:
            byline.append(str(record.year))
        byline.append(str(media.get(record.media_type, record.media_type)))
        shelves = format_html_join(
            " · ",
            '<span class="{}">{}: {}</span>',
            (
                (
                    "available" if available else "unavailable",
                    library.name,
                    ngettext("%(counter)s on the shelf", "%(counter)s on the shelf", available)
                    % {"counter": available},
                )
                for library, _copies, available in summaries.get(record.id, [])
            ),
        )
        hits.append(
            Hit(url.format(record.id), record.title, record.subtitle, " · ".join(byline), shelves)
        )
    return hits


def _facet_groups(result, params, libraries: dict[str, Library]) -> list[dict]:
    by_id = {lib.id: lib for lib in libraries.values()}
    media = dict(MediaType.choices)
    audiences = dict(Audience.choices)

    def group(title, key, pairs, label):
        current = params.get(key)
        entries = [
            {
                "label": label(value),
                "count": count,
                "url": _link(params, **{key: None if current == str(value) else str(value)}),
                "selected": current == str(value),
            }
            for value, count in pairs
            if value not in (None, "")
        ]
        return {"title": title, "key": key, "entries": entries} if entries else None

    f = result.facets
    groups = [
        group(
            _("Library"),
            "library",
            [(by_id[i].code, n) for i, n in sorted(f.library.items()) if i in by_id],
            lambda code: libraries[code].name,
        ),
        group(
            _("On the shelf now"),
            "available",
            [(by_id[i].code, n) for i, n in sorted(f.available.items()) if i in by_id],
            lambda code: libraries[code].name,
        ),
        group(_("Media type"), "media", f.media_type, lambda v: media.get(v, v)),
        group(_("Language"), "language", f.language, language_name),
        group(_("Audience"), "audience", f.audience, lambda v: audiences.get(v, v)),
    ]
    decades = [
        {
            "label": f"{decade}–{decade + 9}",
            "count": count,
            "url": _link(params, year_from=str(decade), year_to=str(decade + 9)),
            "selected": params.get("year_from") == str(decade),
        }
        for decade, count in f.decade
    ]
    if decades:
        groups.append({"title": _("Year"), "key": "year", "entries": decades})
    return [g for g in groups if g]


def _bad_years(params) -> bool:
    """A year filter outside YEAR_MIN..YEAR_MAX (one that is no number at all is ignored)."""
    for key in ("year_from", "year_to"):
        try:
            year = int(params.get(key) or "")
        except ValueError:
            continue
        if not YEAR_MIN <= year <= YEAR_MAX:
            return True
    return False


def _filter_label(key: str, value: str, libraries: dict[str, Library]) -> str:
    """What an active-filter chip says: the library's or media type's name, not its code."""
    if key in ("library", "available"):
        library = libraries.get(value.upper())
        name = library.name if library else value
        return name if key == "library" else _("On the shelf at %(library)s") % {"library": name}
    if key == "media":
        return str(dict(MediaType.choices).get(value, value))
    if key == "audience":
        return str(dict(Audience.choices).get(value, value))
    if key == "language":
        return str(language_name(value))
    if key == "year_from":
        return _("From %(year)s") % {"year": value}
    if key == "year_to":
        return _("Until %(year)s") % {"year": value}
    return value


def search_page(request: HttpRequest) -> HttpResponse:
    """Search results with facets as plain links (works without JavaScript)."""
    params = request.GET
    if _bad_years(params):
        message = _("A year is a whole number from %(min)s to %(max)s.") % {
            "min": YEAR_MIN,
            "max": YEAR_MAX,
        }
        return render(request, "opac/bad_request.html", {"message": message}, status=400)
    libraries = {lib.code: lib for lib in Library.objects.all()}
    result = search(
        text=params.get("q", ""),
        filters=_filters(params, libraries),
        sort=params.get("sort", "relevance"),
        page=_int(params.get("page")) or 1,
    )
    by_id = {lib.id: lib for lib in libraries.values()}
    summaries = selectors.availability_summaries(result.records, by_id) if result.records else {}
    context = {
        "query": params.get("q", ""),
        "result": result,
        "hits": _hits(result.records, summaries),
        "facets": _facet_groups(result, params, libraries) if result.total else [],
        "active_filters": [
            {
                "key": k,
                "value": params[k],
                "label": _filter_label(k, params[k], libraries),
                "url": _link(params, **{k: None}),
            }
            for k in FILTER_PARAMS
            if params.get(k)
        ],
        "sorts": [
            {"key": k, "label": label, "url": _link(params, sort=k), "selected": result.sort == k}
            for k, label in SORT_LABELS.items()
        ],
        "suggestion_url": _link(params, q=result.suggestion, page=None)
        if result.suggestion
        else "",
        "prev_url": _link(params, page=str(result.page - 1)) if result.page > 1 else "",
        "next_url": _link(params, page=str(result.page + 1)) if result.page < result.pages else "",
    }
    return render(request, "opac/search.html", context)


def suggestions(request: HttpRequest) -> HttpResponse:
    """As-you-type title suggestions (an htmx fragment)."""
    return render(
        request,
        "opac/search.html#suggestions",
        {"suggestions": suggest(text=request.GET.get("q", ""))},
    )


def record_page(request: HttpRequest, record_id: int) -> HttpResponse:
    """A title with all copies grouped per library and where each one is now."""
    try:
        record, holdings = selectors.record_with_holdings(record_id)
    except Record.DoesNotExist as exc:
        raise Http404 from exc
    context = {
        "record": record,
        "holdings": holdings,
        "more_by_author": selectors.more_by_author(record),
        "more_in_series": selectors.more_in_series(record),
        "author_url": "/sok/?" + urlencode({"q": f'author:"{record.authors[0]}"'})
        if record.authors
        else "",
        "series_url": "/sok/?" + urlencode({"q": f'"{record.series}"'}) if record.series else "",
    }
    return render(request, "opac/record.html", context)


def record_export(request: HttpRequest, record_id: int, fmt: str) -> HttpResponse:
    """The record as MARCXML or ISO 2709, with its holdings as 852 fields."""
    return record_marc_response(record_id, fmt)
