"""The glossary of Danish terms: the one source for README's glossary table and for the
inline explanations (`{{ text|glossary }}` / `{% glossary %}…{% endglossary %}` in
`enplan.core.templatetags.enplan`).

Danish terms keep their names in every language (DOMAIN.md); where one appears on a page it
is wrapped in `<abbr>` with its explanation in the reader's language: Danish on Danish pages,
English on English ones, and on the citizen's pages in Arabic, Turkish or Somali where the
portal catalogues translate the English text (they do for the terms marked `citizen`).

`tests/test_glossary.py` checks that README's table is this list, row for row
(`python -m enplan glossary` prints the table).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from functools import cache

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Term:
    term: str  # as README names it
    en: str  # the English explanation (README's "Meaning"; the msgid for other languages)
    da: str  # the Danish explanation
    forms: tuple[str, ...] = ()  # the words matched in a page's text (default: the term)
    inline: bool = True  # False: an everyday word, explained in README only
    citizen: bool = False  # used on the citizen's pages: translated in every portal language

    @property
    def words(self) -> tuple[str, ...]:
        return self.forms or (self.term,)


TERMS: tuple[Term, ...] = (
    Term("borger", "the citizen", "borgeren, som planen handler om", inline=False),
    Term(
        "koordinerende sagsbehandler",
        "coordinating caseworker at the jobcenter; exactly one per citizen (LAB)",
        "sagsbehandleren i jobcentret, der samler trådene i borgerens forløb; der er præcis én "
        "pr. borger (LAB)",
        (
            "koordinerende sagsbehandler",
            "koordinerende sagsbehandleren",
            "koordinerende sagsbehandlere",
        ),
        citizen=True,
    ),
    Term(
        "tovholder",
        "the person organising one piece of the cooperation",
        "den person, der holder styr på én del af samarbejdet",
        ("tovholder", "tovholderen", "tovholdere"),
    ),
    Term(
        "aktivitetsparat",
        "not expected to take ordinary work within 3 months (LAB §6 nr. 3)",
        "forventes ikke at kunne tage ordinært arbejde inden for 3 måneder (LAB § 6 nr. 3)",
        ("aktivitetsparat", "aktivitetsparate"),
    ),
    Term(
        "forløb",
        "a course: jobafklaringsforløb, ressourceforløb, sygedagpenge …",
        "et forløb efter loven: jobafklaringsforløb, ressourceforløb, sygedagpenge …",
        inline=False,
    ),
    Term("delmål", "sub-goal of the plan", "et mål på vejen mod planens slutmål", inline=False),
    Term(
        "skånehensyn",
        "health accommodations",
        "hensyn til helbredet, som arbejde eller aktiviteter skal tage",
    ),
    Term(
        "støttekontaktperson",
        "support contact person (Serviceloven)",
        "en fast voksen, der støtter borgeren i hverdagen (Serviceloven)",
        ("støttekontaktperson", "støttekontaktpersonen", "støttekontaktpersoner"),
    ),
    Term(
        "netværksmøde",
        "network meeting: the citizen meets the professionals around her plan together",
        "et møde, hvor borgeren og de fagfolk, der arbejder med hendes plan, mødes samlet",
        ("netværksmøde", "netværksmødet", "netværksmøder"),
        citizen=True,
    ),
    Term(
        "planlægningsmøde",
        "planning meeting: the meeting where the shared plan is made with the citizen",
        "det møde, hvor den fælles plan bliver lagt sammen med borgeren",
        ("planlægningsmøde", "planlægningsmødet", "planlægningsmøder"),
        citizen=True,
    ),
    Term(
        "trepartssamtale",
        "three-party talk: the citizen, her caseworker and one more party (e.g. a doctor or an "
        "employer) talk together",
        "en samtale mellem borgeren, sagsbehandleren og en tredje part, fx en læge eller en "
        "arbejdsgiver",
        ("trepartssamtale", "trepartssamtalen", "trepartssamtaler"),
        citizen=True,
    ),
    Term(
        "samtykke",
        "the citizen's consent that information of some categories goes from one organisation "
        "(or sector) to another, for a purpose and period",
        "borgerens tilladelse til, at oplysninger af bestemte slags går fra ét sted til et andet, "
        "til et formål og i en periode",
        ("samtykke", "samtykket", "samtykker", "samtykkerne"),
        citizen=True,
    ),
    Term(
        "attest",
        "a statement about the citizen's health from a doctor, psychologist or clinic, asked "
        "for by the jobcenter",
        "en udtalelse om borgerens helbred fra en læge, psykolog eller klinik, som jobcentret "
        "beder om",
        (
            "attest",
            "attesten",
            "attester",
            "attesterne",
            "attestanmodning",
            "attestanmodningen",
            "attestanmodninger",
        ),
        citizen=True,
    ),
    Term(
        "bisidder",
        "a person the citizen brings to a meeting for support",
        "en person, som borgeren tager med til et møde som støtte",
        ("bisidder", "bisidderen", "bisiddere"),
        citizen=True,
    ),
    Term(
        "tilbudskatalog",
        "offers catalogue: each unit's offers, whom they are for, and who decides",
        "oversigt over hver enheds tilbud, hvem de er til, og hvem der beslutter",
        ("tilbudskatalog", "tilbudskataloget"),
    ),
    Term(
        "lokalpsykiatri",
        "regional psychiatry's local outpatient unit",
        "regionens ambulante psykiatri i lokalområdet",
        ("lokalpsykiatri", "lokalpsykiatrien"),
    ),
    Term(
        "almen praksis",
        "general practice (the citizen's own doctor)",
        "den praktiserende læge (borgerens egen læge)",
    ),
    Term(
        "traumeklinik",
        "trauma clinic",
        "klinik, der behandler traumer",
        ("traumeklinik", "traumeklinikken"),
    ),
    Term(
        "rusmiddelcenter",
        "substance-abuse centre",
        "kommunens behandling for misbrug af alkohol og stoffer",
        ("rusmiddelcenter", "rusmiddelcentret", "rusmiddelcenteret"),
    ),
    Term(
        "SOR",
        "the national register of health organisations' codes",
        "det nationale register over sundhedsvæsenets organisationer og deres koder",
        inline=False,
    ),
    Term(
        "korrespondancemeddelelse",
        "MedCom CareCommunication: the national secure message between health and social care",
        "MedComs sikre besked mellem sundheds- og socialområdet",
        ("korrespondancemeddelelse", "korrespondancemeddelelser"),
    ),
    Term(
        "kvittering",
        "MedCom Acknowledgement: the receiver's positive or negative answer to every message",
        "modtagerens positive eller negative svar på hver MedCom-besked",
        inline=False,
    ),
    Term(
        "EAN (GLN)",
        "location number that, with the SOR code, addresses a message",
        "lokationsnummer, der sammen med SOR-koden adresserer en besked",
        inline=False,
    ),
    Term(
        "erstatningspersonnummer",
        "replacement CPR number for a person without (or with an unknown) CPR number",
        "personnummer til en person uden (eller med ukendt) CPR-nummer",
    ),
    Term(
        "visitation (triage)",
        "here: received messages waiting for staff to identify the citizen",
        "her: modtagne beskeder, der venter på, at en medarbejder finder borgeren",
        inline=False,
    ),
)


def readme_table() -> str:
    """README's glossary table (Markdown), from `TERMS`."""
    rows = ["| Term | Meaning |", "| --- | --- |"]
    rows += [f"| {t.term} | {t.en} |" for t in TERMS]
    return "\n".join(rows) + "\n"


