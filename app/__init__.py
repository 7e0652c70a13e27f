"""jats-oai: JATS journal articles, validated and published through OAI-PMH 2.0."""
