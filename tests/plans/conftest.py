import pytest


@pytest.fixture(autouse=True)
def _celery_eager():
    """Tasks run in the test process (real Celery, eager), without a broker."""
    from config.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous
