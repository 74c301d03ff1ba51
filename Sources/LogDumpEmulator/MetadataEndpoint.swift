import NIOHTTP1

/// The ECS instance metadata service's credentials, as Huawei's SDKs fetch them on a server
/// with an agency: an optional session token (`PUT /meta-data/latest/api/token` with
/// `X-Metadata-Token-Ttl-Seconds`), then `GET /openstack/latest/securitykey` (with that
/// token in `X-Metadata-Token`, or none), which mints a new temporary key pair and
/// security token on every fetch, valid for the signing config's lifetime.
struct MetadataEndpoint: Sendable {
    static let tokenPath = "/meta-data/latest/api/token"
    static let securityKeyPath = "/openstack/latest/securitykey"
    /// The longest session the metadata service grants, and what the SDK asks for.
    static let maxTokenSeconds = 21600

    let state: EmulatorState

    static func serves(_ path: Substring) -> Bool { path == tokenPath || path == securityKeyPath }

    func answer(_ request: EmulatorRequest) -> ContentResponse {
        state.metadataRequests.add(1, ordering: .relaxed)
        if request.path == Self.tokenPath {
            guard request.head.method == .PUT else { return .allowing("PUT", service: "EMU") }
            return sessionToken(request.head.headers["X-Metadata-Token-Ttl-Seconds"].first)
        }
        guard request.head.method == .GET else { return .allowing("GET", service: "EMU") }
        if let token = request.head.headers["X-Metadata-Token"].first,
           !state.accessKeys.withLock({ $0.metadataTokenIsValid(token) }) {
            return .error(.unauthorized, code: "EMU.0401",
                          message: "X-Metadata-Token is not valid or has expired: get a new one from \(Self.tokenPath)")
        }
        let key = state.accessKeys.withLock { $0.mintTemporaryKey() }
        let body = #"{"credential": {"access": \#(jsonQuoted(key.access)), "secret": \#(jsonQuoted(key.secret)), "#
            + #""securitytoken": \#(jsonQuoted(key.securityToken)), "expires_at": "\#(key.expiry.iamTimestamp)"}}"#
        return .json(.ok, body)
    }

    private func sessionToken(_ ttl: String?) -> ContentResponse {
        guard let ttl, let seconds = Int(ttl), (1...Self.maxTokenSeconds).contains(seconds) else {
            return .error(.badRequest, code: "EMU.0400",
                          message: "X-Metadata-Token-Ttl-Seconds: must be whole seconds within 1...\(Self.maxTokenSeconds)")
        }
        let token = state.accessKeys.withLock { $0.issueMetadataToken(seconds: seconds) }
        return .body(.ok, contentType: "text/plain", Array(token.utf8))
    }
}
