"""Fuzzing receipt (issue 10, must show): MedCom's official examples, mutated – values of the
wrong type, parts removed, deep nesting, sizes, encodings and byte damage – and posted to the
receive endpoint as an integration would. Every answer must be a MedCom Acknowledgement with
a 2xx/4xx status (never a 500), and a refused message must store nothing.

`ENPLAN_FUZZ_EXAMPLES` sets the number of mutated messages (150 by default, about a
minute on SQLite).
"""

import copy
import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enplan.messaging import fhir
from enplan.messaging.models import MessageIntegration, Receipt
from enplan.messaging.partners import ensure_example_organisations

from .conftest import make_citizen, make_professional
from .test_messaging_receive import AABENRAA, BRUNO, EXAMPLE_SORS, RECEIVE, counts, ct

EXAMPLES = int(os.environ.get("ENPLAN_FUZZ_EXAMPLES", "150"))
URL = "/api/v1/messaging/receive"
BASES = [(p.name, json.loads(fhir.to_json(fhir.parse(p.read_bytes(), ct(p))[1]))) for p in RECEIVE]

# Any JSON value, including text with lone surrogates and NUL, huge numbers and containers.
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False),
    st.text(st.characters(codec=None, exclude_categories=()), max_size=40),
    st.sampled_from(["", "2026-13-45T99:00:00Z", "0001-01-01T00:00:00+14:00", "Bundle", "x" * 600]),
)
values = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(node):
    """Every place in the bundle a mutation can hit (not inside what is already nested
    deeper than any real message)."""
    stack, out = [((), node)], []
    while stack:
        prefix, value = stack.pop()
        out.append(prefix)
        if len(prefix) > 40:
            continue
        if isinstance(value, dict):
            stack += [((*prefix, k), v) for k, v in value.items()]
        elif isinstance(value, list):
            stack += [((*prefix, i), v) for i, v in enumerate(value[:50])]
    return out


def _parent(bundle, path):
    node = bundle
    for step in path[:-1]:
        node = node[step]
    return node


@st.composite
def mutated(draw) -> tuple[bytes, str]:
    name, base = draw(st.sampled_from(BASES))
    bundle = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        paths = sorted((p for p in _paths(bundle) if p), key=repr)
        path = draw(st.sampled_from(paths))
        parent = _parent(bundle, path)
        kind = draw(st.sampled_from(["replace", "delete", "nest", "grow", "retype"]))
        if kind == "replace":
            parent[path[-1]] = draw(values)
        elif kind == "delete":
            del parent[path[-1]]
        elif kind == "nest":  # deep nesting where a value belongs
            depth = draw(st.sampled_from([2, 50, 1000, 20_000]))
            deep: object = parent[path[-1]]
            for _ in range(depth):
                deep = [deep]
            parent[path[-1]] = deep
        elif kind == "grow":  # sizes: a long list or a long text
            value = parent[path[-1]]
            n = draw(st.sampled_from([10, 1000]))
            parent[path[-1]] = [value] * n if isinstance(value, list) else str(value) * n
        else:
            parent[path[-1]] = {"resourceType": draw(st.sampled_from(["Foo", "Bundle", ""]))}
    try:
        text = json.dumps(bundle, ensure_ascii=draw(st.booleans()))
    except RecursionError:
        text = json.dumps(base)
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-16", "latin-1", "xml", "bytes"]))
    if encoding == "xml":
        try:
            return fhir.to_xml(bundle), "application/fhir+xml"
        except Exception:  # noqa: BLE001 – not expressible as FHIR XML: send its JSON instead
            return text.encode("utf-8", "surrogatepass"), "application/fhir+json"
    if encoding == "latin-1":
        data = text.encode("latin-1", "replace")
    else:
        data = text.encode(encoding if encoding != "bytes" else "utf-8", "surrogatepass")
    if encoding == "bytes":  # byte damage: cut or flip
        at = draw(st.integers(0, max(0, len(data) - 1)))
        data = data[:at] if draw(st.booleans()) else data[:at] + b"\xff\x00<" + data[at + 3 :]
    return data, draw(st.sampled_from(["application/fhir+json", "application/json", ""]))


@pytest.fixture
def key(db, caseworker):
    orgs = ensure_example_organisations()
    make_professional("birgit", orgs[AABENRAA])
    make_citizen(caseworker, cpr=BRUNO, given_name="Bruno", family_name="Elmer")
    return MessageIntegration.issue("fuzz adapter", EXAMPLE_SORS)[1]


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
    derandomize=True,
)
@given(body=mutated())
def test_every_mutated_example_gets_an_acknowledgement(client, key, body):
    data, content_type = body
    before, receipts = counts(), Receipt.objects.count()
    response = client.post(
        URL,
        data=data,
        content_type=content_type or "application/octet-stream",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code in (200, 403, 413, 415, 422), response.status_code
    assert response["Content-Type"].startswith("application/fhir+json")
    ack = response.json()
    header = ack["entry"][0]["resource"]
    assert header["eventCoding"]["code"] == "acknowledgement-message"
    fhir.validate_built(ack)
    code = header["response"]["code"]
    assert Receipt.objects.count() == receipts + 1
    if code != "ok":
        assert response.status_code >= 400
        assert counts() == before, "a refused message stored something"
    else:
        assert response.status_code == 200
        assert response["X-Enplan-Outcome"] in ("accepted", "duplicate")
