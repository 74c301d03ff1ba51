#if canImport(Glibc)
import Glibc
#endif

/// Why a download failed. Messages never contain the token.
public enum RemoteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server answered with an error status; `code`/`message` come from its JSON body,
    /// `retryAfter` from its Retry-After header (429, 503), already turned into a wait.
    case http(status: Int, code: String?, message: String?, retryAfter: Duration? = nil)
    /// No answer: DNS, connect, TLS, reset.
    case network(String)
    /// No bytes for too long, or a probe's deadline passed.
    case timedOut(String)
    /// The body stopped before the bytes its head promised (`promised` nil: the server did
    /// not say how many, but the connection broke mid-body). Worth resuming.
    case bodyEndedEarly(received: UInt64, promised: UInt64?)
    /// An answer that breaks the protocol: a wrong range, a 206 without Content-Range.
    case badResponse(String)
    /// The server's answer says or shows a size other than the one the manifest promised
    /// (`server`: "54 bytes", "more than 1048576 bytes"; `answer`: its status and
    /// Content-Type). Not retried: the server stands by its size.
    case sizeMismatch(promised: UInt64, server: String, answer: String)
    /// A later answer carried another version of the export than bytes already delivered:
    /// the two cannot be stitched together.
    case exportChanged(String)
    /// No token to send: its file, command or identity service failed (the message says
    /// which and why, never the token or a password).
    case tokenUnavailable(String)
    /// The server's certificate cannot be verified (unknown CA, wrong name, expired): no
    /// retry cures that, the operator must (the message names the endpoint and --ca-file).
    case tls(String)

    /// 401/403 and no token -> EACCES, 404 -> ENOENT, a changed export -> ESTALE;
    /// everything else (429, 5xx, network) -> EIO.
    public var errno: Errno {
        if case .tokenUnavailable = self { return .accessDenied }
        // As for a file open while its export changed: its bytes so far may be old ones.
        if case .exportChanged = self { return .stale }
        switch status {
        case 401?, 403?: return .accessDenied
        case 404?: return .noEntry
        default: return .io
        }
    }

    /// The HTTP status of an error answer; nil when there was no answer to speak of.
    public var status: Int? {
        if case .http(let status, _, _, _) = self { return status }
        return nil
    }

    /// How long the server asked us to wait before trying again, if it said.
    public var retryAfter: Duration? {
        if case .http(_, _, _, let retryAfter) = self { return retryAfter }
        return nil
    }

    /// 416: the range starts at or past the end of the export.
    public var isRangeNotSatisfiable: Bool { status == 416 }

    public var description: String {
        switch self {
        case .http(let status, let code, let message, let retryAfter):
            var text = "HTTP \(status)"
            if let code { text += " \(code)" }
            if let message { text += ": \(message)" }
            if let retryAfter { text += " (retry after \(retryAfter.secondsText))" }
            return text
        case .network(let why): return "network error: \(why)"
        case .timedOut(let why): return "timed out: \(why)"
        case .bodyEndedEarly(let received, let promised?):
            return "body ended early, after \(received) of \(promised) bytes"
        case .bodyEndedEarly(let received, nil): return "body ended early, after \(received) bytes"
        case .badResponse(let why): return "bad response: \(why)"
        case .exportChanged(let why): return "export changed on the server mid-transfer: \(why)"
        case .sizeMismatch(let promised, let server, let answer):
            return "the server's answer (\(answer)) gives the export \(server), the manifest \(promised) bytes: refusing a file of the wrong size"
        case .tokenUnavailable(let why): return "no token: \(why)"
        case .tls(let why): return "TLS failed: \(why)"
        }
    }
}

extension Duration {
    /// `1.5 s`: seconds with a tenth, for log lines and messages.
    public var secondsText: String {
        let (seconds, attoseconds) = components
        let tenths = (seconds * 10 + attoseconds / 100_000_000_000_000_000)
        return "\(tenths / 10).\(abs(tenths % 10)) s"
    }
}
