"""Writes Tests/Fixtures/signing/sdk-known-answers.json: requests signed by Huawei Cloud's
Python SDK (huaweicloudsdkcore) at a fixed X-Sdk-Date, which SigningKnownAnswerTests
requires logdumpfs's RequestSigner to match exactly. Run with the oracle's python:

    scripts/setup && .build-oracle/bin/python scripts/oracle/known_answers.py
"""

import json
import os
from urllib.parse import urlsplit

import sdk_oracle

DATE = "20261203T120000Z"
AK = "HPUAEXAMPLEAK0000001"
SK = "sk-Example+Secret/Key=0123456789abcdefghij"
BASE = "https://clouddc.cn-east-3.example.com/v1/0a1b2c3d"
JSON_BODY = '{"reason": "nightly backup", "servers": ["srv-01", "srv 02"], "note": "\u65e5\u5fd7"}'

# name, method, URL as handed to curl, project, security token, other headers, body.
CASES = [
    ("get", "GET", BASE + "/physicalservers/srv-01/logs/exports/exp-20261101/content", "0a1b2c3d", None, [], ""),
    ("get-query", "GET", BASE + "/physicalservers?limit=1000&marker=srv-09&manage_state=managed",
     "0a1b2c3d", None, [], ""),
    ("get-repeated-keys", "GET", BASE + "/physicalservers?tag=b&tag=a&Tag=c&tag=&a-=1&a%2F=2&a=3",
     "0a1b2c3d", None, [], ""),
    ("get-odd-query", "GET",
     BASE + "/physicalservers?q=a%20b%2Bc&name=%E6%97%A5%E5%BF%97&tilde=%7e~&star=*&flag&empty="
            "&plus=a+b&pct=100%25&slash=%2F&eq=a%3Db=c&%41=%61",
     "0a1b2c3d", None, [], ""),
    ("get-unicode-keys", "GET",
     BASE + "/physicalservers?%E6%97%A5=1&%C3%A9=2&z=3&Z=4&%F0%9F%93%A6=5&%C3%A9=1",
     "0a1b2c3d", None, [], ""),
    ("path-odd-characters", "GET",
     BASE + "/physicalservers/srv%2001/logs/exports/exp%25x%E6%97%A5%F0%9F%93%A6%21%27%28%29%2A/content",
     "0a1b2c3d", None, [], ""),
    ("path-trailing-slash", "GET", BASE + "/physicalservers/", "0a1b2c3d", None, [], ""),
    ("path-encoded-slash", "GET", BASE + "/physicalservers/a%2Fb/logs/exports", "0a1b2c3d", None, [], ""),
    ("path-needless-escapes", "GET", BASE + "/physicalservers/%7esrv%2d%41/logs", "0a1b2c3d", None, [], ""),
    ("path-not-utf8", "GET", BASE + "/physicalservers/%FF%C3(x%E6%97/logs", "0a1b2c3d", None, [], ""),
    ("path-root", "GET", "https://clouddc.example.com/", None, None, [], ""),
    ("security-token", "GET", BASE + "/physicalservers/srv-01/logs/exports/exp-1/content", "0a1b2c3d",
     "gQpjbi1lYXN0LTMiAw+temporary/security=token", [], ""),
    ("post-json", "POST", BASE + "/physicalservers/srv-01/logs/exports", "0a1b2c3d", None,
     [("Content-Type", "application/json;charset=UTF-8")], JSON_BODY),
    ("post-empty", "POST", BASE + "/physicalservers/srv-01/logs/exports", "0a1b2c3d", None, [], ""),
    ("port", "GET", "http://127.0.0.1:8443/v1/0a1b2c3d/physicalservers?limit=10", "0a1b2c3d",
     "token-for-port", [], ""),
    ("port-ipv6", "POST", "http://[::1]:18080/v1/0a1b2c3d/physicalservers/srv-01/logs/exports",
     "0a1b2c3d", None, [], '{"x": 1}'),
]


def case(name, method, url, project, token, headers, body):
    parts = urlsplit(url)
    target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
    signed = [("X-Sdk-Date", DATE)] + headers
    if project is not None:
        signed.append(("X-Project-Id", project))
    if token is not None:
        signed.append(("X-Security-Token", token))
    data = body.encode("utf-8")
    args = (method, parts.scheme, parts.netloc, target)
    entry = {
        "name": name, "method": method, "url": url, "project_id": project, "security_token": token,
        "headers": [list(h) for h in headers], "body": body, "host": parts.netloc,
        "canonical_request": sdk_oracle.canonical_request(*args, signed, data, AK, SK),
        "authorization": sdk_oracle.authorization(*args, [("X-Sdk-Date", DATE)] + headers, data, AK, SK,
                                                  project_id=project, security_token=token),
    }
    if token is None:
        del entry["security_token"]
    return entry


def main():
    cases = [case(*fields) for fields in CASES]
    fixture = {
        "generator": "scripts/oracle/known_answers.py",
        "sdk": sdk_oracle.SDK,
        "x_sdk_date": DATE,
        "access_key": AK,
        "secret_key": SK,
        "cases": cases,
    }
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = os.path.join(root, "Tests", "Fixtures", "signing", "sdk-known-answers.json")
    with open(path, "w", encoding="utf-8") as out:
        json.dump(fixture, out, indent=2, ensure_ascii=False)
        out.write("\n")
    print(f"{path}: {len(cases)} requests signed by {sdk_oracle.SDK}")


if __name__ == "__main__":
    main()
