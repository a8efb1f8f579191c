from django.urls import path

from openlab.notifications import views

app_name = "notifications"

urlpatterns = [
    path("accounts/interests/", views.interests, name="interests"),
    path("feed/", views.feed, name="feed"),
    path("follow/", views.follow_toggle, name="follow"),
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("notifications/digest/<str:token>/", views.digest_view, name="digest"),
]
