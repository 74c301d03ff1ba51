/// An export requested through `POST .../logs/exports`: it advances with the wall clock
/// from its request until `seconds` have passed, then is completed (or failed).
struct ExportJob: Sendable {
    var project: String
    var server: String
    var id: String
    var requested: WallClock
    var seconds: Double
    var fails: Bool
    var percentageStyle: FleetConfig.PercentageStyle
    var payloadBytes: Int

    /// Where the job has got to at `now`.
    func progress(at now: WallClock) -> ExportJobProgress {
        let elapsed = Double(now.microseconds - requested.microseconds) / 1_000_000
        guard elapsed < seconds else { return fails ? .failed(percentage: 50) : .completed }
        return .processing(percentage: min(99, max(0, Int(elapsed / seconds * 100))))
    }

    /// The answer of both export calls: `{"export_id", "status", "percentage", "created_at"}`,
    /// plus `error_msg` once failed.
    func json(_ progress: ExportJobProgress) -> String {
        let (status, percentage): (String, Int)
        var extra = ""
        switch progress {
        case .processing(let p): (status, percentage) = ("processing", p)
        case .completed: (status, percentage) = ("completed", 100)
        case .failed(let p):
            (status, percentage) = ("failed", p)
            extra = #", "error_msg": "collecting the logs of server \#(server) failed: BMC did not answer""#
        }
        let shown = percentageStyle == .string ? "\"\(percentage)%\"" : String(percentage)
        return #"{"export_id": \#(jsonQuoted(id)), "status": "\#(status)", "percentage": \#(shown), "#
            + #""created_at": "\#(createdAt)"\#(extra)}"#
    }

    /// ISO 8601 with a numeric zone, as API.md shows: `2025-03-20T02:48:06+00:00`.
    var createdAt: String { formatUTC(Int(requested.microseconds / 1_000_000), "%Y-%m-%dT%H:%M:%S+00:00") }

    /// The archive a completed job leaves under the emulator's root.
    var sample: SampleExportSpec {
        SampleExportSpec(projectID: project, serverID: server, exportID: id, payloadBytes: payloadBytes,
                         createdAt: formatUTC(Int(requested.microseconds / 1_000_000), "%Y-%m-%dT%H:%M:%SZ"))
    }
}

enum ExportJobProgress: Equatable {
    case processing(percentage: Int)
    case completed
    case failed(percentage: Int)
}

/// Every export requested since the emulator was made, by project, server and id.
struct ExportJobs: Sendable {
    private var jobs: [String: ExportJob] = [:]
    /// Ids of jobs whose archive is on disk.
    private var written: Set<String> = []
    private var issued = 0

    /// A new job under the fleet's settings in force now.
    mutating func start(project: String, server: String, fleet: FleetConfig, at now: WallClock) -> ExportJob {
        issued += 1
        let serial = String(issued, radix: 16)
        let id = formatUTC(Int(now.microseconds / 1_000_000), "%Y%m%d%H%M%S") + "-e"
            + String(repeating: "0", count: max(0, 4 - serial.count)) + serial
        let job = ExportJob(project: project, server: server, id: id, requested: now, seconds: fleet.exportSeconds,
                            fails: fleet.failExports, percentageStyle: fleet.percentageStyle,
                            payloadBytes: fleet.exportPayloadBytes)
        jobs[Self.key(project, server, id)] = job
        return job
    }

    func job(project: String, server: String, id: String) -> ExportJob? { jobs[Self.key(project, server, id)] }

    func isWritten(_ job: ExportJob) -> Bool { written.contains(Self.key(job.project, job.server, job.id)) }

    mutating func markWritten(_ job: ExportJob) { written.insert(Self.key(job.project, job.server, job.id)) }

    private static func key(_ project: String, _ server: String, _ id: String) -> String {
        "\(project)/\(server)/\(id)"
    }
}
