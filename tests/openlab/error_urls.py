"""The site's URLs and one view that fails, for the 500 page's tests."""

from django.urls import path

from openlab.urls import handler500  # noqa: F401 - Django looks it up here
from openlab.urls import urlpatterns as site_urlpatterns


def broken(request):
    raise RuntimeError("deliberately broken")


urlpatterns = [path("broken/", broken), *site_urlpatterns]
