from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "enplan.core"
    label = "core"
