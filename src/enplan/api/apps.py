from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "enplan.api"
    label = "api"
