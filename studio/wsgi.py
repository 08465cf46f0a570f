import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
application = get_wsgi_application()

from studio.poll import job_card_not_modified_wsgi  # noqa: E402 — needs the apps loaded

application = job_card_not_modified_wsgi(application)  # an unchanged job-card poll: 304 (studio/poll.py)
