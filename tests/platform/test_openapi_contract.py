"""The OpenAPI document as a contract other languages can use: patterns mean the same in ECMA-262
(checked with node, the engine a generated JavaScript client runs) and on the server; every
operation lists the statuses it can answer with the error envelope; public operations need no key;
operationIds are unique; enforced constraints are in the schemas; examples fit their schemas."""

import json
import re
import shutil
import subprocess

import jsonschema_rs
import pytest

SAMPLES = [
    *("", "GHS", "GHSZ", "GHS\n", "ghs", "\n", "Z", "12", "１２", "٣", "1_000", "1e3", "+5", "05", "0.00", "0.5"),
    *("0.05", "69.00", "69.001", "999999999.99", "1000000000", "en", "EN", "eN", "zz", "e\n", "EUR", "eUr", "USD\n"),
    *("+233241234567", "+233241234567\n", "233241234567", "SM" + "a" * 32, "MM" + "F" * 32, "SM" + "a" * 32 + "\n"),
    *("c-1", "a:b.c_d-e", "a" * 128, "a" * 129, "a b", "k-1", " k", "k ", "~", "x\x00", "tab\tx", "line\nbreak"),
    *("cr\r", "del\x7f", "c1\x85", "ß", "é", "Ama Mensah", "\u2028", "\ufeff"),
]
PYTHON_ONLY = re.compile(r"\\[AZzdDwWsSbB]|\(\?[PaiLmsux<]")


@pytest.fixture(scope="module")
def spec(app):
    return app.test_client().get("/api/openapi.json").get_json()


def _walk(node, path=""):
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}[{index}]")


