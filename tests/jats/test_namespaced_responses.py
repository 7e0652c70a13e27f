"""A saved OAI-PMH response taken apart (issue "JATS for every record", namespaced JATS in):
each JATS article of a ListRecords or GetRecord response, with the OAI identifier it was
harvested under, checked on its own and kept as the article alone in its namespace.
"""

from __future__ import annotations

from app.jats.validation import check_piece, split, validate, validate_each
from tests.builders import oai_response

Harvested = list[tuple[str, str, bytes]]


def test_a_response_holding_several_articles_is_split_in_order(harvested: Harvested) -> None:
    data = oai_response([(oai, payload) for oai, _, payload in harvested])
    pieces = split(data)
    assert pieces is not None
    assert [p.identifier for p in pieces] == [oai for oai, _, _ in harvested]
    for piece, (_, _, payload) in zip(pieces, harvested, strict=True):
        # the article alone, in its namespace, as the service that gave it wrote it
        assert piece.original.endswith(payload)
        alone = validate(piece.original)
        assert alone.valid and alone.errors[0].kind == "namespaced"


def test_one_article_is_not_split(harvested: Harvested) -> None:
    """A single-article response, or the article itself, is checked as one file, as before."""
    oai, _, payload = harvested[0]
    assert split(payload) is None
    assert split(oai_response([(oai, payload)], "GetRecord")) is None


def test_each_piece_is_reported_under_its_identifier(harvested: Harvested) -> None:
    data = oai_response([(oai, payload) for oai, _, payload in harvested])
    pieces = split(data)
    assert pieces is not None
    reports = [check_piece(p, filename="saved.xml") for p in pieces]
    assert [r.filename for r in reports] == [f"saved.xml#{oai}" for oai, _, _ in harvested]
    assert all(r.valid and r.tag_set == "Archiving" for r in reports)
    assert [r.filename for r in validate_each(data, filename="saved.xml")] == \
        [r.filename for r in reports]


def test_a_record_without_an_identifier_is_named_by_its_place(harvested: Harvested) -> None:
    data = oai_response([(oai, payload) for oai, _, payload in harvested])
    data = data.replace(f"<identifier>{harvested[1][0]}</identifier>".encode(), b"", 1)
    pieces = split(data)
    assert pieces is not None and pieces[1].identifier == "record-2"
