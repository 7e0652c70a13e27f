"""Varied, valid JATS 1.3 Publishing records in their thousands, for the benchmarks and the tests.

Benchmarks of validation, ingest, the store and OAI-PMH need thousands of realistic articles,
and the real collection is small. This module writes synthetic ones: several journals (some
numbering volumes), years, issues, 1 to 8 authors (some with ORCIDs, Cyrillic names with Latin
alternatives), affiliations, Russian and English titles, abstracts and keywords with their
translations, DOIs for some, CC BY licences (open access, free-to-read, embargoed) for some,
bodies for some, and references of several kinds.

Every record is valid against the official JATS 1.3 Publishing DTD and XSD (tests/test_generator.py
checks a sample; ``python -m bench.generate`` writes them to disk). Text is chosen from pools
built once per seed and joined by string templates,
never built with lxml, so generation is fast enough to feed 100,000 records to a benchmark
without touching the disk (``iter_records``). The same ``(n, seed)`` gives the same bytes, and
``iter_records(n, seed)`` is a prefix of ``iter_records(m, seed)`` for ``m > n``.

The data is synthetic and must never be published: DOIs use the test prefix 10.5555, e-mail
addresses and URLs use example.org, ISSNs and ORCIDs are random numbers with valid check digits.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

Words = tuple[str, ...]
T = TypeVar("T")

DOCTYPE = (
    '<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Publishing DTD with MathML3 '
    'v1.3 20210610//EN" "https://jats.nlm.nih.gov/publishing/1.3/JATS-journalpublishing1-3-'
    'mathml3.dtd">'
)
ROOT_ATTRS = (
    'xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:mml="http://www.w3.org/1998/Math/MathML" '
    'xmlns:ali="http://www.niso.org/schemas/ali/1.0/" dtd-version="1.3"'
)
CC_BY = "https://creativecommons.org/licenses/by/4.0/"
DOI_PREFIX = "10.5555"  # Crossref's prefix for tests: resolves to nothing real


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


EN_WORDS = _words(
    "analysis approach archive assessment basis boundary capacity change civic comparison "
    "concept context contribution cooperation culture data debate development dynamics economy "
    "education effect empire estimate evidence evolution experience factor field formation "
    "framework growth heritage history identity impact industry influence institution interaction "
    "knowledge labour language law level literature market measure memory method migration model "
    "movement network norm observation order organisation origin pattern period perspective "
    "policy population practice principle process property reform region relation research "
    "resource response role rule sample science sector security society source space stability "
    "state strategy structure study system technique technology territory theory tradition "
    "transformation trend value variation view"
)
EN_ADJ = _words(
    "agrarian applied comparative contemporary critical cultural early economic empirical "
    "european formal general historical industrial institutional international late legal local "
    "medieval modern national new political practical regional rural social soviet structural "
    "theoretical urban western"
)
RU_WORDS = _words(
    "анализ подход архив оценка основа граница изменение понятие контекст вклад сотрудничество "
    "культура данные развитие динамика экономика образование эффект империя свидетельство "
    "эволюция опыт фактор поле формирование рост наследие история идентичность влияние "
    "промышленность институт взаимодействие знание труд язык право уровень литература рынок "
    "память метод миграция модель движение сеть норма наблюдение порядок организация "
    "происхождение период перспектива политика население практика принцип процесс реформа "
    "регион отношение исследование ресурс роль правило выборка наука сектор безопасность "
    "общество источник пространство устойчивость государство стратегия структура система "
    "техника технология территория теория традиция преобразование тенденция ценность"
)
RU_ADJ = _words(
    "аграрный прикладной сравнительный современный критический культурный ранний "
    "экономический эмпирический европейский формальный общий исторический промышленный "
    "институциональный международный поздний правовой местный средневековый новый "
    "национальный политический практический региональный сельский социальный советский "
    "структурный теоретический городской западный"
)
RU_CONNECT = _words("в и на для при о между через после")
EN_CONNECT = _words("of in and for on between through after within")
SUBJECTS = (
    ("Research Articles", "Научные статьи"),
    ("Reviews", "Обзоры"),
    ("History of Belarus", "История Беларуси"),
    ("Applied Studies", "Прикладные исследования"),
    ("Theory and Method", "Теория и методология"),
)

# (Latin given name, Cyrillic given name, feminine?)
GIVEN = (
    ("Aliaksandr", "Александр", False), ("Siarhei", "Сергей", False), ("Ivan", "Иван", False),
    ("Dzmitry", "Дмитрий", False), ("Pavel", "Павел", False), ("Andrei", "Андрей", False),
    ("Mikhail", "Михаил", False), ("Yury", "Юрий", False), ("Viktar", "Виктор", False),
    ("Maryna", "Марина", True), ("Alena", "Елена", True), ("Tatsiana", "Татьяна", True),
    ("Natallia", "Наталья", True), ("Volha", "Ольга", True), ("Iryna", "Ирина", True),
    ("Anastasiya", "Анастасия", True), ("Hanna", "Анна", True), ("Sviatlana", "Светлана", True),
)
# (Latin masculine, Latin feminine, Cyrillic masculine, Cyrillic feminine)
SURNAMES = (
    ("Kavaliou", "Kavaliova", "Ковалёв", "Ковалёва"), ("Ivanou", "Ivanova", "Иванов", "Иванова"),
    ("Piatrou", "Piatrova", "Петров", "Петрова"), ("Smirnou", "Smirnova", "Смирнов", "Смирнова"),
    ("Novik", "Novik", "Новик", "Новик"), ("Kavalenka", "Kavalenka", "Коваленко", "Коваленко"),
    ("Shabasau", "Shabasava", "Шабасов", "Шабасова"), ("Lukashou", "Lukashova", "Лукашов",
    "Лукашова"), ("Babkou", "Babkova", "Бабков", "Бабкова"), ("Zhuk", "Zhuk", "Жук", "Жук"),
    ("Karpovich", "Karpovich", "Карпович", "Карпович"), ("Sakalou", "Sakalova", "Соколов",
    "Соколова"), ("Melnik", "Melnik", "Мельник", "Мельник"), ("Tkachou", "Tkachova", "Ткачёв",
    "Ткачёва"), ("Hrynevich", "Hrynevich", "Гриневич", "Гриневич"),
)
LATIN_INITIAL = "ABDHIKLMNPSTUVY"
CYR_INITIAL = "АБДГИКЛМНПСТУВЮ"
DEGREES = ("PhD (history)", "PhD (economics)", "DSc (physics and mathematics)", "PhD (law)")
ROLES = ("associate professor", "professor", "senior researcher", "postgraduate student",
         "head of the department")
# (institution, street address, city, postcode, country, ISO code)
PLACES = (
    ("Synthetic State University", "4 Example Avenue", "Minsk", "220030", "Belarus", "BY"),
    ("Institute of Sample Studies", "12 Test Street", "Hrodna", "230023", "Belarus", "BY"),
    ("University of Placeholders", "7 Model Lane", "Vilnius", "01513", "Lithuania", "LT"),
    ("Academy of Generated Sciences", "1 Synthetic Square", "Warsaw", "00-927", "Poland", "PL"),
    ("Fixture College", "33 Benchmark Road", "Riga", "LV-1050", "Latvia", "LV"),
    ("Mock Research Centre", "5 Dummy Street", "Berlin", "10117", "Germany", "DE"),
)
CITIES = ("Minsk", "Moscow", "Saint Petersburg", "Vilnius", "Warsaw", "Kyiv", "London")
PUBLISHERS = ("Synthetic University Press", "Nauka Example", "Fixture Publishers", "Mock Academic")


@dataclass(frozen=True)
class Journal:
    """One synthetic journal series: what goes into journal-meta and how its issues run."""

    slug: str
    title_en: str
    title_ru: str
    issn_print: str
    issn_online: str
    publisher: str
    first_year: int
    issues_per_year: int
    has_volumes: bool
    cyrillic_share: float


def _issn(rng: random.Random) -> str:
    digits = [rng.randrange(10) for _ in range(7)]
    check = (11 - sum(d * w for d, w in zip(digits, range(8, 1, -1), strict=True)) % 11) % 11
    text = "".join(map(str, digits)) + ("X" if check == 10 else str(check))
    return f"{text[:4]}-{text[4:]}"


def _orcid(rng: random.Random) -> str:
    digits = [0, 0, 0, 0, 0, 0, 0, rng.choice((1, 2, 3))] + [rng.randrange(10) for _ in range(7)]
    total = 0
    for d in digits:
        total = (total + d) * 2
    check = (12 - total % 11) % 11
    text = "".join(map(str, digits)) + ("X" if check == 10 else str(check))
    return "https://orcid.org/" + "-".join(text[i:i + 4] for i in range(0, 16, 4))


def _journals(rng: random.Random) -> tuple[Journal, ...]:
    specs = (
        ("synth-history", "History", "История", 4, False, 0.6),
        ("synth-physics", "Physics. Mathematics. Informatics", "Физика. Математика. Информатика",
         3, True, 0.3),
        ("synth-law", "Law", "Право", 2, False, 0.8),
        ("synth-philology", "Philology", "Филология", 3, True, 0.7),
        ("synth-economics", "Economics", "Экономика", 2, False, 0.5),
        ("synth-ir", "International Relations", "Международные отношения", 2, False, 0.4),
    )
    return tuple(
        Journal(
            slug=slug,
            title_en=f"Journal of the Synthetic State University. {en}",
            title_ru=f"Журнал Синтетического государственного университета. {ru}",
            issn_print=_issn(rng),
            issn_online=_issn(rng),
            publisher=rng.choice(PUBLISHERS),
            first_year=rng.randrange(1995, 2012),
            issues_per_year=issues,
            has_volumes=volumes,
            cyrillic_share=share,
        )
        for slug, en, ru, issues, volumes, share in specs
    )


class _Pools:
    """Text fragments built once per seed; records are assembled by picking from them."""

    def __init__(self, rng: random.Random, size: int = 2048) -> None:
        self.journals = _journals(rng)
        self.journal_meta = {j.slug: _journal_meta(j) for j in self.journals}
        self.title = {
            "en": [_title(rng, EN_ADJ, EN_WORDS, EN_CONNECT) for _ in range(size)],
            "ru": [_title(rng, RU_ADJ, RU_WORDS, RU_CONNECT) for _ in range(size)],
        }
        self.sentence = {
            "en": [_sentence(rng, EN_ADJ, EN_WORDS, EN_CONNECT) for _ in range(size)],
            "ru": [_sentence(rng, RU_ADJ, RU_WORDS, RU_CONNECT) for _ in range(size)],
        }
        self.keyword = {
            "en": sorted({f"{rng.choice(EN_ADJ)} {rng.choice(EN_WORDS)}" for _ in range(600)}),
            "ru": sorted({f"{rng.choice(RU_ADJ)} {rng.choice(RU_WORDS)}" for _ in range(600)}),
        }
        self.person = [_person(rng) for _ in range(size)]
        self.orcid = [_orcid(rng) for _ in range(size)]
        self.reference = [_reference(rng, self) for _ in range(size)]


def _title(rng: random.Random, adj: Words, words: Words, connect: Words) -> str:
    parts = [rng.choice(adj), rng.choice(words), rng.choice(connect), rng.choice(words)]
    if rng.random() < 0.5:
        parts += [rng.choice(connect), rng.choice(adj), rng.choice(words)]
    if rng.random() < 0.3:
        parts += [f"{rng.randrange(1800, 2000)}–{rng.randrange(2000, 2024)}"]
    text = " ".join(parts)
    return text[0].upper() + text[1:]


def _sentence(rng: random.Random, adj: Words, words: Words, connect: Words) -> str:
    parts = []
    for _ in range(rng.randrange(3, 7)):
        parts += [rng.choice(adj), rng.choice(words), rng.choice(connect)]
    parts.append(rng.choice(words))
    text = " ".join(parts)
    return text[0].upper() + text[1:] + "."


def _person(rng: random.Random) -> tuple[str, str]:
    """A name as (Latin <name>, <name-alternatives> with the Cyrillic form first)."""
    given_lat, given_cyr, fem = rng.choice(GIVEN)
    sur = rng.choice(SURNAMES)
    k = rng.randrange(len(LATIN_INITIAL))
    sur_lat, sur_cyr = (sur[1], sur[3]) if fem else (sur[0], sur[2])
    latin = (f'<name name-style="western"><surname>{sur_lat}</surname>'
             f"<given-names>{given_lat} {LATIN_INITIAL[k]}.</given-names></name>")
    cyrillic = (f'<name name-style="western" xml:lang="ru"><surname>{sur_cyr}</surname>'
                f"<given-names>{given_cyr} {CYR_INITIAL[k]}.</given-names></name>")
    latin_en = latin.replace("<name ", '<name xml:lang="en" ', 1)
    alternatives = f"<name-alternatives>{cyrillic}{latin_en}</name-alternatives>"
    return latin, alternatives


def _ref_names(rng: random.Random) -> str:
    names = []
    for _ in range(rng.randrange(1, 5)):
        given_lat, _, fem = rng.choice(GIVEN)
        sur = rng.choice(SURNAMES)[1 if fem else 0]
        names.append(f"<name><surname>{sur}</surname><given-names>{given_lat[0]}"
                     f"{rng.choice(LATIN_INITIAL)}</given-names></name>")
    etal = "<etal/>" if rng.random() < 0.1 else ""
    return f'<person-group person-group-type="author">{"".join(names)}{etal}</person-group>'


def _reference(rng: random.Random, pools: _Pools) -> str:
    """One citation element (the <ref> wrapper and its id are added per record)."""
    kind = rng.random()
    year = rng.randrange(1950, 2025)
    first = rng.randrange(1, 400)
    last = first + rng.randrange(1, 40)
    names = _ref_names(rng)
    if kind < 0.45:
        doi = (f'<pub-id pub-id-type="doi">{DOI_PREFIX}/ref.{rng.randrange(10**6)}</pub-id>'
               if rng.random() < 0.5 else "")
        return (f'<element-citation publication-type="journal">{names}'
                f"<article-title>{pools.title['en'][rng.randrange(len(pools.title['en']))]}"
                f"</article-title><source>{rng.choice(EN_ADJ).title()} "
                f"{rng.choice(EN_WORDS).title()} Review</source><year>{year}</year>"
                f"<volume>{rng.randrange(1, 90)}</volume><issue>{rng.randrange(1, 13)}</issue>"
                f"<fpage>{first}</fpage><lpage>{last}</lpage>{doi}</element-citation>")
    if kind < 0.7:
        return (f'<element-citation publication-type="book">{names}'
                f"<source>{pools.title['en'][rng.randrange(len(pools.title['en']))]}</source>"
                f"<publisher-loc>{rng.choice(CITIES)}</publisher-loc>"
                f"<publisher-name>{rng.choice(PUBLISHERS)}</publisher-name><year>{year}</year>"
                f'<size units="pages">{rng.randrange(80, 600)}</size></element-citation>')
    if kind < 0.9:
        return (f'<mixed-citation publication-type="journal">{names}. '
                f"<source>{rng.choice(RU_ADJ).capitalize()} {rng.choice(RU_WORDS)}</source> "
                f'[<trans-source xml:lang="en">{rng.choice(EN_ADJ).title()} '
                f"{rng.choice(EN_WORDS)}</trans-source>]. <year>{year}</year>;"
                f"<issue>{rng.randrange(1, 13)}</issue>:<fpage>{first}</fpage>–"
                f"<lpage>{last}</lpage>. "
                f'<comment content-type="language">Russian</comment>.</mixed-citation>')
    return (f'<mixed-citation publication-type="webpage">{names}. '
            f"<article-title>{pools.title['en'][rng.randrange(len(pools.title['en']))]}"
            f"</article-title> [Internet]. <year>{year}</year> [cited "
            f'<date-in-citation content-type="access-date" iso-8601-date="2024-0'
            f'{rng.randrange(1, 10)}-1{rng.randrange(10)}">2024</date-in-citation>]. '
            f'Available from: <ext-link ext-link-type="uri" xlink:href="https://example.org/'
            f'{rng.randrange(10**6)}">https://example.org/{rng.randrange(10**6)}</ext-link>.'
            f"</mixed-citation>")


def _journal_meta(j: Journal) -> str:
    return (
        f'<journal-meta><journal-id journal-id-type="publisher-id">{j.slug}</journal-id>'
        f'<journal-title-group><journal-title xml:lang="en">{j.title_en}</journal-title>'
        f'<trans-title-group xml:lang="ru"><trans-title>{j.title_ru}</trans-title>'
        f"</trans-title-group></journal-title-group>"
        f'<issn publication-format="print">{j.issn_print}</issn>'
        f'<issn publication-format="electronic">{j.issn_online}</issn>'
        f"<publisher><publisher-name>{j.publisher}</publisher-name>"
        f"<publisher-loc>Minsk</publisher-loc></publisher></journal-meta>"
    )


def _date(tag: str, kind: str, y: int, m: int, d: int) -> str:
    return (f'<{tag} date-type="{kind}" iso-8601-date="{y:04d}-{m:02d}-{d:02d}">'
            f"<day>{d:02d}</day><month>{m:02d}</month><year>{y}</year></{tag}>")


class _Draw:
    """The few `random.Random` draws a record needs, without `randrange`'s rejection loop.

    A record takes dozens of draws; `random()` scaled to a range is several times cheaper
    than `choice`/`randrange`, and its tiny bias does not matter for benchmark data.
    """

    __slots__ = ("random", "choices", "sample")

    def __init__(self, rng: random.Random) -> None:
        self.random = rng.random
        self.choices = rng.choices
        self.sample = rng.sample

    def choice(self, seq: Sequence[T]) -> T:
        return seq[int(self.random() * len(seq))]

    def randrange(self, start: int, stop: int | None = None) -> int:
        if stop is None:
            start, stop = 0, start
        return start + int(self.random() * (stop - start))


def _permissions(rng: _Draw, year: int, m: int, d: int, holder: str) -> str:
    """Access variety: open CC BY, free-to-read, embargoed, restricted, or no statement."""
    roll = rng.random()
    copyright_ = (f"<copyright-statement>© {year} {holder}</copyright-statement>"
                  f"<copyright-year>{year}</copyright-year><copyright-holder>{holder}"
                  f"</copyright-holder>")
    cc_p = "<license-p>This article is distributed under the terms of CC BY 4.0.</license-p>"
    if roll < 0.40:
        return (f"<permissions>{copyright_}"
                f'<license license-type="open-access" xlink:href="{CC_BY}">{cc_p}</license>'
                f"</permissions>")
    if roll < 0.55:
        return (f"<permissions>{copyright_}<ali:free_to_read/><license>"
                f"<ali:license_ref>{CC_BY}</ali:license_ref>{cc_p}</license></permissions>")
    if roll < 0.65:
        # Half end a year after publication (mostly over by now), half run into 2027-2030.
        until = year + 1 if roll < 0.6 else rng.randrange(2027, 2031)
        return (f'<permissions>{copyright_}<ali:free_to_read start_date="{until}-{m:02d}-'
                f'{d:02d}"/><license><ali:license_ref>{CC_BY}</ali:license_ref>{cc_p}</license>'
                f"</permissions>")
    if roll < 0.75:
        return (f'<permissions>{copyright_}<license license-type="restricted-access">'
                f"<license-p>All rights reserved.</license-p></license></permissions>")
    return ""


def _record(rng: _Draw, pools: _Pools, index: int) -> tuple[str, bytes]:
    j = rng.choice(pools.journals)
    year = rng.randrange(max(j.first_year, 2010), 2026)
    issue = rng.randrange(1, j.issues_per_year + 1)
    volume = year - j.first_year + 1 if j.has_volumes else None
    month = min(12, issue * 12 // j.issues_per_year)
    day = rng.randrange(1, 29)
    pub_id = 100000 + index
    lang, other = ("ru", "en") if rng.random() < j.cyrillic_share else ("en", "ru")
    cyrillic_names = lang == "ru" and rng.random() < 0.7
    n_authors = rng.choice((1, 1, 2, 2, 2, 3, 3, 4, 5, 6, 7, 8))
    n_affs = min(n_authors, rng.randrange(1, 4))
    places = rng.sample(PLACES, n_affs)

    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n', DOCTYPE, "\n",
        f'<article {ROOT_ATTRS} article-type="research-article" xml:lang="{lang}">',
        "<front>", pools.journal_meta[j.slug], "<article-meta>",
        f'<article-id pub-id-type="publisher-id">{pub_id}</article-id>',
    ]
    has_doi = rng.random() < 0.6
    if has_doi:
        out.append(f'<article-id pub-id-type="doi">{DOI_PREFIX}/{j.slug}.{year}.{pub_id}'
                   f"</article-id>")
    en_subject, ru_subject = rng.choice(SUBJECTS)
    out.append('<article-categories><subj-group subj-group-type="heading">'
               f"<subject>{ru_subject if lang == 'ru' else en_subject}</subject>"
               "</subj-group></article-categories>")
    titles = pools.title
    out.append(f"<title-group><article-title>{rng.choice(titles[lang])}</article-title>")
    if rng.random() < 0.85:
        out.append(f'<trans-title-group xml:lang="{other}"><trans-title>'
                   f"{rng.choice(titles[other])}</trans-title></trans-title-group>")
    out.append("</title-group><contrib-group>")
    corresp_at = rng.randrange(n_authors) if rng.random() < 0.5 else -1
    persons = rng.sample(pools.person, n_authors)
    for a, (latin, alternatives) in enumerate(persons):
        corresp = ' corresp="yes"' if a == corresp_at else ""
        out.append(f'<contrib contrib-type="author"{corresp}>')
        if rng.random() < 0.35:
            out.append(f'<contrib-id contrib-id-type="orcid" authenticated="false">'
                       f"{rng.choice(pools.orcid)}</contrib-id>")
        out.append(alternatives if cyrillic_names else latin)
        if rng.random() < 0.3:
            out.append(f"<degrees>{rng.choice(DEGREES)}</degrees>")
        out.append(f'<xref ref-type="aff" rid="aff{a % n_affs + 1}"/>')
        if a == corresp_at:
            out.append(f"<email>author{pub_id}@example.org</email>")
        if rng.random() < 0.2:
            out.append(f'<bio xml:lang="en"><p>{rng.choice(DEGREES)}; {rng.choice(ROLES)}'
                       f"</p></bio>")
        out.append("</contrib>")
    for k, (inst, street, city, postcode, country, code) in enumerate(places, 1):
        out.append(f'<aff id="aff{k}"><institution content-type="orgname">{inst}</institution>, '
                   f'<addr-line content-type="street-address">{street}</addr-line>, '
                   f"<city>{city}</city> <postal-code>{postcode}</postal-code>, "
                   f'<country country="{code}">{country}</country></aff>')
    out.append("</contrib-group>")
    if corresp_at >= 0:
        out.append(f'<author-notes><corresp id="cor1">Corresponding author: '
                   f"<email>author{pub_id}@example.org</email></corresp></author-notes>")
    if rng.random() < 0.3:
        out.append(f'<pub-date publication-format="electronic" date-type="pub"><year>{year}'
                   f"</year></pub-date>")
    else:
        out.append(_date("pub-date", "pub", year, month, day)
                   .replace("<pub-date ", '<pub-date publication-format="electronic" ', 1))
    if volume is not None:
        out.append(f"<volume>{volume}</volume>")
    out.append(f"<issue>{issue}</issue>")
    if rng.random() < 0.9:
        first = rng.randrange(3, 160)
        out.append(f"<fpage>{first}</fpage><lpage>{first + rng.randrange(4, 25)}</lpage>")
    else:
        out.append(f"<elocation-id>e{pub_id}</elocation-id>")
    if rng.random() < 0.6:
        out.append("<history>" + _date("date", "received", year - 1, rng.randrange(1, 13), day)
                   + _date("date", "accepted", year - 1, 12, day) + "</history>")
    out.append(_permissions(rng, year, month, day, j.publisher))
    out.append(f'<self-uri xlink:href="https://example.org/{j.slug}/article/view/{pub_id}"/>')
    sentences = pools.sentence
    out.append(f"<abstract><p>{' '.join(rng.choices(sentences[lang], k=rng.randrange(3, 8)))}"
               "</p></abstract>")
    if rng.random() < 0.8:
        out.append(f'<trans-abstract xml:lang="{other}"><p>'
                   f"{' '.join(rng.choices(sentences[other], k=rng.randrange(3, 8)))}"
                   "</p></trans-abstract>")
    for kl in (lang, other) if rng.random() < 0.8 else (lang,):
        kwds = "".join(f"<kwd>{k}</kwd>" for k in rng.sample(pools.keyword[kl],
                                                              rng.randrange(3, 8)))
        out.append(f'<kwd-group xml:lang="{kl}" kwd-group-type="author">{kwds}</kwd-group>')
    if rng.random() < 0.25:
        out.append(f"<funding-group><award-group><funding-source>Synthetic Research Foundation"
                   f"</funding-source><award-id>G-{rng.randrange(10**5)}</award-id>"
                   f"</award-group></funding-group>")
    out.append("</article-meta></front>")
    if rng.random() < 0.3:
        out.append("<body>")
        for s in range(rng.randrange(1, 4)):
            paras = "".join(f"<p>{' '.join(rng.choices(sentences[lang], k=rng.randrange(2, 6)))}"
                            "</p>" for _ in range(rng.randrange(1, 4)))
            out.append(f'<sec id="s{s + 1}"><title>{rng.choice(titles[lang])}</title>'
                       f"{paras}</sec>")
        out.append("</body>")
    n_refs = rng.randrange(0, 21)
    if n_refs:
        out.append("<back><ref-list>")
        for r, cit in enumerate(rng.choices(pools.reference, k=n_refs), 1):
            out.append(f'<ref id="r{r}"><label>{r}</label>{cit}</ref>')
        out.append("</ref-list></back>")
    out.append("</article>\n")
    issue_dir = f"v{volume}-{issue:02d}" if volume is not None else f"{issue:02d}"
    return f"{j.slug}/{year}/{issue_dir}/{pub_id}.xml", "".join(out).encode("utf-8")


def iter_records(n: int, seed: int = 1) -> Iterator[tuple[str, bytes]]:
    """Yield ``(relative path, JATS bytes)`` for ``n`` records, the same ones for the same seed.

    The path follows the layout of ``records/``: ``<series>/<year>/<issue>/<publisher-id>.xml``.
    """
    if n < 0:
        raise ValueError(f"the number of records must be 0 or more, not {n}")
    rng = _Draw(random.Random(seed))
    pools = _Pools(random.Random(f"pools-{seed}"))
    for index in range(n):
        yield _record(rng, pools, index)


def write_records(n: int, seed: int, out_dir: Path) -> tuple[int, float, float]:
    """Write ``n`` records under ``out_dir``; returns (bytes, generation s, total s)."""
    size = 0
    gen_seconds = 0.0
    started = time.perf_counter()
    made_dirs: set[Path] = set()
    records = iter_records(n, seed)
    while True:
        t0 = time.perf_counter()
        item = next(records, None)
        gen_seconds += time.perf_counter() - t0
        if item is None:
            break
        name, data = item
        path = out_dir / name
        if path.parent not in made_dirs:
            path.parent.mkdir(parents=True, exist_ok=True)
            made_dirs.add(path.parent)
        path.write_bytes(data)
        size += len(data)
    return size, gen_seconds, time.perf_counter() - started
