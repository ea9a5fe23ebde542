from django.urls import path

from notices import opac_views, views

app_name = "notices"
urlpatterns = [
    path("patron/<int:patron_id>/", views.patron_notices, name="patron"),
    path("<int:notice_id>/resend/", views.resend, name="resend"),
    path("letters/", views.letters, name="letters"),
    path("letters/print/", views.print_letters, name="print-letters"),
    path("letters/<int:batch_id>.pdf", views.letter_pdf, name="letter-pdf"),
    path("templates/", views.templates, name="templates"),
    path("templates/<str:kind>/<str:language>/", views.edit_template, name="edit-template"),
]

opac_urlpatterns = [
    path("", opac_views.preferences, name="preferences"),
]
