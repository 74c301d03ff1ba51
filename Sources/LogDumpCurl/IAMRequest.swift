#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import LogDump

/// Who logs in to Huawei IAM, and where. Its description leaves the password out, so the
/// value may be logged or put in an error whole.
public struct IAMCredentials: Sendable, CustomStringConvertible {
    /// The identity service, e.g. https://iam.cn-east-3.myhuaweicloud.com.
    public var endpoint: Endpoint
    public var user: String
    public var domain: String
    /// The project the token is scoped to, by name (for CloudDC, the region's name).
    public var project: String
    public var password: String

    public init(endpoint: Endpoint, user: String, domain: String, project: String, password: String) {
        self.endpoint = endpoint
        self.user = user
        self.domain = domain
        self.project = project
        self.password = password
    }

    public var description: String {
        "IAM user \"\(user)\" of domain \"\(domain)\", project \"\(project)\" at \(endpoint)"
    }
}

/// `POST /v3/auth/tokens` with password authentication, and what its answer means.
struct IAMRequest {
    static let path = "/v3/auth/tokens"
    static let headers = ["Content-Type: application/json;charset=utf8", "Accept: application/json"]

    let url: String
    /// The JSON body; it holds the password, so it goes to curl and nowhere else.
    let body: String

    init(_ credentials: IAMCredentials) {
        url = credentials.endpoint.url + Self.path
        let auth = Body(auth: .init(
            identity: .init(methods: ["password"], password: .init(user: .init(
                name: credentials.user, password: credentials.password, domain: .init(name: credentials.domain)))),
            scope: .init(project: .init(name: credentials.project))))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding strings into a fixed shape cannot fail.
        body = String(decoding: (try? encoder.encode(auth)) ?? Data(), as: UTF8.self)
    }

    /// The token of a 201 (the X-Subject-Token header) and its lifetime (the body's
    /// token.expires_at, less issued_at when given, else less the time now). Any other
    /// status is .http with IAM's error_code and error_msg (without the password, should
    /// IAM echo it).
    func token(from answer: CurlExchange.Answer, now: Timestamp, password: String) throws(RemoteError) -> IssuedToken {
        guard answer.status == 201 else {
            let error = ErrorBody(status: answer.status, body: answer.body, redacting: [password])
            throw .http(status: answer.status, code: error.code, message: error.message)
        }
        guard let token = answer.headers["x-subject-token"], !token.isEmpty else {
            throw .badResponse("IAM answered 201 without an X-Subject-Token header")
        }
        guard let times = try? JSONDecoder().decode(Answer.self, from: Data(answer.body)).token else {
            throw .badResponse("IAM answered 201 without token.expires_at in its body")
        }
        guard let expires = Timestamp.parseRFC3339(times.expires_at) else {
            throw .badResponse("IAM's expires_at \(times.expires_at.quotedForLog(limit: 64)) is not an RFC 3339 time")
        }
        let issued = times.issued_at.flatMap(Timestamp.parseRFC3339) ?? now
        let lifetime = expires.since(issued)
        guard lifetime > .zero else {
            throw .badResponse("IAM issued a token that has already expired (expires_at \(times.expires_at.escapedForLog()))")
        }
        return IssuedToken(value: token, lifetime: lifetime)
    }

    /// {"auth":{"identity":{"methods":["password"],"password":{"user":{"name","password",
    /// "domain":{"name"}}}},"scope":{"project":{"name"}}}}
    private struct Body: Encodable {
        struct Named: Encodable { var name: String }
        struct User: Encodable { var name: String; var password: String; var domain: Named }
        struct Password: Encodable { var user: User }
        struct Identity: Encodable { var methods: [String]; var password: Password }
        struct Scope: Encodable { var project: Named }
        struct Auth: Encodable { var identity: Identity; var scope: Scope }
        var auth: Auth
    }

    /// {"token":{"expires_at","issued_at",...}}: the rest is not needed.
    private struct Answer: Decodable {
        struct Times: Decodable { var expires_at: String; var issued_at: String? }
        var token: Times
    }
}

extension Timestamp {
    /// The time from `earlier` to this one.
    func since(_ earlier: Timestamp) -> Duration {
        .seconds(seconds - earlier.seconds) + .nanoseconds(Int64(nanoseconds) - Int64(earlier.nanoseconds))
    }
}
