import NIOCore
import NIOHTTP1

/// The check every API route (downloads, server listing, export request and status) makes:
/// a valid `X-Auth-Token`, or a valid SDK-HMAC-SHA256 signature (only the latter when the
/// signing config requires signatures). A refusal is a 401 in the API gateway's words,
/// naming what is wrong, so a client can tell a wrong key from a skewed clock.
struct RequestAuth: Sendable {
    let state: EmulatorState

    /// nil: the request may go on; otherwise the answer that refuses it.
    func refusal(_ head: HTTPRequestHead, body: ByteBuffer) -> ContentResponse? {
        let (config, now) = state.accessKeys.withLock { ($0.config, $0.now) }
        if let authorization = head.headers["Authorization"].first {
            return refusal(signed: authorization, head, body: body, maxSkew: config.maxSkewSeconds, now: now)
        }
        if config.requiresSignature {
            return Self.iam("Authorization header not found: this API takes AK/SK-signed requests only "
                            + "(\(SDKSigning.algorithm)); X-Auth-Token is not accepted")
        }
        switch state.tokens.withLock({ $0.check(head.headers["X-Auth-Token"].first, at: .now()) }) {
        case .valid: return nil
        case .expired: return .tokenExpired
        case .unknown: return .unauthorized
        }
    }

    private func refusal(signed authorization: String, _ head: HTTPRequestHead, body: ByteBuffer,
                         maxSkew: Int, now: WallClock) -> ContentResponse? {
        let signed: AuthorizationValue
        switch AuthorizationValue.parse(authorization) {
        case let .success(value): signed = value
        case let .failure(problem): return Self.iam("Authorization header malformed: \(problem.description)")
        }
        let header = { (name: String) -> String? in
            let values = head.headers[name]
            return values.isEmpty ? nil : values.joined(separator: ",")
        }
        for required in ["host", "x-sdk-date"] + (header("x-security-token") != nil ? ["x-security-token"] : [])
        where !signed.signedHeaders.contains(required) {
            return Self.iam("signed header \(required) not found in SignedHeaders \(signed.signedHeaders.joined(separator: ";"))")
        }
        if let absent = signed.signedHeaders.first(where: { header($0) == nil }) {
            return Self.iam("signed header \(absent) not found in the request")
        }
        let date = header("x-sdk-date") ?? ""
        guard let signedAt = WallClock(sdkDate: date) else {
            return Self.iam("X-Sdk-Date \(jsonQuoted(date)) is not in the form YYYYMMDDTHHMMSSZ")
        }
        if abs(signedAt.microseconds - now.microseconds) > Int64(maxSkew) * 1_000_000 {
            return .error(.unauthorized, code: "APIGW.0303", message: "Incorrect app authentication information: "
                          + "signature expired, signature time:\(date),server time:\(now.sdkDate) "
                          + "(X-Sdk-Date may be at most \(maxSkew) seconds from the server's clock)")
        }
        let secret: String
        switch state.accessKeys.withLock({ $0.lookup(signed.access) }) {
        case .unknown:
            return Self.iam("Get secretKey failed,ak:\(signed.access),err:ak not exist")
        case let .permanent(sk):
            secret = sk
        case let .temporary(key):
            if !(now < key.expiry) {
                return Self.iam("the temporary access key \(key.access) expired at \(key.expiry.iamTimestamp)")
            }
            guard let token = header("x-security-token") else {
                return Self.iam("x-security-token not found: the temporary access key \(key.access) needs its security token")
            }
            guard SDKSigning.constantTimeEqual(token, key.securityToken) else {
                return Self.iam("x-security-token does not belong to the temporary access key \(key.access)")
            }
            secret = key.secret
        }
        let canonical = SDKSigning.canonicalRequest(method: head.method.rawValue, uri: head.uri,
                                                    signedHeaders: signed.signedHeaders, header: header,
                                                    body: Array(body.readableBytesView))
        let expected = SDKSigning.signature(secretKey: secret, stringToSign: SDKSigning.stringToSign(canonical, date: date))
        if SDKSigning.constantTimeEqual(expected, signed.signature) { return nil }
        return Self.iam("verify aksk signature fail, canonicalRequest:" + Self.shown(canonical))
    }

    /// The canonical request on one line, as the gateway shows it (`|` for each newline),
    /// without the security token's value.
    private static func shown(_ canonical: String) -> String {
        canonical.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix("x-security-token:") ? "x-security-token:******" : String(line)
        }.joined(separator: "|")
    }

    /// APIGW.0301: what the gateway answers when IAM authentication fails.
    static func iam(_ detail: String) -> ContentResponse {
        .error(.unauthorized, code: "APIGW.0301", message: "Incorrect IAM authentication information: \(detail)")
    }
}

/// `SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex`.
struct AuthorizationValue: Equatable, Sendable {
    struct Problem: Error, CustomStringConvertible { let description: String }

    var access: String
    var signedHeaders: [String]
    var signature: String

    static func parse(_ value: String) -> Result<AuthorizationValue, Problem> {
        let prefix = SDKSigning.algorithm + " "
        guard value.hasPrefix(prefix) else {
            return .failure(Problem(description: "it does not start with \(jsonQuoted(prefix))"))
        }
        var fields: [String: String] = [:]
        for part in value.dropFirst(prefix.count).split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1)
            let name = kv.first.map { $0.trimmingSpaces } ?? ""
            guard kv.count == 2, fields[name] == nil else {
                return .failure(Problem(description: "\(jsonQuoted(String(part))) is not NAME=VALUE"))
            }
            fields[name] = kv[1].trimmingSpaces
        }
        guard let access = fields["Access"], let headers = fields["SignedHeaders"], let signature = fields["Signature"],
              !access.isEmpty, !headers.isEmpty, !signature.isEmpty
        else { return .failure(Problem(description: "it needs Access, SignedHeaders and Signature")) }
        return .success(AuthorizationValue(access: access, signedHeaders: headers.split(separator: ";").map(String.init),
                                           signature: signature))
    }
}

extension StringProtocol {
    fileprivate var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
