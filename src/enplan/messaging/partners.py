"""The organisations that appear in MedCom's official CareCommunication examples.

The receivers there are organisations served by this installation in the demo and the tests
(so every receiving example can be received); the senders are partners outside enplan.
"""

from enplan.organisations.models import Organisation, Sector

# name, sector, SOR, EAN, uses enplan
MEDCOM_EXAMPLE_ORGANISATIONS = [
    ("Sundhedsplejen, Aabenraa Kommune", Sector.OTHER, "330461000016004", "5790001353308", True),
    ("Arden Lægehus", Sector.GENERAL_PRACTICE, "382871000016004", "5790001387419", True),
    ("2100 Lægehuset Østerbro", Sector.GENERAL_PRACTICE, "1017421000016003", "5790002408496", True),
    (
        "Klinik for Ældresygdomme, AUH, Skejby",
        Sector.OTHER,
        "441211000016000",
        "5790001987244",
        False,
    ),
    ("Hjemmesygeplejen, Aalborg Kommune", Sector.OTHER, "328081000016004", "5790000121786", False),
    (
        "Hjerteafdelingen på Herlev og Gentofte Hospital",
        Sector.OTHER,
        "265161000016000",
        "5790000209354",
        False,
    ),
    ("MedCom FDIS91", Sector.OTHER, "325371000016006", "5790000120314", False),
    ("MedCom XDIS91", Sector.OTHER, "325251000016005", "5790000121526", False),
    ("MedCom test organisation", Sector.OTHER, "1382601000016006", "5790002631818", False),
]


def ensure_example_organisations() -> dict[str, Organisation]:
    """Create (or update) them; returns them by SOR code."""
    out = {}
    for name, sector, sor, ean, uses_enplan in MEDCOM_EXAMPLE_ORGANISATIONS:
        out[sor], _created = Organisation.objects.update_or_create(
            sor_code=sor,
            defaults={"name": name, "sector": sector, "ean": ean, "uses_enplan": uses_enplan},
        )
    return out