def _operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def _ecma_matches(patterns: list[str], samples: list[str]) -> dict:
    """{flags: [[pattern matches sample]]} from node's RegExp, without and with the `u` flag."""
    script = (
        "const {patterns, samples} = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "const out = {};"
        "for (const flags of ['', 'u']) out[flags] = patterns.map(p => {"
        "  const re = new RegExp(p, flags); return samples.map(s => re.test(s)); });"
        "process.stdout.write(JSON.stringify(out));"
    )
    done = subprocess.run(
        [shutil.which("node") or "/usr/bin/node", "-e", script],
        input=json.dumps({"patterns": patterns, "samples": samples}),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(done.stdout)


def test_every_pattern_means_the_same_in_ecma_and_python(spec):
    patterns = sorted({node["pattern"] for _, node in _walk(spec) if isinstance(node.get("pattern"), str)})
    assert len(patterns) >= 10
    for pattern in patterns:
        assert pattern.startswith("^") and pattern.endswith("$"), pattern
        assert not PYTHON_ONLY.search(pattern), f"Python-only construct in {pattern}"
    ecma = _ecma_matches(patterns, SAMPLES)
    for flags, rows in ecma.items():
        for pattern, row in zip(patterns, rows, strict=True):
            python = [re.fullmatch(pattern, sample) is not None for sample in SAMPLES]
            differ = [s for s, e, p in zip(SAMPLES, row, python, strict=True) if e != p]
            assert not differ, f"{pattern!r} (flags {flags!r}) differs on {differ!r}"


def test_server_refuses_what_the_ecma_pattern_refuses(client, write_headers):
    """GHSZ was accepted by a JavaScript client under the old `\\Z` pattern; GHS\\n must stay refused."""
    user = client.post(
        "/api/v1/users",
        json={"name": "Ama", "email": "ama@example.com", "phone_number": "+233241234567"},
        headers=write_headers,
    ).get_json()
    body = {"user_id": user["id"], "full_name": "Ama", "transaction_date": "2026-11-21T10:00:00"}
    body |= {"transaction_amount": "1.00", "transaction_type": "credit"}
    for currency, status in (("GHS", 201), ("GHSZ", 422), ("GHS\n", 422)):
        response = client.post("/api/v1/transactions", json={**body, "currency": currency}, headers=write_headers)
        assert response.status_code == status, currency


def test_operation_ids_are_unique_and_public_operations_need_no_key(spec):
    ids = [operation["operationId"] for _, _, operation in _operations(spec)]
    assert len(ids) == len(set(ids)) and all(ids)
    public = {(p, m) for p, m, op in _operations(spec) if op.get("security") == []}
    assert public == {
        ("/health/live", "get"),
        ("/health/ready", "get"),
        ("/api/v1/webhooks/twilio/status", "post"),
    }
    assert spec["security"] == [{"ApiKeyHeader": []}, {"BearerKey": []}]


def _response_schema(spec, response):
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response.get("content", {}).get("application/json", {}).get("schema")


def test_every_operation_lists_its_error_statuses_with_the_envelope(spec):
    envelope = {"$ref": "#/components/schemas/ErrorEnvelope"}
    for path, method, operation in _operations(spec):
        responses = operation["responses"]
        expected = set()
        if path.startswith("/api/v1/"):
            expected |= {"403", "429"} | (set() if operation.get("security") == [] else {"401"})
            if method in {"post", "patch", "delete"}:
                expected |= {"413", "415"}
            if "requestBody" in operation:
                expected |= {"400", "422"}
            if "{" in path:
                expected.add("404")
        assert expected <= set(responses), (method, path, expected - set(responses))
        for status, response in responses.items():
            if (status == "default" or int(status) >= 400) and (path, status) != ("/health/ready", "503"):
                assert _response_schema(spec, response) == envelope, (method, path, status)
    statuses = {(p, m): set(op["responses"]) for p, m, op in _operations(spec)}
    assert {"409", "410"} <= statuses[("/api/v1/data/{customer_id}/{dialog_id}", "post")]
    assert "410" in statuses[("/api/v1/consents/{dialog_id}", "post")]
    assert {"409", "503"} <= statuses[("/api/v1/orders", "post")]
    assert "503" in statuses[("/api/v1/prices/btc", "get")]
    assert "409" in statuses[("/api/v1/users", "post")] and "409" in statuses[("/api/v1/users/{user_id}", "patch")]


def test_enforced_constraints_are_in_the_schemas(spec):
    schemas = spec["components"]["schemas"]
    amount = schemas["OrderCreate"]["properties"]["amount"]["oneOf"]
    assert amount[0] == {
        "type": "number",
        "minimum": 0,
        "exclusiveMinimum": True,
        "maximum": 1000000000,
        "exclusiveMaximum": True,
        "multipleOf": 0.01,
    }
    assert amount[1]["type"] == "string" and re.fullmatch(amount[1]["pattern"], "69.00")
    assert not re.fullmatch(amount[1]["pattern"], "69.001") and not re.fullmatch(amount[1]["pattern"], "0")
    currency = re.compile(schemas["OrderCreate"]["properties"]["currency"]["pattern"])
    assert all(currency.fullmatch(c) for c in ("EUR", "gbp", "Usd")) and not currency.fullmatch("GHS")
    assert "pattern" in schemas["UserCreate"]["properties"]["name"]
    parameters = {
        (p, param["name"]): param["schema"]
        for p, _, op in _operations(spec)
        for param in op.get("parameters", [])
        if "schema" in param
    }
    assert parameters[("/api/v1/users", "page_size")] | {"default": 20} == {
        "type": "integer",
        "default": 20,
        "minimum": 1,
        "maximum": 100,
    }
    limit = parameters[("/api/v1/assets", "limit")]
    assert (limit["minimum"], limit["maximum"]) == (1, 500)


def _json_schema(node):
    """An OpenAPI 3.0 schema as JSON Schema draft 4 (`nullable` becomes a null type)."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _json_schema(v) for k, v in node.items() if k not in {"nullable", "example", "examples"}}
    if node.get("nullable") and "type" in node:
        out["type"] = [node["type"], "null"]
    return out


def test_examples_validate_against_their_schemas(spec):
    checked = 0
    for _path, node in _walk(spec):
        if "example" in node and "$ref" not in node:
            jsonschema_rs.Draft4Validator(_json_schema(node)).validate(node["example"])
            checked += 1
        if isinstance(node.get("examples"), dict) and "schema" in node:
            for example in node["examples"].values():
                jsonschema_rs.Draft4Validator(_json_schema(node["schema"])).validate(example["value"])
                checked += 1
    assert checked >= 6
