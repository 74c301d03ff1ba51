"""Re-signs requests a server captured with Huawei Cloud's Python SDK, as the API gateway
verifies them: the same method, request target, Host, X-Sdk-Date and the other headers
the request names in its SignedHeaders, the same body. SigningCrossCheckTests runs it
with the oracle's python (scripts/setup installs it):

    .build-oracle/bin/python scripts/oracle/resign.py < captured.json

Input: {"keys": {AK: SK, ...}, "requests": [{"method", "target", "headers": [[name, value]],
"body_base64"}]}. Output: {"sdk": "...", "authorizations": [the SDK's Authorization, or
null when the request had none to take its signed headers from]}."""

import base64
import json
import re
import sys

import sdk_oracle


def resign(request, keys):
    headers = request["headers"]
    sent = next((value for name, value in headers if name.lower() == "authorization"), None)
    match = sent and re.match(r"SDK-HMAC-SHA256 Access=([^,]*), SignedHeaders=([^,]*), Signature=", sent)
    if not match:
        return None
    access_key, signed = match.group(1), match.group(2).split(";")
    signed_headers = [(name, value) for name, value in headers if name.lower() in signed]
    host = next(value for name, value in headers if name.lower() == "host")
    return sdk_oracle.authorization(request["method"], "http", host, request["target"], signed_headers,
                                    base64.b64decode(request["body_base64"]), access_key, keys[access_key])


def main():
    captured = json.load(sys.stdin)
    answers = [resign(request, captured["keys"]) for request in captured["requests"]]
    json.dump({"sdk": sdk_oracle.SDK, "authorizations": answers}, sys.stdout)


if __name__ == "__main__":
    main()
