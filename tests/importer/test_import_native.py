"""``jats-oai import ojs-native``: OJS 3 Native XML exports (native.xsd) into JATS files."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from lxml import etree

from app.config import Settings
from app.importer.native import import_native
from app.jats.validation import validate_file
from tests.server import command, server_env

EXPORT = Path(__file__).parent / "data" / "ojs-native-issue.xml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def test_an_issue_export_gives_the_current_publication_of_each_article(
        tmp_path: Path, import_settings: Settings) -> None:
    summary = import_native(EXPORT, tmp_path, settings=import_settings, series="history")
    target = tmp_path / "history/2023/04/5763.xml"
    assert validate_file(target).valid
    assert summary.added == 1
    # The second article has no title: refused, named, the other article still written.
    assert [who for who, _ in summary.refused] == ["article 5770 (line 74)"]
    assert "no title" in summary.refused[0][1]
    meta = etree.parse(str(target)).getroot().find("front/article-meta")
    assert meta.findtext("title-group/article-title").startswith("The evolution")
    assert meta.find("title-group/trans-title-group").get(XML_LANG) == "ru-RU"
    assert meta.findtext("article-id[@pub-id-type='doi']") == "10.33581/2520-6338-2023-4-63-72"
    assert meta.findtext("article-categories/subj-group/subject") == "Articles"
    first = meta.find("contrib-group/contrib")
    assert first.findtext("contrib-id") == "https://orcid.org/0000-0002-1825-0097"
    assert (first.findtext("name/surname"), first.findtext("name/given-names")) == (
        "Petachenka", "Ryhor A.")
    assert [a.text for a in first.findall("aff")] == [
        "Belarusian State University", "Белорусский государственный университет"]
    assert first.findtext("bio/p") == "PhD (history), docent"
    assert meta.find(".//email") is None  # OJS does not show readers its authors' e-mail
    assert (meta.findtext("issue"), meta.findtext("fpage"), meta.findtext("lpage")) == (
        "4", "63", "72")
    assert meta.findtext("pub-date/day") == "20"
    assert [p.text for p in meta.findall("abstract/p")] == [
        "The aim of the article is the examination of the different types of the "
        "Soviet-American economic cooperation.", "A second paragraph."]
    assert meta.findtext("permissions/copyright-year") == "2023"
    refs = etree.parse(str(target)).getroot().findall("back/ref-list/ref/mixed-citation")
    assert [r.text.split(".")[0] for r in refs] == ["Lenin VI", "Suponitskaya IM"]


def test_importing_the_same_export_again_changes_nothing(
        tmp_path: Path, import_settings: Settings) -> None:
    import_native(EXPORT, tmp_path, settings=import_settings, series="history")
    target = tmp_path / "history/2023/04/5763.xml"
    before = (target.read_bytes(), target.stat().st_mtime_ns)
    again = import_native(EXPORT, tmp_path, settings=import_settings, series="history")
    assert (again.added, again.changed, again.unchanged) == (0, 0, 1)
    assert (target.read_bytes(), target.stat().st_mtime_ns) == before


def test_the_command_line_names_the_refused_article_and_exits_1(tmp_path: Path) -> None:
    export = tmp_path / "export.xml"
    shutil.copy(EXPORT, export)
    env = server_env(tmp_path / "instance", "", "http://127.0.0.1:5000")
    done = subprocess.run(
        command("import", "ojs-native", str(export), "--into", str(tmp_path / "r"),
                "--series", "history"),
        env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "article 5770 (line 74): refused: the publication has no title" in done.stdout


EXPORT_35 = Path(__file__).parent / "data" / "ojs-native-3.5-articles.xml"


def test_ojs_3_5_affiliations_are_read_in_each_language(
        tmp_path: Path, import_settings: Settings) -> None:
    """OJS 3.5 writes an author's affiliation as <affiliation> (or <rorAffiliation>) with a
    <name locale="..."> per language, where 3.3 and 3.4 wrote <affiliation locale="...">."""
    summary = import_native(EXPORT_35, tmp_path, settings=import_settings, series="history")
    assert (summary.added, summary.refused) == (1, [])
    target = tmp_path / "history/2025/v1-03/7300.xml"
    assert validate_file(target).valid
    contribs = etree.parse(str(target)).getroot().findall("front/article-meta/contrib-group/"
                                                          "contrib")
    assert [(a.get(XML_LANG), a.text) for a in contribs[0].findall("aff")] == [
        ("en", "Belarusian State University"),
        ("ru", "Белорусский государственный университет"),
        ("en", "Goethe University Frankfurt"),
    ]
    assert [a.text for a in contribs[1].findall("aff")] == ["Charles University"]
    assert contribs[0].findtext("name/surname") == "Иванова"
