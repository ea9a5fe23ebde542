from django.urls import path

from circulation import hold_views

app_name = "holds"
urlpatterns = [
    path("", hold_views.shelf, name="shelf"),
    path("pick-list/", hold_views.pick_list, name="pick-list"),
    path("place/", hold_views.place_for_patron, name="place"),
    path("title/<int:record_id>/", hold_views.queue, name="queue"),
    path("<int:hold_id>/slip/", hold_views.slip, name="slip"),
]
