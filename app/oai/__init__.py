"""The OAI-PMH 2.0 data provider: arguments, verbs, resumption tokens, XML, HTTP endpoint.

It reads only the :class:`app.store.base.Store` interface and the format registry; choices
the protocol leaves open are written down in docs/oai-pmh.md.
"""
