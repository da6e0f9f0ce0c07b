from django.urls import path

from .views import canteen, caregiver, manage, oversight, portal, setup, setup_field, workbench

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
    path("setup/providers/", setup.providers, name="providers"),
    path("setup/providers/new/", setup.provider_new, name="provider_new"),
    path("setup/providers/<int:provider_id>/", setup.provider_edit, name="provider_edit"),
    path("setup/contracts/", setup.contracts, name="contracts"),
    path("setup/contracts/new/", setup.contract_new, name="contract_new"),
    path("setup/contracts/<int:contract_id>/", setup.contract_edit, name="contract_edit"),
    path("setup/catalogue/", setup.catalogue, name="catalogue"),
    path("setup/caregivers/", setup_field.caregivers, name="caregivers"),
    path("setup/caregivers/<int:caregiver_id>/", setup_field.caregiver_edit, name="caregiver_edit"),
    path("setup/devices/", setup_field.devices, name="devices"),
    path("setup/devices/<int:device_id>/retire/", setup_field.device_retire, name="device_retire"),
    path("elders/<int:elder_id>/devices/new/", setup_field.device_new, name="device_new"),
    path("elders/<int:elder_id>/assess/", workbench.assess, name="assess"),
    path("elders/<int:elder_id>/retrofit/", workbench.retrofit_open, name="retrofit_open"),
    path("elders/<int:elder_id>/allowances/", workbench.allowances, name="allowances"),
]
