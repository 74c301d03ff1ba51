#if canImport(Glibc)
import Glibc
#endif

/// Why a download failed. Messages never contain the token.
public enum RemoteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server answered with an error status; `code`/`message` come from its JSON body.
    case http(status: Int, code: String?, message: String?)
    /// No answer: DNS, connect, TLS, reset.
    case network(String)
    /// No bytes for too long, or a probe's deadline passed.
    case timedOut(String)
    /// An answer that breaks the protocol: wrong range, body shorter than promised.
    case badResponse(String)
    /// No token to send: its file, command or identity service failed (the message says
    /// which and why, never the token or a password).
    case tokenUnavailable(String)

    /// 401/403 and no token -> EACCES, 404 -> ENOENT; everything else (429, 5xx, network) -> EIO.
    public var errno: Errno {
        switch self {
        case .http(let status, _, _) where status == 401 || status == 403: return .accessDenied
        case .tokenUnavailable: return .accessDenied
        case .http(404, _, _): return .noEntry
        default: return .io
        }
    }

    /// 416: the range starts at or past the end of the export.
    public var isRangeNotSatisfiable: Bool {
        if case .http(416, _, _) = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .http(let status, let code, let message):
            var text = "HTTP \(status)"
            if let code { text += " \(code)" }
            if let message { text += ": \(message)" }
            return text
        case .network(let why): return "network error: \(why)"
        case .timedOut(let why): return "timed out: \(why)"
        case .badResponse(let why): return "bad response: \(why)"
        case .tokenUnavailable(let why): return "no token: \(why)"
        }
    }
}
