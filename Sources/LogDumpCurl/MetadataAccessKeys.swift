import Foundation
import Synchronization
import LogDump

/// Temporary access keys from the ECS instance metadata service (an ECS with an agency),
/// as Huawei Cloud's SDKs get them: a session token first (`PUT /meta-data/latest/api/token`;
/// 404, 405 or 503 mean the service does without one), then `GET /openstack/latest/securitykey`
/// with it. The keys are renewed ahead of their expires_at, at most 40 minutes (the SDK's
/// margin) or a fifth of their life before it, while requests go on signed with the current
/// ones; and after a 401 (see Expiring). Timeouts are short: a machine that is not an ECS
/// gets a clear error within seconds, not a hang.
public final class MetadataAccessKeys: AccessKeyProvider {
    public let origin: String
    private let keys: Expiring<AccessKeys>

    /// Gets the first keys; failing that, the error says why (unreachable, no agency).
    public init(endpoint: Endpoint, options: CurlOptions = CurlOptions(), timeout: Duration = .seconds(3)) throws(RemoteError) {
        var options = options
        options.connectTimeout = min(options.connectTimeout, timeout)
        let client = MetadataClient(endpoint: endpoint, pool: CurlHandlePool(options: options, maxIdle: 1), timeout: timeout)
        origin = "the instance metadata service at \(endpoint)"
        keys = try Expiring(what: "the temporary access keys", renewMargin: .seconds(40 * 60), issue: client.issue)
    }

    public func currentKeys() throws(RemoteError) -> AccessKeys { try keys.current() }

    public func renewed(after rejected: AccessKeys) throws(RemoteError) -> AccessKeys? {
        let new = try keys.renewed(after: rejected)
        // The same keys with a later expiry are no newer: the 401 stands.
        let same = (new.accessKey, new.secretKey, new.securityToken) == (rejected.accessKey, rejected.secretKey, rejected.securityToken)
        return same ? nil : new
    }
}

/// One conversation with the metadata service; the session token lasts 6 hours and is
/// asked for again after a 401.
private final class MetadataClient: Sendable {
    static let tokenPath = "/meta-data/latest/api/token"
    static let keysPath = "/openstack/latest/securitykey"
    /// What the service says to an ECS without an agency: no new session token helps.
    static let noAgency = "Please configure Cloud Service Agency first"

    let endpoint: Endpoint
    let pool: CurlHandlePool
    let timeout: Duration
    /// The session token, and whether one was asked for yet.
    private let session = Mutex<(token: String?, asked: Bool)>((nil, false))

    init(endpoint: Endpoint, pool: CurlHandlePool, timeout: Duration) {
        (self.endpoint, self.pool, self.timeout) = (endpoint, pool, timeout)
    }

    func issue() throws(RemoteError) -> Issued<AccessKeys> {
        if !session.withLock({ $0.asked }) { try askSessionToken(required: false) }
        var answer = try exchange(method: nil, path: Self.keysPath)
        if answer.status == 401 && !String(decoding: answer.body, as: UTF8.self).contains(Self.noAgency) {
            try askSessionToken(required: true)
            answer = try exchange(method: nil, path: Self.keysPath)
        }
        guard answer.status == 200 else {
            let error = ErrorBody(status: answer.status, body: answer.body, redacting: [])
            let noAgency = String(decoding: answer.body, as: UTF8.self).contains(Self.noAgency)
            throw .http(status: answer.status, code: error.code,
                        message: noAgency ? "this ECS has no agency to take keys from (\(Self.noAgency))" : error.message)
        }
        let issued = try MetadataKeys.parse(answer.body, now: .now())
        Log.info("got \(issued.value) from \(endpoint), good for \(issued.lifetime.secondsText)")
        return issued
    }

    /// `PUT` for a session token, good for 6 hours. 404, 405 and 503 mean none is needed,
    /// unless `required` (a 401 asked for one).
    private func askSessionToken(required: Bool) throws(RemoteError) {
        let answer = try exchange(method: "PUT", path: Self.tokenPath, headers: ["X-Metadata-Token-Ttl-Seconds: 21600"])
        let token = String(decoding: answer.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        switch answer.status {
        case 200 where !token.isEmpty && token.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }):
            session.withLock { $0 = (token, true) }
        case 404 where !required, 405 where !required, 503 where !required:
            session.withLock { $0 = (nil, true) }
        case 200:
            throw .badResponse("the metadata service at \(endpoint) gave a session token that is not one line of text")
        default:
            let error = ErrorBody(status: answer.status, body: answer.body, redacting: [])
            throw .http(status: answer.status, code: error.code, message: error.message)
        }
    }

    private func exchange(method: String?, path: String, headers: [String] = []) throws(RemoteError) -> CurlExchange.Answer {
        let token = session.withLock { $0.token }
        let handle = try pool.checkOut()
        defer { pool.checkIn(handle) }
        return try CurlExchange.send(body: method == nil ? nil : "", method: method, to: endpoint.url + path,
                                     headers: headers + (token.map { ["X-Metadata-Token: \($0)"] } ?? []),
                                     timeout: timeout, bodyLimit: 64 << 10, on: handle)
    }
}
