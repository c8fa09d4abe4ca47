from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "enplan.api"
    label = "api"

    def ready(self) -> None:
        # The Appointment endpoint builds on fhir.py's helpers; registering it from here keeps
        # the import one-way (appointment -> fhir).
        from .appointment import appointments
        from .certificates import certificate_resources
        from .fhir import fhir_api

        fhir_api.add_router("", appointments)
        fhir_api.add_router("", certificate_resources)
