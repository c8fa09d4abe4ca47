from django.apps import AppConfig


class SyntheticConfig(AppConfig):
    """Fictitious data: the demo field and the national-scale generator.

    The top floor: it imports every app to build their rows, and nothing imports it except its
    own commands, bench/ and the tests.
    """

    name = "enplan.synthetic"
    label = "synthetic"
