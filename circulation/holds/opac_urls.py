from django.urls import path

from circulation.holds import opac_views

app_name = "opac_holds"
urlpatterns = [
    path("", opac_views.opac_my_holds, name="mine"),
    path("ny/<int:record_id>/", opac_views.opac_place, name="place"),
    path("<int:hold_id>/avboka/", opac_views.opac_cancel, name="cancel"),
    path("<int:hold_id>/pausa/", opac_views.opac_suspend, name="suspend"),
]
