/// Where the X-Auth-Token comes from. A protocol so that renewal (token files that
/// change, token commands, IAM) can arrive without touching the fetch path.
public protocol TokenSource: Sendable {
    /// The token to send now. Never log it.
    func currentToken() throws(RemoteError) -> String
}

/// A token read once at start (from --token-file or LOGDUMPFS_TOKEN).
public struct StaticToken: TokenSource {
    private let token: String
    public init(_ token: String) { self.token = token }
    public func currentToken() throws(RemoteError) -> String { token }
}
