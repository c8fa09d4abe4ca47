from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class OpsConfig(AppConfig):
    name = "enplan.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        # Each app's jobs.py registers its periodic jobs in enplan.core.jobs; found here, so
        # that no lower app imports the worker.
        autodiscover_modules("jobs")
