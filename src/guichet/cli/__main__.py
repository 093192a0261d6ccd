"""``python -m guichet.cli``."""

from guichet.cli.main import app

app()
