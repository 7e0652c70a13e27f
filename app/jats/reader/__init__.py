"""The article reader by part of the article; :mod:`app.jats.article` assembles them."""
