"""Web pages of the catalog (``catalog.py``); learning pages are ``courses.learning.views``."""
