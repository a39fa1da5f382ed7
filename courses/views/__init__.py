"""Web pages of the catalog (``catalog.py``) and of learning (``learning.py``)."""
