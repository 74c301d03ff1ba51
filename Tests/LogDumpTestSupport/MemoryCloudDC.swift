import Foundation
import LogDump

/// An in-memory CloudDC for the core's tests: servers listed in pages, and per server a
/// script of the statuses its export goes through (one per call: the request's answer,
/// then each status call's; the last one repeats). Records how many exports were being
/// followed at once.
public final class MemoryCloudDC: CloudDCAPI, @unchecked Sendable {
    /// One answer of the script: `status` as the server sends it; "completed" completes,
    /// "failed" fails with `message`, anything else is running.
    public struct Step: Sendable {
        public var status: String
        public var percentage: Int?
        public var message: String

        public init(_ status: String, _ percentage: Int? = nil, message: String = "") {
            self.status = status
            self.percentage = percentage
            self.message = message
        }
    }

    private let lock = NSLock()
    private var servers: [ServerInfo]
    private var scripts: [String: [Step]] = [:]
    private var refusals: [String: RemoteError] = [:]
    private var calls: [String: Int] = [:]
    private var active: Set<String> = []
    private var exportCount = 0
    /// The most exports between their request and a final answer at any one time.
    public private(set) var maxActive = 0
    /// How long each call takes, to let concurrency show.
    public var callDelay: Duration = .zero
    /// Every export's creation time.
    public let createdAt = Timestamp(seconds: 1_796_000_000)

    public init(servers: [ServerInfo] = []) { self.servers = servers }

    /// The statuses `server`'s export goes through.
    public func script(_ server: String, _ steps: [Step]) {
        lock.withLock { scripts[server] = steps }
    }

    /// Makes the export request for `server` fail with `error`.
    public func refuse(_ server: String, with error: RemoteError) {
        lock.withLock { refusals[server] = error }
    }

    public var maxActiveSeen: Int { lock.withLock { maxActive } }

    public func listServers(project: String, marker: String?, limit: Int, manageState: String?) throws(RemoteError) -> ServerPage {
        lock.withLock {
            let start = marker.flatMap { marker in servers.firstIndex { $0.id == marker }.map { $0 + 1 } } ?? 0
            let page = Array(servers[start..<min(servers.count, start + limit)])
            let more = start + limit < servers.count
            return ServerPage(servers: page, nextMarker: more ? page.last?.id : nil, count: servers.count)
        }
    }

    public func requestExport(project: String, server: String) throws(RemoteError) -> ExportProgress {
        sleepFor(callDelay)
        lock.lock()
        defer { lock.unlock() }
        if let error = refusals[server] { throw error }
        exportCount += 1
        return answer(server, exportID: "exp-\(server)-\(exportCount)")
    }

    public func exportStatus(project: String, server: String, export: String) throws(RemoteError) -> ExportProgress {
        sleepFor(callDelay)
        return lock.withLock { answer(server, exportID: export) }
    }

    /// The next step of the server's script; call with the lock held.
    private func answer(_ server: String, exportID: String) -> ExportProgress {
        let steps = scripts[server] ?? [Step("completed", 100)]
        let call = calls[server, default: 0]
        calls[server] = call + 1
        let step = steps[min(call, steps.count - 1)]
        let phase: ExportProgress.Phase = switch step.status {
        case "completed": .completed
        case "failed": .failed(step.message)
        default: .running
        }
        if phase == .running { active.insert(server) } else { active.remove(server) }
        maxActive = max(maxActive, active.count)
        return ExportProgress(exportID: exportID, status: step.status, phase: phase, percentage: step.percentage,
                              createdAt: createdAt)
    }
}
