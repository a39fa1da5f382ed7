# Image for the web, worker and beat services of docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    PIP_NO_CACHE_DIR=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext fonts-wqy-microhei fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# collectstatic imports the production settings, which refuse unsafe values: give the build
# throw-away ones that pass (nothing of them is kept in the image).
RUN SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    STRIPE_WEBHOOK_SECRET="$(python -c 'import secrets; print(secrets.token_urlsafe(32))')" \
    STRIPE_API_KEY=build-only PAYMENT_PROVIDER=stripe \
    EMAIL_URL=smtp://localhost:25 MEDIA_STORAGE_URL=file:///tmp/build-media \
    ALLOWED_HOSTS=localhost DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --noinput --verbosity 0 \
    && useradd --create-home zhiqiao && chown -R zhiqiao /app
USER zhiqiao

EXPOSE 8000
# One worker per CPU, 16 threads each (WEB_WORKERS, WEB_THREADS): a checkout holds its thread
# while the payment provider answers (config/gunicorn.conf.py; README, Scaling).
CMD ["gunicorn", "config.wsgi:application", "-c", "config/gunicorn.conf.py"]
