"""All API routes under /api/v1/; each app adds its own."""

from django.urls import path

from catalog import api as catalog_api
from circulation import api as circulation_api
from circulation.holds import api as hold_api
from libraries import api as libraries_api
from patrons import api as patrons_api
from transport import api as transport_api

urlpatterns = [
    # The desk's scans first (the patterns are tried in order).
    path("checkouts/", circulation_api.checkouts, name="api-checkouts"),
    path("checkins/", circulation_api.checkins, name="api-checkins"),
    path("loans/<int:loan_id>/renew/", circulation_api.renew, name="api-loan-renew"),
    path("libraries/", libraries_api.library_list, name="api-libraries"),
    path("records/", catalog_api.record_list, name="api-records"),
    path("records/<int:record_id>/", catalog_api.record_detail, name="api-record"),
    path("items/", catalog_api.ItemList.as_view(), name="api-items"),
    path("items/<int:item_id>/", catalog_api.item_detail, name="api-item"),
    path("transfers/", transport_api.TransferList.as_view(), name="api-transfers"),
    path("transport/route/", transport_api.route, name="api-transport-route"),
    path("patrons/", patrons_api.patron_list, name="api-patrons"),
    path("patrons/<int:patron_id>/", patrons_api.patron_detail, name="api-patron"),
    path("patrons/by-card/<str:number>/", patrons_api.patron_by_card, name="api-patron-by-card"),
    path("loans/", circulation_api.LoanList.as_view(), name="api-loans"),
    path("holds/", hold_api.HoldList.as_view(), name="api-holds"),
    path("holds/<int:hold_id>/cancel/", hold_api.cancel, name="api-hold-cancel"),
    path("holds/<int:hold_id>/suspend/", hold_api.suspend, name="api-hold-suspend"),
    path("rules/effective/", circulation_api.effective_rule, name="api-rules-effective"),
]
