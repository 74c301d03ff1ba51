/// One request as its credentials see it: what a signature covers. Made anew for every
/// attempt, so a signature is never older than its request.
public struct OutgoingRequest: Sendable, Equatable {
    /// "GET" or "POST", upper case.
    public var method: String
    /// The whole URL as sent: scheme, host, optional port, percent-encoded path and query.
    public var url: String
    /// The project the request is for (its path's `{project_id}`): `X-Project-Id`.
    public var projectID: String?
    /// The body as sent; empty for GET.
    public var body: [UInt8]

    public init(method: String, url: String, projectID: String? = nil, body: [UInt8] = []) {
        (self.method, self.url, self.projectID, self.body) = (method, url, projectID, body)
    }
}

/// The headers that authenticate one request, and what in them must never reach a log.
public struct RequestAuthorization: Sendable, Equatable {
    /// Header lines, "Name: value", ready for the request.
    public var headers: [String]
    /// Values to take out of any server text before it is shown (a token, a security
    /// token): a server that echoes a request header must not leak it.
    public var secrets: [String]
    /// Which credential made these headers: equal for the same token or key pair, so a
    /// renewal can tell whether anything newer exists. May be the token itself: never shown.
    public var credential: String

    public init(headers: [String], secrets: [String], credential: String) {
        (self.headers, self.secrets, self.credential) = (headers, secrets, credential)
    }
}

/// What the server said when it refused a request with 401: enough to tell a stale
/// credential from a clock far from the server's.
public struct Rejection: Sendable {
    public var error: RemoteError
    /// The answer's `Date` header, as sent.
    public var serverDate: String?

    public init(error: RemoteError, serverDate: String?) {
        (self.error, self.serverDate) = (error, serverDate)
    }
}

/// How every request to CloudDC is authenticated: a token (`X-Auth-Token`) or an AK/SK
/// signature. Downloads, export requests, status polls and listings all go through one.
public protocol RequestAuthorizer: Sendable {
    /// Headers for `request`, made now. Blocks while a credential is first fetched: call it
    /// from a plain thread, never a Task.
    func authorize(_ request: OutgoingRequest) throws(RemoteError) -> RequestAuthorization

    /// After the server answered 401 to a request authorised with `rejected`: true when a
    /// newer credential now exists to replay with (concurrent callers share one renewal),
    /// false when the 401 stands. Logs what it learns from `rejection` (a skewed clock)
    /// once, never a secret.
    func renew(after rejected: RequestAuthorization, _ rejection: Rejection) throws(RemoteError) -> Bool

    /// What every request carries that an eavesdropper could use, for the warning about
    /// plain-HTTP endpoints ("the X-Auth-Token").
    var carries: String { get }
}

/// A TokenSource as a RequestAuthorizer: `X-Auth-Token`, renewed through the source.
public struct TokenAuthorizer: RequestAuthorizer {
    public let source: any TokenSource

    public init(_ source: any TokenSource) { self.source = source }

    public var carries: String { "the X-Auth-Token" }

    public func authorize(_ request: OutgoingRequest) throws(RemoteError) -> RequestAuthorization {
        let token = try source.currentToken()
        return RequestAuthorization(headers: ["X-Auth-Token: \(token)"], secrets: [token], credential: token)
    }

    public func renew(after rejected: RequestAuthorization, _ rejection: Rejection) throws(RemoteError) -> Bool {
        try source.renewed(after: rejected.credential) != rejected.credential
    }
}