@cache
def _pattern() -> tuple[re.Pattern, dict[str, Term]]:
    by_word = {w.lower(): t for t in TERMS if t.inline for w in t.words}
    words = sorted(by_word, key=len, reverse=True)  # the longest form wins
    alternatives = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE), by_word


def explanation(term: Term) -> str:
    """The explanation in the current language (see the module's docstring)."""
    language = (get_language() or "da").split("-")[0]
    if language == "da":
        return term.da
    return _(term.en)


# Inside these an explanation would nest interactive content, or cannot hold markup at all.
_SKIP = {"a", "abbr", "button", "option", "select", "textarea", "title", "script", "style"}
_TAG = re.compile(r"(<[^>]*>)")
_NAME = re.compile(r"<\s*(/)?\s*([a-zA-Z0-9]+)")


def _wrap(match: re.Match, by_word: dict[str, Term], seen: set[str]) -> str:
    text = match.group(0)
    term = by_word[re.sub(r"\s+", " ", text.lower())]
    if term.term in seen:  # once per piece of text is enough; the rest reads as usual
        return text
    seen.add(term.term)
    said = explanation(term)
    tip = escape(said[:1].upper() + said[1:])
    ident = f"gl-{secrets.token_hex(4)}"
    return (
        f'<abbr class="gloss" title="{tip}" tabindex="0" aria-describedby="{ident}">{text}</abbr>'
        f'<span class="gloss-tip" role="tooltip" id="{ident}">{tip}</span>'
    )


def explain(html: str) -> SafeString:
    """Wrap the known Danish terms in the text nodes of `html` (already safe markup)."""
    pattern, by_word = _pattern()
    out, skip, seen = [], 0, set()
    for part in _TAG.split(str(html)):
        if part.startswith("<"):
            name = _NAME.match(part)
            if name and name.group(2).lower() in _SKIP and not part.endswith("/>"):
                skip += -1 if name.group(1) else 1
                skip = max(skip, 0)
            out.append(part)
        elif skip or not part.strip():
            out.append(part)
        else:
            out.append(pattern.sub(lambda m: _wrap(m, by_word, seen), part))
    return mark_safe("".join(out))  # noqa: S308 - only text nodes changed, each escaped
