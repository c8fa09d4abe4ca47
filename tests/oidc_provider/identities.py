"""The people the test provider knows, and the subjects it issues for them.

Imported both by the provider process (as `identities`) and by the tests (as
`tests.oidc_provider.identities`), so both sides agree on every subject.
"""

import uuid

PASSWORD = "mitid-test-password"
CLIENT_ID = "enplan-test"
CLIENT_SECRET = "enplan-test-secret-0123456789"

# A MitID Erhverv-like subject: an opaque, stable UUID per person.
_NAMESPACE = uuid.UUID("5b0c7d6e-4f5a-4c39-9a57-6a1f2b8e9d10")

PEOPLE = {
    # Linked to the enplan user "mette" by subject.
    "mette.mitid": {"email": "mette@jobcenter.example", "email_verified": True},
    # Not linked: shares no subject with anyone in enplan.
    "ukendt.mitid": {"email": "ukendt@firma.example", "email_verified": True},
    # Linked only through the e-mail address (when enplan allows that).
    "lene.mitid": {"email": "lene@psykiatri.example", "email_verified": True},
    # Same e-mail as lene, but the provider has not verified it.
    "lene.unverified": {"email": "lene@psykiatri.example", "email_verified": False},
    # Same verified e-mail as lene: must not take over her account once it is linked.
    "lene.second": {"email": "lene@psykiatri.example", "email_verified": True},
}

# Citizens logging in to the portal with MitID (through a broker): the ID token carries the
# CPR number and the assurance level. Fictitious numbers (they fail modulus 11, as the test
# data's do). Some carry a fault the portal must refuse.
CPR_CLAIM = "dk:gov:saml:attribute:CprNumberIdentifier"
SUBSTANTIAL = "https://data.gov.dk/concept/core/nsis/loa/Substantial"
LOW = "https://data.gov.dk/concept/core/nsis/loa/Low"
CITIZEN_A_CPR = "0101904000"
CITIZEN_B_CPR = "0202904000"
UNKNOWN_CPR = "0303904000"
CITIZENS = {
    "borger.a": {"cpr": CITIZEN_A_CPR, "acr": SUBSTANTIAL},
    "borger.b": {"cpr": CITIZEN_B_CPR, "acr": SUBSTANTIAL},
    "borger.ukendt": {"cpr": UNKNOWN_CPR, "acr": SUBSTANTIAL},
    "borger.lav": {"cpr": CITIZEN_A_CPR, "acr": LOW},
    "borger.aud": {"cpr": CITIZEN_A_CPR, "acr": SUBSTANTIAL, "aud": "another-client"},
    "borger.iss": {"cpr": CITIZEN_A_CPR, "acr": SUBSTANTIAL, "iss": "https://evil.example"},
    "borger.nonce": {"cpr": CITIZEN_A_CPR, "acr": SUBSTANTIAL, "nonce": "not-the-nonce"},
}
for _name in CITIZENS:
    PEOPLE[_name] = {"email": "", "email_verified": False}


def subject_for(username: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, username))


def subject(user) -> str:
    """OIDC_IDTOKEN_SUB_GENERATOR of the provider."""
    return subject_for(user.username)


def userinfo(claims: dict, user) -> dict:
    """OIDC_USERINFO of the provider: the standard claims it releases about a person."""
    person = PEOPLE.get(user.username, {})
    claims["name"] = user.username
    claims["email"] = person.get("email", "")
    claims["email_verified"] = person.get("email_verified", False)
    return claims


def id_token_hook(id_token: dict, user, token=None, request=None, **kwargs) -> dict:
    """OIDC_IDTOKEN_PROCESSING_HOOK of the provider: a citizen's token carries her CPR number
    and the assurance level (and, for the faulty people, the fault)."""
    person = CITIZENS.get(user.username)
    if person:
        id_token[CPR_CLAIM] = person["cpr"]
        id_token["acr"] = person["acr"]
        for claim in ("aud", "iss", "nonce"):
            if claim in person:
                id_token[claim] = person[claim]
    return id_token
