"""WSGI entry point for a production server: ``gunicorn -w 4 -b 127.0.0.1:8000 wsgi:app``."""

from app.factory import create_app

app = create_app()
