/// A server whose logs are exported: its ID, and its name when the listing gave one.
public struct ExportTarget: Sendable, Hashable {
    public let serverID: String
    public let serverName: String?

    public init(serverID: String, serverName: String? = nil) {
        self.serverID = serverID
        self.serverName = serverName
    }
}

/// Where one server's export has got to, as `ExportFollower` reports it.
public struct FollowedExport: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        /// Not requested yet: waiting for a free slot.
        case waiting
        /// Requested, not finished (an unknown status counts as running).
        case running
        /// Completed, and kept (the follower's `keep` returned without error).
        case completed
        /// The request, a status call or keeping it failed; or the server failed it.
        case failed(String)
        /// Still running when the timeout passed.
        case timedOut
        /// Still running, or not requested, when following was cancelled (Ctrl-C).
        case interrupted

        /// Whether following it is over.
        public var isFinal: Bool {
            switch self {
            case .waiting, .running: false
            case .completed, .failed, .timedOut, .interrupted: true
            }
        }
    }

    public let target: ExportTarget
    public var outcome: Outcome = .waiting
    /// The latest answer about the export, once it was requested.
    public var progress: ExportProgress?
    /// When it was requested and when following it ended, for the elapsed time.
    public var startedAt: MonotonicInstant?
    public var endedAt: MonotonicInstant?

    public init(target: ExportTarget) { self.target = target }

    public var exportID: String? { progress?.exportID }

    /// Time since the request, until `now` or the end.
    public func elapsed(at now: MonotonicInstant) -> Duration {
        guard let startedAt else { return .zero }
        let end = endedAt ?? now
        return .nanoseconds(Int64(end.nanoseconds &- min(startedAt.nanoseconds, end.nanoseconds)))
    }
}
