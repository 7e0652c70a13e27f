"""The Locust scenario of ``bench/mixed_load.py``: harvesters, depositors and readers at once.

Settings come from the environment the runner sets: ``MIXED_LOADED`` (how many generated
records are loaded: identifiers to read, and where the depositors' records start),
``MIXED_TOKEN`` (the depositors' API token), ``MIXED_DEPOSITS`` (a file where each
acknowledged deposit's identifier is written, checked by the runner afterwards).
"""

from __future__ import annotations

import itertools
import os
import random
import re

from locust import HttpUser, between, task

from tests.generator import iter_records

LOADED = int(os.environ.get("MIXED_LOADED", "500"))
TOKEN = os.environ.get("MIXED_TOKEN", "")
DEPOSITS = os.environ.get("MIXED_DEPOSITS", "deposits.txt")
RESUMPTION = re.compile(r"<resumptionToken[^>]*>([^<]+)</resumptionToken>")
IDENTIFIER = re.compile(r"<identifier>oai:[^:<]+:([^<]+)</identifier>")
#: The generated records after the loaded ones: each deposit is a new article.
_fresh = itertools.islice(iter_records(LOADED + 100_000, seed=1), LOADED, None)
_identifiers: list[str] = []


def _new_record() -> bytes:
    return next(_fresh)[1]


class Harvester(HttpUser):
    """A full ListRecords harvest, token after token, then again from the start."""

    fixed_count = 8
    wait_time = between(0, 0.2)

    @task
    def harvest(self) -> None:
        answer = self.client.get("/oai?verb=ListRecords&metadataPrefix=oai_dc",
                                 name="ListRecords (first page)")
        while answer.ok:
            _identifiers.extend(IDENTIFIER.findall(answer.text)[:5])
            del _identifiers[:-2000]
            token = RESUMPTION.search(answer.text)
            if not token:
                return
            answer = self.client.get(f"/oai?verb=ListRecords&resumptionToken={token.group(1)}",
                                     name="ListRecords (resumed)")


class Depositor(HttpUser):
    """Deposits a new article now and then, through the API, and writes down each one."""

    fixed_count = 2
    wait_time = between(2, 5)

    @task
    def deposit(self) -> None:
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/jats+xml"}
        with self.client.post("/api/articles", data=_new_record(), headers=headers,
                              name="deposit (POST /api/articles)", catch_response=True) as answer:
            if answer.status_code != 201:
                answer.failure(f"{answer.status_code}: {answer.text[:200]}")
                return
            with open(DEPOSITS, "a", encoding="utf-8") as out:
                out.write(answer.json()["identifier"] + "\n")


class Reader(HttpUser):
    """Article pages, the home page and single records, as readers and crawlers ask."""

    fixed_count = 20
    wait_time = between(0.5, 2)

    @task(5)
    def article(self) -> None:
        if _identifiers:
            self.client.get(f"/articles/{random.choice(_identifiers)}", name="article page")

    @task(2)
    def get_record(self) -> None:
        if _identifiers:
            identifier = random.choice(_identifiers)
            self.client.get(
                f"/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:journals.bsu.by:"
                f"{identifier}", name="GetRecord")

    @task(1)
    def home(self) -> None:
        self.client.get("/", name="home page")
