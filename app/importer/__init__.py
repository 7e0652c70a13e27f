"""Bringing articles in from other systems: OAI-PMH endpoints (harvested with Sickle) and
OJS 3 Native XML exports, turned into validated JATS 1.3 Archiving files under ``records/``.

Each source format has its reader (``from_oai_dc``, ``from_marcxml``, ``from_jats``,
``from_ojs_native``) producing :class:`~app.importer.fields.ArticleFields`; one builder
(``jats_build``) writes them as JATS; ``writer`` validates and writes atomically; ``harvest``
runs an incremental harvest with its ``state`` kept beside the files. Nothing here imports
the protocol, the pages or Flask.
"""
