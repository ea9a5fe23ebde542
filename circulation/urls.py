from django.urls import path

from circulation import views, views_account, views_items, views_rules

app_name = "circulation"
urlpatterns = [
    path("", views.checkout_start, name="index"),
    path("checkout/", views.checkout_start, name="checkout-start"),
    path("checkout/<int:patron_id>/", views.checkout, name="checkout"),
    path("checkout/<int:patron_id>/check-in-first/", views.check_in_first, name="check-in-first"),
    path("checkout/<int:patron_id>/renew/", views.checkout_renew, name="checkout-renew"),
    path("checkout/<int:patron_id>/finish/", views.checkout_finish, name="checkout-finish"),
    path("checkout/<int:patron_id>/receipt/", views.receipt, name="receipt"),
    path("checkin/", views.checkin, name="checkin"),
    path("checkin/clear/", views.checkin_clear, name="checkin-clear"),
    path("items/", views_items.items, name="items"),
    path("items/<int:item_id>/", views_items.item, name="item"),
    path("loans/<int:loan_id>/open/", views_items.open_loan, name="open-loan"),
    path("loans/<int:loan_id>/renew/", views_account.renew, name="renew"),
    path("loans/<int:loan_id>/lost/", views_account.mark_lost, name="mark-lost"),
    path(
        "loans/<int:loan_id>/claims-returned/",
        views_account.claims_returned,
        name="claims-returned",
    ),
    path("patrons/<int:patron_id>/renew-all/", views_account.renew_all, name="renew-all"),
    path("fees/<int:fee_id>/pay/", views_account.pay_fee, name="pay-fee"),
    path("fees/<int:fee_id>/waive/", views_account.waive_fee, name="waive-fee"),
]

# Mounted at /staff/rules/ under the namespace "rules" (config/urls.py).
rule_urlpatterns = [
    path("", views_rules.index, name="index"),
    path("log/", views_rules.change_log, name="log"),
    path("test/", views_rules.tester, name="tester"),
    path("<str:scope>/", views_rules.matrix, name="matrix"),
    path("<str:scope>/<str:category>/<str:item_type>/", views_rules.cell, name="cell"),
]
