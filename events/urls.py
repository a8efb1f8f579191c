"""Routes outside the page tree: iCal files, CSV export and the e-mailed links.

Page slugs cannot contain a dot, so *.ics and *.csv never shadow a page; the
e-mailed links live one level below /events/registrations/.
"""

from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("feed.ics", views.feed_ics, name="feed"),
    path("<slug:slug>/event.ics", views.event_ics, name="event_ics"),
    path("<slug:slug>/<str:day>/event.ics", views.occurrence_ics, name="occurrence_ics"),
    path("<slug:slug>/registrations.csv", views.registrations_csv, name="registrations_csv"),
    path("registrations/confirm/<str:token>/", views.confirm_registration, name="confirm"),
    path("registrations/cancel/<str:token>/", views.cancel_registration, name="cancel"),
]
