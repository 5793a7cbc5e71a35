"""One reference, as bloggers write them, parsed into authors, title, outlet and date.

Shapes understood (quotes straight or curly, „German“, «French», 「Japanese」):

- ``Healy, Jack, "Officers and Inmates Are Killed," New York Times, 5/8/11``
- ``New York Times, "Officers and Inmates Are Killed," May 8, 2011``
- ``"Officers and Inmates Are Killed," New York Times, 2011-05-08``
- ``Healy, J. (2011, May 8). Officers and Inmates Are Killed. New York Times.`` (APA-like)
- a title-only link (``<a>Officers and Inmates Are Killed - New York Times</a>``)
- an inline link in running text: nothing is guessed from a sentence, the fields stay empty.

Dates come back as ISO text: ``2011-05-08``, or ``2011-05`` / ``2011`` when only that is
known. ``5/8/11`` is month/day/year, as in US references, unless the blog's language is one
that writes day/month/year (anything but ``en``/``en-US`` and a few others).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

# Opening quote -> the closing quotes that may end it (writers mix them up).
QUOTE_PAIRS = {
    '"': '"”“',
    "“": '”"“',
    "„": '“”"',
    "”": '”"',
    "«": "»",
    "»": "«",
    "‹": "›",
    "「": "」",
    "『": "』",
    "‘": "’",
}
QUOTED = re.compile(
    "|".join(
        f"{re.escape(o)}(?P<q{i}>[^{re.escape(c)}]{{2,400}}?)[{re.escape(c)}]"
        for i, (o, c) in enumerate(QUOTE_PAIRS.items())
    )
)
URL = re.compile(r"\b(?:https?://|www\.)\S+", re.I)
SPACE = re.compile(r"\s+")
# Languages whose writers put the month first in numeric dates.
MONTH_FIRST = ("en", "en-us", "en-ph", "en-ca", "fil", "es-us")

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan januar janvier janv enero ene gennaio genn gen janeiro januari jänner",
        "february feb februar février fevrier févr fevr febrero febbraio fevereiro februari",
        "march mar märz maerz mars marzo março maart",
        "april apr avril avr abril aprile",
        "may mai mayo maggio maio mei",
        "june jun juni juin junio giugno junho",
        "july jul juli juillet juil julio luglio julho",
        "august aug august août aout agosto augustus ago",
        "september sep sept septembre septiembre setiembre settembre set setembro",
        "october oct oktober octobre octubre ottobre ott outubro out okt",
        "november nov novembre noviembre novembro",
        "december dec dez dezember décembre decembre déc diciembre dic dicembre dezembro",
    ),
    start=1,
):
    for _name in _names.split():
        MONTHS.setdefault(_name, _number)
MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
YEAR = r"(?:1[89]\d\d|20\d\d)"
DATE_PATTERNS = (
    # 2011-05-08, 2011/05/08
    ("ymd", re.compile(rf"\b(?P<y>{YEAR})[-/.](?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}})\b")),
    # 5/8/11, 5/8/2011, 8.5.2011, 08-05-2011
    (
        "num",
        re.compile(r"\b(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})\b"),
    ),
    # 2011, May 8 (APA)
    (
        "ytext",
        re.compile(rf"\b(?P<y>{YEAR}),?\s+(?P<m>{MONTH})\.?\s+(?P<d>\d{{1,2}})\b", re.I),
    ),
    # May 8, 2011 / Sept. 8th 2011
    (
        "mdy",
        re.compile(
            rf"\b(?P<m>{MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>{YEAR})\b", re.I
        ),
    ),
    # 8 May 2011, 8. Mai 2011, 8 de mayo de 2011, 1er mai 2011
    (
        "dmy",
        re.compile(
            rf"\b(?P<d>\d{{1,2}})(?:er|\.|º|st|nd|rd|th)?\s+(?:de\s+)?(?P<m>{MONTH})\.?,?\s+"
            rf"(?:de\s+)?(?P<y>{YEAR})\b",
            re.I,
        ),
    ),
    # May 2011, Mai 2011
    ("my", re.compile(rf"\b(?P<m>{MONTH})\.?,?\s+(?:de\s+)?(?P<y>{YEAR})\b", re.I)),
    # 2011-05
    ("ym", re.compile(rf"\b(?P<y>{YEAR})-(?P<m>\d{{2}})\b(?!-)")),
    # (2011) or a bare year at the end
    ("y", re.compile(rf"(?:\((?P<y>{YEAR})\)|\b(?P<y2>{YEAR})\b)")),
)
# Words that make a leading name an outlet rather than a person.
OUTLET_WORDS = re.compile(
    r"\b(?:the|times|news|post|press|herald|tribune|gazette|journal|daily|weekly|magazine|"
    r"review|guardian|telegraph|independent|reuters|associated|bbc|cnn|npr|abc|cbs|nbc|fox|"
    r"msnbc|ap|afp|bloomberg|economist|atlantic|politico|wire|radio|tv|television|network|"
    r"chronicle|observer|monitor|register|record|sun|star|mail|express|mirror|standard|"
    r"courier|globe|inquirer|bulletin|dispatch|today|online|blog|zeitung|spiegel|monde|"
    r"figaro|libération|liberation|país|pais|corriere|repubblica|nieuws|report|reporter|"
    r"examiner|enquirer|ledger|sentinel|beacon|desk|advocate|argus|messenger|citizen|leader|"
    r"statesman|insider|digest|quarterly|bee|free press|post-gazette|rundschau|kurier|"
    r"courrier|diario|heraldo|voix|\.com|\.org|\.net)\b",
    re.I,
)
NAME_WORD = r"[A-ZÀ-ÖØ-Þ][\w'’.-]*"
LAST_FIRST = re.compile(
    rf"^(?P<last>{NAME_WORD}(?:[ -]{NAME_WORD})?),\s+(?P<first>{NAME_WORD}(?:\s+{NAME_WORD}\.?)?)$"
)
PERSON = re.compile(rf"^(?:{NAME_WORD}\.?\s+){{1,3}}{NAME_WORD}$")
BY = re.compile(r"^(?:by|von|par|por|di|door)\s+", re.I)
TITLE_SUFFIX = re.compile(r"^(?P<title>.{8,}?)\s+(?:[-–—|:]|::)\s+(?P<outlet>[^-–—|]{2,60})$")


@dataclass(slots=True)
class Reference:
    """The parsed parts of one reference; missing parts are None (authors: empty)."""

    authors: list[str] = field(default_factory=list)
    title: str | None = None
    outlet: str | None = None
    cited_date: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.authors or self.title or self.outlet or self.cited_date)


def clean(text: str) -> str:
    return SPACE.sub(" ", unicodedata.normalize("NFC", text or "")).strip()


def month_first(language: str | None) -> bool:
    """Whether ``5/8/11`` is May 8 for a blog in this language (unknown: US style)."""
    if not language:
        return True
    lang = language.strip().lower().replace("_", "-")
    return lang in MONTH_FIRST


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 1900 if year >= 69 else 2000
    return year


def _iso(year: int, month: int | None = None, day: int | None = None) -> str | None:
    try:
        if month is None:
            return f"{year:04d}"
        if day is None:
            date(year, month, 1)
            return f"{year:04d}-{month:02d}"
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def find_date(text: str, *, language: str | None = None) -> tuple[str | None, tuple[int, int]]:
    """The first date written in ``text`` as ISO text, and where it was (start, end)."""
    best: tuple[int, int, str, tuple[int, int]] | None = None
    for kind, pattern in DATE_PATTERNS:
        for match in pattern.finditer(text):
            value = _date_value(kind, match, language)
            if value is None:
                continue
            # The most precise date wins (a day over a month over a year), then the earliest.
            rank = (-len(value), match.start())
            if best is None or rank < best[:2]:
                best = (rank[0], rank[1], value, match.span())
            break
    if best is None:
        return None, (0, 0)
    return best[2], best[3]


def _date_value(kind: str, m: re.Match[str], language: str | None) -> str | None:
    if kind == "ymd":
        return _iso(int(m["y"]), int(m["m"]), int(m["d"]))
    if kind == "num":
        a, b, year = int(m["a"]), int(m["b"]), _year(m["y"])
        if m["sep"] == "." or not month_first(language):
            day, month = a, b
        else:
            month, day = a, b
        if month > 12 and day <= 12:
            month, day = day, month
        return _iso(year, month, day)
    if kind in ("mdy", "dmy", "ytext"):
        return _iso(int(m["y"]), MONTHS[m["m"].lower()], int(m["d"]))
    if kind in ("my", "ym"):
        month = MONTHS[m["m"].lower()] if kind == "my" else int(m["m"])
        return _iso(int(m["y"]), month)
    return _iso(int(m["y"] or m["y2"]))


def _strip(text: str) -> str:
    """Punctuation around a part goes; brackets only when they do not pair up."""
    previous = None
    while previous != text:
        previous = text
        text = text.strip().strip(",.;:–—- ")
        if text.endswith((")", "]")) and text.count("(") + text.count("[") < text.count(
            ")"
        ) + text.count("]"):
            text = text[:-1]
        if text.startswith(("(", "[")) and text.count("(") + text.count("[") > text.count(
            ")"
        ) + text.count("]"):
            text = text[1:]
        if text.startswith("(") and text.endswith(")") and text.count("(") == 1:
            text = text[1:-1]
    return text


def _strip_name(text: str) -> str:
    """Like _strip, but an initial keeps its full stop ("Marsh, T.")."""
    stripped = _strip(text)
    if re.search(r"(?:^|\W)[A-Z]$", stripped) and text.strip().startswith(stripped + "."):
        return stripped + "."
    if re.search(r"(?:^|\W)[A-Z]$", stripped) and (stripped + ".") in text:
        return stripped + "."
    return stripped


def split_authors(text: str) -> list[str]:
    """``Healy, Jack and Tim Arango`` -> ``["Jack Healy", "Tim Arango"]``."""
    text = BY.sub("", _strip_name(text))
    if not text:
        return []
    whole = LAST_FIRST.match(text)
    if whole:
        return [f"{whole['first']} {whole['last']}"]
    parts = re.split(r"\s*(?:;|&|\band\b|\bund\b|\bet\b|\by\b|\be\b|\ben\b)\s*", text)
    names: list[str] = []
    for part in parts:
        part = _strip(part)
        if not part:
            continue
        match = LAST_FIRST.match(part)
        if match:
            names.append(f"{match['first']} {match['last']}")
            continue
        pieces = [p.strip() for p in part.split(",") if p.strip()]
        # "Healy, Jack, Tim Arango": a Last, First pair then others.
        if len(pieces) >= 2 and " " not in pieces[0] and " " not in pieces[1]:
            names.append(f"{pieces[1]} {pieces[0]}")
            names.extend(pieces[2:])
        else:
            names.extend(pieces)
    return [clean(n) for n in names if n]


def looks_like_person(text: str) -> bool:
    text = BY.sub("", _strip(text))
    if not text or OUTLET_WORDS.search(text):
        return False
    if LAST_FIRST.match(text):
        return True
    names = re.split(r"\s*(?:;|&|\band\b|\bund\b|\bet\b|\by\b)\s*", text)
    return all(PERSON.match(_strip(n)) or LAST_FIRST.match(_strip(n)) for n in names if n)


def _quoted(text: str) -> re.Match[str] | None:
    return QUOTED.search(text)


def _quote_body(match: re.Match[str]) -> str:
    return next(v for k, v in match.groupdict().items() if v is not None)


def parse_reference(
    text: str, *, anchor: str | None = None, language: str | None = None
) -> Reference:
    """Authors, title, outlet and date of one reference (a list item, a line, a link)."""
    text = clean(URL.sub(" ", text or ""))
    anchor = clean(anchor or "")
    ref = Reference()
    if not text:
        if anchor:
            return _title_only(anchor)
        return ref
    quoted = _quoted(text)
    if quoted is not None:
        return _with_quoted_title(text, quoted, language)
    apa = _apa(text, language)
    if apa is not None:
        return apa
    if anchor and (_strip(text) == _strip(anchor) or len(_strip(text)) <= len(anchor) + 3):
        return _title_only(anchor, language=language)
    return _unquoted(text, language)


def _with_quoted_title(text: str, quoted: re.Match[str], language: str | None) -> Reference:
    ref = Reference(title=_strip(_quote_body(quoted)) or None)
    before = text[: quoted.start()]
    after = text[quoted.end() :]
    found, (start, end) = find_date(after, language=language)
    if found is not None:
        ref.cited_date = found
        after_rest = after[:start] + " " + after[end:]
    else:
        before_date, (bstart, bend) = find_date(before, language=language)
        ref.cited_date = before_date
        if before_date is not None:
            before = before[:bstart] + " " + before[bend:]
        after_rest = after
    after_rest = re.sub(
        r"\b(?:accessed|retrieved|abgerufen|consulté)\b.*$", "", after_rest, flags=re.I
    )
    outlet_after = _strip(re.sub(r"\(\s*\)", "", after_rest))
    outlet_after = re.sub(r"^(?:in|dans|en|im|auf|on)\s+", "", outlet_after, flags=re.I)
    lead = _strip(re.sub(r"\(\s*\)", "", before))
    if lead and outlet_after:
        ref.authors = split_authors(lead)
        ref.outlet = outlet_after or None
    elif lead:
        if looks_like_person(lead):
            ref.authors = split_authors(lead)
        else:
            ref.outlet = lead
    elif outlet_after:
        # "Title," Outlet, date  /  "Title," by Author, Outlet
        if BY.match(outlet_after) and "," in outlet_after:
            who, _, where = outlet_after.partition(",")
            ref.authors = split_authors(who)
            ref.outlet = _strip(where) or None
        else:
            ref.outlet = outlet_after
    if ref.outlet:
        ref.outlet = _strip(ref.outlet.split(",")[0]) if _is_list(ref.outlet) else ref.outlet
    return ref


def _is_list(outlet: str) -> bool:
    """ "New York Times, p. A1" or "BBC News, London": the outlet is the first part."""
    head, _, tail = outlet.partition(",")
    return bool(tail) and (
        re.search(r"\b(?:p|pp|S|vol|no)\.?\s*\w", tail) is not None or len(head) > 2
    )


APA = re.compile(
    r"^(?P<authors>[^()]{2,200}?)\s*\((?P<date>[^)]{4,40})\)\.?\s*(?P<title>.+?[^A-Z])[.?!]\s+"
    r"(?P<outlet>[^.]{2,100})\.?$"
)


def _apa(text: str, language: str | None) -> Reference | None:
    match = APA.match(text)
    if match is None:
        return None
    found, _ = find_date(match["date"], language=language)
    if found is None:
        return None
    return Reference(
        authors=split_authors(match["authors"]) if looks_like_person(match["authors"]) else [],
        title=_strip(match["title"]),
        outlet=_strip(match["outlet"]),
        cited_date=found,
    )


def _title_only(anchor: str, *, language: str | None = None) -> Reference:
    ref = Reference()
    text = anchor
    found, (start, end) = find_date(text, language=language)
    # A date closing the anchor is the article's; a bare year is more often the title's own.
    at_end = end >= len(text.rstrip(" .)]")) and start > len(text) * 0.5
    if found is not None and at_end and (len(found) > 4 or text[start] == "("):
        ref.cited_date = found
        text = text[:start] + text[end:]
    text = _strip(text)
    suffix = TITLE_SUFFIX.match(text)
    if suffix and len(suffix["outlet"].split()) <= 6:
        ref.title, ref.outlet = _strip(suffix["title"]), _strip(suffix["outlet"])
    else:
        ref.title = text or None
    return ref


def _unquoted(text: str, language: str | None) -> Reference:
    """``Outlet: Title (date)`` / ``Title. Outlet, date`` - without quotes, little is sure."""
    ref = Reference()
    found, (start, end) = find_date(text, language=language)
    rest = text
    if found is not None and start >= len(text) * 0.4:
        ref.cited_date = found
        rest = text[:start] + " " + text[end:]
    parts = [_strip(p) for p in re.split(r"\s*(?:[.,;|]\s+|\s[-–—]\s)", _strip(rest)) if _strip(p)]
    if not parts:
        return ref
    if len(parts) == 1:
        ref.title = parts[0]
    elif looks_like_person(parts[0]) and len(parts) >= 3:
        ref.authors = split_authors(parts[0])
        ref.title, ref.outlet = parts[1], parts[2]
    else:
        ref.title = max(parts[:2], key=len)
        other = parts[1] if ref.title == parts[0] else parts[0]
        ref.outlet = other if len(other.split()) <= 6 else None
    return ref


def is_reference_like(text: str, *, language: str | None = None) -> bool:
    """Whether a link-less line reads as a reference (a quoted title with outlet or date)."""
    text = clean(text)
    if not 12 <= len(text) <= 500:
        return False
    quoted = _quoted(text)
    if quoted is not None:
        outside = text[: quoted.start()] + text[quoted.end() :]
        found, _ = find_date(outside, language=language)
        has_parts = len(_strip(outside)) >= 3
        return bool(found) or (has_parts and "," in outside)
    return _apa(text, language) is not None


SPEECH = re.compile(
    r"\b(?:said|says|say|told|tells|added|adds|asked|asks|wrote|writes|explained|according|"
    r"noted|argued|reported|reports|reporting|quoted|"
    r"sagte|sagt|erklärte|a dit|dit|a déclaré|dijo|ha detto)\b",
    re.I,
)
MAX_TITLE_WORDS = 30


def is_plain_reference(text: str, *, language: str | None = None) -> bool:
    """Stricter than :func:`is_reference_like`, for lines without a link: quoted speech in
    running text (``"...," he told the paper in 2022``) is not a reference."""
    text = clean(text)
    if len(text) > 300 or text.endswith(":") or not is_reference_like(text, language=language):
        return False
    quoted = _quoted(text)
    if quoted is None:
        return True  # the APA shape
    if len(_quote_body(quoted).split()) > MAX_TITLE_WORDS:
        return False
    before, after = text[: quoted.start()], text[quoted.end() :]
    if SPEECH.search(before + " " + after):
        return False
    after = after.strip()
    return not after or after[0] in ",.;:–—-(" or after[0].isupper() or after[0].isdigit()
