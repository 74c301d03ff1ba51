#if canImport(Glibc)
import Glibc
#endif

/// The token in a file that something else keeps fresh (a cron job, a sidecar): read at
/// start, read again when the file changes (a stat at most once per `checkInterval` on
/// the request path) and after every 401. A file caught empty or missing in the middle of
/// a rewrite is no reason to fail reads: the last good token stays, with one warning.
public final class FileToken: TokenSource {
    public let path: String
    private let checkInterval: Duration
    private let state: SingleFlight<State>

    private struct State: Sendable {
        var token: String
        /// What the file looked like when last read: nil while it was missing.
        var seen: FileIdentity?
        var nextCheck: MonotonicInstant
        /// The file has been unusable since the last good read, and the log said so.
        var warned = false
    }

    /// Reads the file; a missing, unreadable or empty file is an error naming it.
    public init(path: String, checkInterval: Duration = .seconds(1)) throws(RemoteError) {
        self.path = path
        self.checkInterval = checkInterval
        let seen = FileIdentity(path: path)
        let token: String
        switch Self.read(path) {
        case .success(let text): token = text
        case .failure(let why): throw .tokenUnavailable("token file \(path.escapedForLog()) \(why)")
        }
        state = SingleFlight(State(token: token, seen: seen,
                                   nextCheck: MonotonicInstant.now().advanced(by: checkInterval)))
    }

    public func currentToken() throws(RemoteError) -> String {
        let now = MonotonicInstant.now()
        return try state.refresh(waiting: false, when: { now >= $0.nextCheck }) { old in
            var checked = old
            checked.nextCheck = now.advanced(by: checkInterval)
            let seen = FileIdentity(path: path)
            return seen == old.seen ? checked : reload(checked, seen: seen)
        }.token
    }

    public func renewed(after rejected: String) throws(RemoteError) -> String {
        try state.refresh(when: { $0.token == rejected }) { old in
            reload(old, seen: FileIdentity(path: path))
        }.token
    }

    /// The state after reading the file: its token, or the last good one and a warning.
    private func reload(_ old: State, seen: FileIdentity?) -> State {
        var new = old
        new.seen = seen
        switch Self.read(path) {
        case .success(let token):
            if old.warned { Log.info("token file \(path.escapedForLog()) is usable again") }
            new.token = token
            new.warned = false
        case .failure(let why):
            if !old.warned { Log.warning("token file \(path.escapedForLog()) \(why); the last token read stays in use") }
            new.warned = true
        }
        return new
    }

    /// The file's trimmed token, or why there is none (never its content).
    private static func read(_ path: String) -> Result<String, FileTokenProblem> {
        switch Files.read(path, limit: 64 << 10) {
        case .failure(let error) where error == .invalid: return .failure(.tooLarge)
        case .failure(let error): return .failure(.unreadable(error))
        case .success(let bytes): return TokenText.clean(bytes).mapError(FileTokenProblem.text)
        }
    }
}

private enum FileTokenProblem: Error, CustomStringConvertible {
    case unreadable(Errno), tooLarge, text(TokenTextProblem)
    var description: String {
        switch self {
        case .unreadable(let error): "cannot be read: \(error)"
        case .tooLarge: "is too large for a token (over 64 KiB)"
        case .text(let problem): "\(problem)"
        }
    }
}

/// What tells one version of a file from the next without reading it: a rename gives a
/// new inode, a rewrite in place a new size or modification time.
struct FileIdentity: Equatable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modified: Timestamp
    var changed: Timestamp

    /// stat(2) of `path`; nil when it does not exist or cannot be looked at.
    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modified = Timestamp(seconds: Int64(info.st_mtim.tv_sec), nanoseconds: Int32(info.st_mtim.tv_nsec))
        changed = Timestamp(seconds: Int64(info.st_ctim.tv_sec), nanoseconds: Int32(info.st_ctim.tv_nsec))
    }
}
