from django.urls import path

from .views import canteen, caregiver, manage, orders_book, oversight, portal, workbench

app_name = "elderly_care"

urlpatterns = [
    path("", portal.apply, name="apply"),
    path("caregiver/", caregiver.caregiver_today, name="caregiver_today"),
    path("caregiver/visits/<int:order_id>/", caregiver.visit, name="visit"),
    path("elders/", workbench.elders, name="elders"),
    path("orders/", workbench.orders, name="orders"),
    path("anomalies/", oversight.anomalies, name="anomalies"),
    path("statements/", workbench.statements, name="statements"),
    path("statements/<int:statement_id>/", workbench.statement_detail, name="statement"),
    path("statements/<int:statement_id>/act/", workbench.statement_act, name="statement_act"),
    path("alarms/", workbench.alarms, name="alarms"),
    path("dashboard/", oversight.dashboard, name="dashboard"),
    path("applications/", workbench.applications, name="applications"),
    path("applications/<int:application_id>/", workbench.application_detail, name="application"),
    path("followups/", workbench.followups, name="followups"),
    path("rectifications/", workbench.rectifications, name="rectifications"),
    path("meals/", canteen.meal_counter, name="meals"),
    path("retrofits/", workbench.retrofits, name="retrofits"),
    path("retrofits/<int:file_id>/", workbench.retrofit_detail, name="retrofit"),
    path("rules/", manage.rules, name="rules"),
    path("rules/new/", manage.rule_edit, name="rule_new"),
    path("rules/<int:rule_id>/", manage.rule_edit, name="rule_edit"),
    path("elders/<int:elder_id>/assess/", workbench.assess, name="assess"),
    path("elders/<int:elder_id>/retrofit/", workbench.retrofit_open, name="retrofit_open"),
    path("elders/<int:elder_id>/allowances/", workbench.allowances, name="allowances"),
    path("book/", orders_book.book_start, name="book_start"),
    path("book/<int:elder_id>/", orders_book.book, name="book"),
    path("dispatch/", orders_book.dispatch_list, name="dispatch_list"),
    path("dispatch/<int:order_id>/", orders_book.dispatch, name="dispatch"),
]
