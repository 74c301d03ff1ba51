/// Where the X-Auth-Token comes from, and how a new one is had when the server rejects
/// it: a backup that runs for hours outlives a token (24 h), and must not fail a read or
/// need a remount for that.
public protocol TokenSource: Sendable {
    /// The token to send now. Never log it.
    func currentToken() throws(RemoteError) -> String

    /// The token to replay with after the server answered 401 to `rejected`. Concurrent
    /// callers share one renewal: whoever finds `rejected` already replaced just gets the
    /// current token. An answer equal to `rejected` means there is nothing newer: the 401
    /// stands. Blocks while renewing: call it from a plain thread, never a Task.
    func renewed(after rejected: String) throws(RemoteError) -> String
}

/// A token given once at start (LOGDUMPFS_TOKEN). It cannot be renewed.
public struct StaticToken: TokenSource {
    private let token: String
    public init(_ token: String) { self.token = token }
    public func currentToken() throws(RemoteError) -> String { token }
    public func renewed(after rejected: String) throws(RemoteError) -> String { token }
}

/// What may be sent as a token: one line without control characters once surrounding
/// whitespace is trimmed. Anything else could split the X-Auth-Token header, so it is
/// refused; the reason names the problem, never the text.
enum TokenText {
    static func clean(_ bytes: some Sequence<UInt8>) -> Result<String, TokenTextProblem> {
        var trimmed = Array(bytes)[...]
        let isSpace = { (byte: UInt8) in byte == 0x20 || (0x09...0x0D).contains(byte) }
        while let first = trimmed.first, isSpace(first) { trimmed.removeFirst() }
        while let last = trimmed.last, isSpace(last) { trimmed.removeLast() }
        guard !trimmed.isEmpty else { return .failure(.empty) }
        guard trimmed.allSatisfy({ $0 >= 0x20 && $0 != 0x7F }) else { return .failure(.notOneLine) }
        return .success(String(decoding: trimmed, as: UTF8.self))
    }
}

enum TokenTextProblem: Error, CustomStringConvertible {
    case empty, notOneLine
    var description: String {
        switch self {
        case .empty: "is empty"
        case .notOneLine: "holds more than one line or control characters"
        }
    }
}
