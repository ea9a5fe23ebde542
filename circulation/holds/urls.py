from django.urls import path

from circulation.holds import views

app_name = "holds"
urlpatterns = [
    path("", views.shelf, name="shelf"),
    path("pick-list/", views.pick_list, name="pick-list"),
    path("place/", views.place_for_patron, name="place"),
    path("title/<int:record_id>/", views.queue, name="queue"),
    path("<int:hold_id>/slip/", views.slip, name="slip"),
    path("<int:hold_id>/cancel/", views.desk_cancel, name="cancel"),
    path("<int:hold_id>/suspend/", views.desk_suspend, name="suspend"),
]
