from django.urls import path

from circulation import hold_views

app_name = "holds"
urlpatterns = [
    path("", hold_views.shelf, name="shelf"),
    path("pick-list/", hold_views.pick_list, name="pick-list"),
    path("place/", hold_views.place_for_patron, name="place"),
    path("title/<int:record_id>/", hold_views.queue, name="queue"),
    path("<int:hold_id>/slip/", hold_views.slip, name="slip"),
    path("<int:hold_id>/cancel/", hold_views.desk_cancel, name="cancel"),
    path("<int:hold_id>/suspend/", hold_views.desk_suspend, name="suspend"),
]
