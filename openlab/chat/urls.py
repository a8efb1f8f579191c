from django.urls import path

from openlab.chat import views

app_name = "chat"

urlpatterns = [
    path("", views.room_list, name="room_list"),
    path("direct/", views.start_direct, name="start_direct"),
    path("<int:room_id>/", views.room_detail, name="room_detail"),
]

api_urlpatterns = [
    path("rooms/<int:room_id>/messages/", views.api_messages, name="chat_api_messages"),
]
