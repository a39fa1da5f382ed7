"""Development: safe defaults so `make run` works with no configuration at all."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-secret-key-change-me")
# Uploads on the local disk are served by Django itself, with DEBUG on or off (`make run`
# turns DEBUG off so visitors' 404 and 500 pages show); production serves them from a bucket.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)
