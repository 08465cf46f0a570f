"""studio.urls plus /bench/trivial/: a logged-in view that does nothing, so a
ratio against it is what a page costs beyond the middleware every page pays."""
from django.http import HttpResponse
from django.urls import path

from studio.urls import urlpatterns as studio_urlpatterns


def trivial(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/trivial/", trivial), *studio_urlpatterns]
