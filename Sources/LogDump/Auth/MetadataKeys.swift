import Foundation

/// What the metadata service's securitykey answer means:
/// `{"credential": {"access", "secret", "securitytoken", "expires_at"}}`. The spellings the
/// SDK also accepts (a `credentials` wrapper or none; accessKeyId, secretAccessKey,
/// securityToken, expiration and their snake_case forms) are accepted too. Errors never
/// quote the answer: it holds the keys.
public enum MetadataKeys {
    /// The keys and how long they last from `now`.
    public static func parse(_ body: [UInt8], now: Timestamp) throws(RemoteError) -> Issued<AccessKeys> {
        guard let top = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            throw .badResponse("the metadata service's answer is not a JSON object")
        }
        let fields = (top["credential"] ?? top["credentials"]) as? [String: Any] ?? top
        func first(_ names: String...) -> String? {
            names.lazy.compactMap { fields[$0] as? String }.first { !$0.isEmpty }
        }
        let access = first("access", "accessKeyId", "access_key_id")
        let secret = first("secret", "secretAccessKey", "secret_access_key")
        let token = first("securitytoken", "securityToken", "security_token")
        let expires = first("expires_at", "expiration")
        let missing = [("access", access), ("secret", secret), ("securitytoken", token), ("expires_at", expires)]
            .filter { $0.1 == nil }.map(\.0)
        guard let access, let secret, let token, let expires else {
            throw .badResponse("the metadata service's answer has no \(missing.joined(separator: ", "))")
        }
        guard [access, secret, token].allSatisfy({ $0.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F } }) else {
            throw .badResponse("the metadata service's keys hold characters that cannot be sent in a header")
        }
        guard let end = Timestamp.parseRFC3339(expires) else {
            throw .badResponse("the metadata service's expires_at \(expires.quotedForLog(limit: 64)) is not an RFC 3339 time")
        }
        let lifetime = Duration.seconds(end.seconds - now.seconds) + .nanoseconds(Int64(end.nanoseconds) - Int64(now.nanoseconds))
        guard lifetime > .zero else {
            throw .badResponse("the metadata service gave keys that expired already (expires_at \(expires.escapedForLog()))")
        }
        let expiresAt = Date(timeIntervalSince1970: Double(end.seconds) + Double(end.nanoseconds) / 1e9)
        return Issued(value: AccessKeys(accessKey: access, secretKey: secret, securityToken: token, expiresAt: expiresAt),
                      lifetime: lifetime)
    }
}
