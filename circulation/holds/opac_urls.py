from django.urls import path

from circulation.holds import views

app_name = "opac_holds"
urlpatterns = [
    path("", views.opac_my_holds, name="mine"),
    path("ny/<int:record_id>/", views.opac_place, name="place"),
    path("<int:hold_id>/avboka/", views.opac_cancel, name="cancel"),
    path("<int:hold_id>/pausa/", views.opac_suspend, name="suspend"),
]
