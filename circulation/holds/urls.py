from django.urls import path

from circulation.holds import desk_views

app_name = "holds"
urlpatterns = [
    path("", desk_views.shelf, name="shelf"),
    path("pick-list/", desk_views.pick_list, name="pick-list"),
    path("place/", desk_views.place_for_patron, name="place"),
    path("title/<int:record_id>/", desk_views.queue, name="queue"),
    path("<int:hold_id>/slip/", desk_views.slip, name="slip"),
    path("<int:hold_id>/cancel/", desk_views.desk_cancel, name="cancel"),
    path("<int:hold_id>/suspend/", desk_views.desk_suspend, name="suspend"),
]
