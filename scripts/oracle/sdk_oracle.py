"""Huawei Cloud's own signer (huaweicloudsdkcore's Signer) as the oracle logdumpfs's
signatures are checked against. It signs a request given as it travels: method, scheme,
the Host header, the request target (path and query, percent-encoded, as sent), the
headers to sign and the body. The query is read as an API gateway reads it: split at "&"
and the first "=", each part percent-decoded ("+" stays "+")."""

from importlib.metadata import version
from urllib.parse import unquote

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

SDK = "huaweicloudsdkcore " + version("huaweicloudsdkcore")


def query_params(query):
    params = []
    for part in query.split("&"):
        if part:
            key, _, value = part.partition("=")
            params.append((unquote(key), unquote(value)))
    return params


def sdk_request(method, scheme, host, target, headers, body):
    path, _, query = target.partition("?")
    return SdkRequest(method=method, schema=scheme, host=host, resource_path=path or "/",
                      query_params=query_params(query), header_params=dict(headers), body=body)


class _RecordingSigner(Signer):
    """The SDK's Signer, keeping the canonical request it hashed (for diagnostics)."""

    def _process_string_to_sign(self, canonical_request, time):
        self.canonical_request = canonical_request
        return super()._process_string_to_sign(canonical_request, time)


def canonical_request(method, scheme, host, target, headers, body, ak, sk):
    signer = _RecordingSigner(BasicCredentials(ak, sk))
    signer.sign(sdk_request(method, scheme, host, target, headers, body))
    return signer.canonical_request


def authorization(method, scheme, host, target, headers, body, ak, sk, project_id=None, security_token=None):
    """The Authorization the SDK computes. With `project_id` and `security_token` the SDK's
    credentials add X-Project-Id and X-Security-Token themselves, as they do for its clients."""
    credentials = BasicCredentials(ak, sk, project_id)
    if security_token is not None:
        credentials = credentials.with_security_token(security_token)
    request = credentials.sign_request(sdk_request(method, scheme, host, target, headers, body))
    return request.header_params["Authorization"]
