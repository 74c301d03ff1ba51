#!/usr/bin/env python3
"""Huawei Cloud's own SDK core (huaweicloudsdkcore) as a client of the emulator's metadata
endpoint: its MetadataCredentialProvider fetches temporary credentials from ENDPOINT
(instead of 169.254.169.254), then its signer signs a GET of PATH with them, as the SDK
would send it to HOST. Prints one JSON object: the credentials' access key and expiry as
the SDK understood them, and the signed request (method, uri, headers).

    .build-oracle/bin/python scripts/oracle/emulator-metadata.py ENDPOINT HOST PATH PROJECT_ID
"""
import json
import sys

from huaweicloudsdkcore.auth.internal import MetadataAccessor
from huaweicloudsdkcore.auth.provider import MetadataCredentialProvider
from huaweicloudsdkcore.sdk_request import SdkRequest


def main():
    endpoint, host, path, project = sys.argv[1:5]
    MetadataAccessor._METADATA_ENDPOINT = endpoint
    provider = MetadataCredentialProvider.get_basic_credential_metadata_provider()
    provider.project_id = project
    credentials = provider.get_credentials()
    request = SdkRequest(method="GET", schema="http", host=host, resource_path=path,
                         query_params=[], header_params={}, body="")
    request = credentials.sign_request(request)
    json.dump({
        "access": credentials.ak,
        "expires_at": credentials._expired_at,
        "request": {"name": "metadata", "method": "GET", "uri": request.uri,
                    "headers": dict(request.header_params), "body": ""},
    }, sys.stdout)


if __name__ == "__main__":
    main()
