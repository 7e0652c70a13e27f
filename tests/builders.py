"""Test data builders: valid, varied JATS records made on the spot, the same for the same seed.

``tests/generator.py`` makes large realistic sets for the benchmarks; the tests need only a
handful of distinct, valid records laid out as ``records/`` is, and keep their own builder.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

#: The Archiving tag set, as the records of the collection: no ISSN is invented for a fixture.
DOCTYPE = (
    '<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Archiving and Interchange DTD '
    'with MathML3 v1.3 20210610//EN" "https://jats.nlm.nih.gov/archiving/1.3/'
    'JATS-archivearticle1-3-mathml3.dtd">'
)
#: Synthetic journals: a series slug, an English and a Russian title.
JOURNALS = (
    ("fixture-history", "Fixture Journal of History", "Вестник истории (пример)"),
    ("fixture-physics", "Fixture Journal of Physics", "Вестник физики (пример)"),
)
WORDS = {
    "en": ("archive", "river", "trade", "city", "reform", "measurement", "lattice", "field",
           "border", "census", "charter", "spectrum", "network", "school", "harvest"),
    "ru": ("архив", "река", "торговля", "город", "реформа", "измерение", "решётка", "поле",
           "граница", "перепись", "грамота", "спектр", "сеть", "школа", "урожай"),
}
NAMES = (("Ivanova", "Anna"), ("Petrov", "Ilya"), ("Kovalenko", "Olga"), ("Smith", "Jane"),
         ("Novak", "Pavel"), ("Bell", "Martin"), ("Sidorov", "Yuri"))


def _text(rng: random.Random, lang: str, n: int) -> str:
    return " ".join(rng.choice(WORDS[lang]) for _ in range(n)).capitalize()


def _record(rng: random.Random, index: int) -> tuple[str, bytes]:
    slug, title_en, title_ru = rng.choice(JOURNALS)
    year = rng.randrange(2015, 2026)
    issue = rng.randrange(1, 5)
    pub_id = 100000 + index
    lang, other = ("ru", "en") if rng.random() < 0.5 else ("en", "ru")
    authors = "".join(
        f'<contrib contrib-type="author"><name><surname>{surname}</surname>'
        f"<given-names>{given}</given-names></name></contrib>"
        for surname, given in rng.sample(NAMES, rng.randrange(1, 4))
    )
    first = rng.randrange(3, 160)
    refs = "".join(
        f'<ref id="r{r}"><mixed-citation>{_text(rng, "en", 4)}. {year - r}.</mixed-citation></ref>'
        for r in range(1, rng.randrange(0, 4) + 1)
    )
    back = f"<back><ref-list>{refs}</ref-list></back>" if refs else ""
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{DOCTYPE}\n'
        '<article xmlns:xlink="http://www.w3.org/1999/xlink" dtd-version="1.3" '
        f'article-type="research-article" xml:lang="{lang}"><front><journal-meta>'
        f'<journal-id journal-id-type="publisher-id">{slug}</journal-id>'
        f'<journal-title-group><journal-title xml:lang="en">{title_en}</journal-title>'
        f'<trans-title-group xml:lang="ru"><trans-title>{title_ru}</trans-title>'
        "</trans-title-group></journal-title-group>"
        "<publisher><publisher-name>Fixture Publishers</publisher-name></publisher>"
        "</journal-meta><article-meta>"
        f'<article-id pub-id-type="publisher-id">{pub_id}</article-id>'
        f"<title-group><article-title>{_text(rng, lang, 5)}</article-title>"
        f'<trans-title-group xml:lang="{other}"><trans-title>{_text(rng, other, 5)}'
        "</trans-title></trans-title-group></title-group>"
        f"<contrib-group>{authors}</contrib-group>"
        f'<pub-date publication-format="electronic" date-type="pub"><day>{rng.randrange(1, 29):02d}'
        f"</day><month>{issue * 3:02d}</month><year>{year}</year></pub-date>"
        f"<volume>{year - 2000}</volume><issue>{issue}</issue>"
        f"<fpage>{first}</fpage><lpage>{first + rng.randrange(4, 25)}</lpage>"
        f'<self-uri xlink:href="https://example.org/{slug}/article/view/{pub_id}"/>'
        f"<abstract><p>{_text(rng, lang, 12)}.</p></abstract>"
        f'<trans-abstract xml:lang="{other}"><p>{_text(rng, other, 12)}.</p></trans-abstract>'
        f'<kwd-group xml:lang="{lang}"><kwd>{rng.choice(WORDS[lang])}</kwd></kwd-group>'
        f"</article-meta></front>{back}</article>\n"
    )
    return f"{slug}/{year}/v{year - 2000}-{issue:02d}/{pub_id}.xml", xml.encode("utf-8")


def jats_records(n: int, seed: int = 1) -> Iterator[tuple[str, bytes]]:
    """``(relative path, JATS bytes)`` for ``n`` records; a longer run starts with a shorter one.

    The path follows the layout of ``records/``: ``<series>/<year>/<issue>/<publisher-id>.xml``.
    """
    if n < 0:
        raise ValueError(f"the number of records must be 0 or more, not {n}")
    rng = random.Random(seed)
    for index in range(n):
        yield _record(rng, index)


OAI_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">\n'
    "<responseDate>2024-03-04T10:00:00Z</responseDate>\n"
)


def oai_response(articles: list[tuple[str, bytes]], verb: str = "ListRecords") -> bytes:
    """An OAI-PMH response as a harvester saves it: one record per (OAI identifier, article
    in a JATS namespace), each article starting on a line of its own."""
    records = "".join(
        f"<record><header><identifier>{identifier}</identifier>"
        f"<datestamp>2024-03-04T10:00:00Z</datestamp></header>\n<metadata>\n"
        f"{payload.decode('utf-8')}\n</metadata></record>\n"
        for identifier, payload in articles
    )
    return (f'{OAI_HEAD}<request verb="{verb}">http://oai.example.org/oai</request>\n'
            f"<{verb}>\n{records}</{verb}>\n</OAI-PMH>\n").encode()
