#!/usr/bin/env python3
"""Signs a few requests to the emulator's routes with Huawei Cloud's own Python SDK core
(huaweicloudsdkcore, the oracle) at a fixed X-Sdk-Date, and writes them as the fixture
the emulator's signature tests replay: Tests/Fixtures/signing/emulator-requests.json.

    python3 -m venv /tmp/sdkvenv && /tmp/sdkvenv/bin/pip install huaweicloudsdkcore==3.1.219
    /tmp/sdkvenv/bin/python scripts/oracle/emulator-requests.py > Tests/Fixtures/signing/emulator-requests.json

Each request keeps the headers the SDK set and signed (Host, X-Sdk-Date, X-Project-Id,
X-Security-Token, Authorization) and the URI it would send (its canonical query order).
The keys are made up for the test; the emulator is told them from the fixture.
"""
import json
import sys
from importlib.metadata import version

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest

SDK_DATE = "20260115T083000Z"
HOST = "127.0.0.1:18080"
AK, SK = "EMUFIXTUREAK0000001", "emuFixtureSecretKey0123456789abcdefghijkl"
PROJECT = "proj1"
SECURITY_TOKEN = "gQpzb3V0aGNoaW5hLTKE-fixture-security-token_0123456789"

CASES = [
    # name, method, resource path (as sent), query pairs, extra headers, body, security token
    ("download", "GET", "/v1/proj1/physicalservers/srv-a/logs/exports/exp-small/content", [], {}, "", None),
    ("list-servers-query", "GET", "/v1/proj1/physicalservers",
     [("manage_state", "ready"), ("limit", 20), ("marker", "srv 000~x")], {}, "", None),
    ("export-request-body", "POST", "/v1/proj1/physicalservers/srv-a/logs/exports", [],
     {"Content-Type": "application/json;charset=UTF-8"}, '{"reason": "audit \u00e9t\u00e9", "days": 3}', None),
    ("status-security-token", "GET", "/v1/proj1/physicalservers/srv-a/logs/exports/exp-none", [], {}, "",
     SECURITY_TOKEN),
    ("odd-path", "GET", "/v1/proj1/physicalservers/srv-a/logs/exports/exp%20%C3%A9~x(1)%2B/content", [], {}, "", None),
]


def signed(name, method, path, query, headers, body, token):
    credentials = BasicCredentials(AK, SK, PROJECT)
    if token:
        credentials.with_security_token(token)
    header_params = {"X-Sdk-Date": SDK_DATE}
    header_params.update(headers)
    request = SdkRequest(method=method, schema="http", host=HOST, resource_path=path,
                         query_params=list(query), header_params=header_params, body=body)
    request = credentials.sign_request(request)
    return {
        "name": name,
        "method": method,
        "uri": request.uri,
        "headers": dict(sorted(request.header_params.items())),
        "body": body,
    }


def main():
    fixture = {
        "sdk": "huaweicloudsdkcore " + version("huaweicloudsdkcore"),
        "x_sdk_date": SDK_DATE,
        "access_keys": {AK: SK},
        "requests": [signed(*case) for case in CASES],
    }
    json.dump(fixture, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
