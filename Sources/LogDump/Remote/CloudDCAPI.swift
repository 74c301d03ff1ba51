/// CloudDC's calls besides downloads (API.md, "Sibling calls"): list a project's servers,
/// request a server's log export and follow it. Calls block the calling thread: make them
/// from a thread of your own, never from Swift's cooperative pool.
public protocol CloudDCAPI: Sendable {
    /// One page of the project's servers after `marker` (the last id of the previous page;
    /// nil for the first), at most `limit` (10...1000), optionally only those in `manageState`.
    func listServers(project: String, marker: String?, limit: Int, manageState: String?) throws(RemoteError) -> ServerPage
    /// Asks for a new export of the server's logs.
    func requestExport(project: String, server: String) throws(RemoteError) -> ExportProgress
    /// Where a requested export has got to.
    func exportStatus(project: String, server: String, export: String) throws(RemoteError) -> ExportProgress
}

/// A physical server as the listing shows it.
public struct ServerInfo: Sendable, Equatable {
    public var id: String
    public var name: String?
    public var manageState: String?
    public var powerState: String?
    public var healthState: String?

    public init(id: String, name: String? = nil, manageState: String? = nil, powerState: String? = nil,
                healthState: String? = nil) {
        self.id = id
        self.name = name
        self.manageState = manageState
        self.powerState = powerState
        self.healthState = healthState
    }
}

/// One page of a server listing.
public struct ServerPage: Sendable, Equatable {
    public var servers: [ServerInfo]
    /// The marker of the next page; nil on the last one.
    public var nextMarker: String?
    /// How many servers the project has in all, when the answer says.
    public var count: Int?

    public init(servers: [ServerInfo], nextMarker: String?, count: Int?) {
        self.servers = servers
        self.nextMarker = nextMarker
        self.count = count
    }
}

/// A requested export and where it has got to.
public struct ExportProgress: Sendable, Equatable {
    public enum Phase: Sendable, Equatable {
        /// Still being made; also any status this client does not know.
        case running
        case completed
        /// The server gave up on it; the message says why, as the server put it.
        case failed(String)
    }

    public var exportID: String
    /// The server's `status`, as sent: "processing", "completed", ...
    public var status: String
    public var phase: Phase
    /// 0...100, from an integer or a string like "30%"; nil when absent or unreadable.
    public var percentage: Int?
    public var createdAt: Timestamp?

    public init(exportID: String, status: String, phase: Phase, percentage: Int?, createdAt: Timestamp?) {
        self.exportID = exportID
        self.status = status
        self.phase = phase
        self.percentage = percentage
        self.createdAt = createdAt
    }
}
