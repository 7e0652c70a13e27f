"""Read an :class:`Article` from a JATS tree, whatever dialect the publisher wrote.

Real records come as NLM 2.3/3.0 or JATS 1.0-1.4, with or without a namespace, sometimes
wrapped (``pmc-articleset``, an OAI-PMH envelope). Each quirk is handled here once, so that
every crosswalk sees the same plain data: translations found wherever they are tagged,
affiliations resolved, licences and access rights read from what the record says.
"""

from __future__ import annotations

import datetime as dt

from lxml import etree

from app.jats.dtd_defaults import declared_default
from app.jats.languages import language_tag
from app.jats.model import (
    Article,
)
from app.jats.reader.contributors import read_contributors
from app.jats.reader.dates import read_history_dates, read_pub_dates
from app.jats.reader.funding import read_awards, read_funding
from app.jats.reader.ids import read_article_ids
from app.jats.reader.journal import read_issns, read_journal_titles
from app.jats.reader.permissions import read_landing_page, read_permissions, read_self_uris
from app.jats.reader.references import read_references
from app.jats.reader.subjects import read_abstracts, read_categories, read_keywords
from app.jats.reader.titles import read_subtitles, read_titles
from app.jats.reader.tree import (
    ArticleError,
    child_named,
    children_named,
    first_text,
    plain_article,
)
from app.jats.schemas import SchemaDirectory
from app.jats.text import (
    XML_LANG,
    text_of,
)
from app.urls import safe_url


def read_article(
    root: etree._Element,
    *,
    today: dt.date | None = None,
    schemas: SchemaDirectory | None = None,
) -> Article:
    """The article's metadata as plain data.

    ``root`` may be the ``<article>`` itself or any wrapper around one. ``today`` decides
    whether an ``ali:free_to_read`` start date still lies ahead (an embargo); it defaults to
    the current UTC date. An ``<article>`` without ``xml:lang`` is in the language its
    declared DTD gives as the default (``en`` in every JATS DTD), read from ``schemas``
    (the default schema directory when None; the pipeline passes the instance's); without a
    DTD default it has none.
    """
    article = plain_article(root)
    front = child_named(article, "front")
    meta = child_named(front, "article-meta") if front is not None else None
    if meta is None:
        raise ArticleError("the record has no <front>/<article-meta>: no article metadata")
    journal = child_named(front, "journal-meta")
    lang = language_tag(article.get(XML_LANG))
    if article.get(XML_LANG) is None:
        lang = language_tag(declared_default(root, "article", "xml:lang", schemas))
    translations = [
        sub
        for sub in children_named(article, "sub-article")
        if (sub.get("article-type") or "").lower() in ("translation", "translated-article")
    ]
    warnings: list[str] = []

    titles = read_titles(meta, lang, translations)
    if not titles:
        warnings.append("the record has no article-title")
    license_url, license_text, access, embargo_end = read_permissions(meta, today)
    license_url = safe_url(license_url)
    self_uri_links = read_self_uris(meta)
    self_uris = tuple(uri for uri, _kind in self_uri_links)
    journal_titles = read_journal_titles(journal)
    article_ids = read_article_ids(meta)
    categories = read_categories(meta)
    return Article(
        titles=titles,
        article_type=article.get("article-type") or None,
        lang=lang,
        dtd_version=article.get("dtd-version") or None,
        journal_title=journal_titles[0].text if journal_titles else None,
        journal_titles=journal_titles,
        journal_ids=tuple(
            ((e.get("journal-id-type") or "").strip(), text_of(e))
            for e in children_named(journal, "journal-id")
            if text_of(e)
        ),
        issns=read_issns(journal),
        publisher_name=first_text(journal, "publisher/publisher-name"),
        publisher_loc=first_text(journal, "publisher/publisher-loc"),
        subtitles=read_subtitles(meta, lang, translations),
        contributors=read_contributors(meta, lang),
        abstracts=read_abstracts(meta, lang, translations),
        keywords=read_keywords(meta, lang, translations),
        subjects=categories[1],
        section=categories[0],
        article_ids=article_ids,
        pub_dates=read_pub_dates(meta),
        history_dates=read_history_dates(meta),
        volume=first_text(meta, "volume"),
        issue=first_text(meta, "issue"),
        fpage=first_text(meta, "fpage"),
        lpage=first_text(meta, "lpage"),
        elocation_id=first_text(meta, "elocation-id"),
        license_url=license_url,
        license_text=license_text,
        copyright_statement=first_text(meta, "permissions/copyright-statement"),
        access_right=access,
        embargo_end=embargo_end,
        landing_page=read_landing_page(self_uri_links),
        self_uris=self_uris,
        references=tuple(read_references(article)),
        funding=read_funding(meta),
        awards=read_awards(meta),
        warnings=tuple(warnings),
    )


# --- the tree -------------------------------------------------------------------------------
