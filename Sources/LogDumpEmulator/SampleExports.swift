import Foundation

/// One export to create: where it goes, how large its incompressible payload is, and
/// when the manifest says it was made.
public struct SampleExportSpec: Sendable, Equatable {
    public var projectID: String
    public var serverID: String
    public var exportID: String
    /// Adds a pseudo-random file of about this many bytes, so the archive is that large.
    public var payloadBytes: Int
    /// ISO 8601, e.g. `2026-11-01T08:00:00Z`; the log lines lead up to it.
    public var createdAt: String

    public init(projectID: String, serverID: String, exportID: String,
                payloadBytes: Int = 0, createdAt: String = "2026-11-01T08:00:00Z") {
        self.projectID = projectID
        self.serverID = serverID
        self.exportID = exportID
        self.payloadBytes = payloadBytes
        self.createdAt = createdAt
    }
}

/// An archive `SampleExports.write` made.
public struct SampleExport: Sendable, Equatable {
    public let spec: SampleExportSpec
    /// `<root>/<project_id>/<server_id>/<export_id>.tar.gz`.
    public let path: String
    public let size: Int
    /// Hex SHA-256 of the archive, when `sha256sum` is available; nil otherwise.
    public let sha256: String?
}

/// Real `.tar.gz` exports for tests and the demo, made by `/bin/tar` so that tools
/// reading the mounted file see exactly what they would see from a real server.
public enum SampleExports {
    public enum Failure: Error, CustomStringConvertible {
        case toolFailed(String, status: Int32)
        public var description: String {
            switch self {
            case let .toolFailed(tool, status): "\(tool) exited with status \(status)"
            }
        }
    }

    /// Writes each spec's archive under `root` (replacing any there) and returns them in
    /// order. The contents depend only on the spec, so reruns give the same log lines.
    public static func write(_ specs: [SampleExportSpec], into root: String) throws -> [SampleExport] {
        try specs.map { try write($0, into: root) }
    }

    /// Two projects, three servers, five exports from a few KiB to about 4 MiB.
    public static var demo: [SampleExportSpec] {
        let projectA = "0b6d1e1d3f8a4c2e9a7b5c3d1e2f4a6b", projectB = "5f2c8e7a1b3d4f6e8a0c2e4f6a8b0c2d"
        let server1 = "c3a1e9f2-5b7d-4e8a-9f10-2b3c4d5e6f70"
        let server2 = "7e4f2a91-0c6b-4d3e-8a25-9b1f0e7d6c54"
        let server3 = "1d9b7c5e-3a2f-4b8c-9e6d-5f4a3b2c1d0e"
        return [
            .init(projectID: projectA, serverID: server1, exportID: "20261101080000-4f1a",
                  createdAt: "2026-11-01T08:00:00Z"),
            .init(projectID: projectA, serverID: server1, exportID: "20261103141500-9c2e",
                  payloadBytes: 1 << 20, createdAt: "2026-11-03T14:15:00Z"),
            .init(projectID: projectA, serverID: server2, exportID: "20261102093000-17b8",
                  payloadBytes: 256 << 10, createdAt: "2026-11-02T09:30:00Z"),
            .init(projectID: projectB, serverID: server3, exportID: "20261104220500-e03d",
                  payloadBytes: 4 << 20, createdAt: "2026-11-04T22:05:00Z"),
            .init(projectID: projectB, serverID: server3, exportID: "20261105061000-5a6b",
                  createdAt: "2026-11-05T06:10:00Z"),
        ]
    }

    /// The manifest listing `exports` at `endpoint`. Without sizes the filesystem must probe.
    public static func manifestJSON(_ exports: [SampleExport], endpoint: String,
                                    includeSizes: Bool = true) -> String {
        let entries = exports.map { e in
            var fields = [
                "\"project_id\": \(jsonQuoted(e.spec.projectID))",
                "\"server_id\": \(jsonQuoted(e.spec.serverID))",
                "\"export_id\": \(jsonQuoted(e.spec.exportID))",
            ]
            if includeSizes { fields.append("\"size\": \(e.size)") }
            fields.append("\"created_at\": \(jsonQuoted(e.spec.createdAt))")
            return "    {" + fields.joined(separator: ", ") + "}"
        }
        return "{\n  \"endpoint\": \(jsonQuoted(endpoint)),\n  \"exports\": [\n"
            + entries.joined(separator: ",\n") + "\n  ]\n}\n"
    }

    private static func write(_ spec: SampleExportSpec, into root: String) throws -> SampleExport {
        let fm = FileManager.default
        let dir = "\(root)/\(spec.projectID)/\(spec.serverID)"
        let path = "\(dir)/\(spec.exportID).tar.gz"
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)

        let staging = fm.temporaryDirectory.appendingPathComponent("logdump-sample-\(UUID().uuidString)").path
        defer { try? fm.removeItem(atPath: staging) }
        let top = "log_dump_\(spec.exportID)"
        let created = parseISO8601(spec.createdAt)
        var rng = SplitMix64(seed: fnv1a(spec.projectID + "/" + spec.serverID + "/" + spec.exportID))
        for file in SampleLogs.files(serverID: spec.serverID, endingAt: created, rng: &rng) {
            try writeFile("\(staging)/\(top)/\(file.name)", Data(file.text.utf8))
        }
        if spec.payloadBytes > 0 {
            try writePayload("\(staging)/\(top)/dump_info/bmc_blackbox.bin", bytes: spec.payloadBytes, rng: &rng)
        }

        // Fixed mtimes, owners and order (and gzip without a timestamp) keep archives reproducible.
        let partial = path + ".partial"
        try run("/bin/tar", ["--sort=name", "--mtime=@\(created)", "--owner=0", "--group=0", "--numeric-owner",
                             "--use-compress-program=gzip -n", "-cf", partial, "-C", staging, top])
        if fm.fileExists(atPath: path) { try fm.removeItem(atPath: path) }
        try fm.moveItem(atPath: partial, toPath: path)

        let size = (try fm.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        return SampleExport(spec: spec, path: path, size: size, sha256: sha256(of: path))
    }

    private static func writeFile(_ path: String, _ data: Data) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: path))
    }

    /// Incompressible bytes, written a MiB at a time so large payloads stay cheap in memory.
    private static func writePayload(_ path: String, bytes: Int, rng: inout SplitMix64) throws {
        try writeFile(path, Data())
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let words = 1 << 17  // 1 MiB of UInt64
        var buffer = [UInt64](repeating: 0, count: words)
        var left = bytes
        while left > 0 {
            let n = min(left, words * 8)
            buffer.withUnsafeMutableBufferPointer { p in
                for i in 0..<((n + 7) / 8) { p[i] = rng.next() }
            }
            try buffer.withUnsafeBytes { try handle.write(contentsOf: $0.prefix(n)) }
            left -= n
        }
    }

    private static func sha256(of path: String) -> String? {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sha256sum"),
              let out = try? run("/usr/bin/sha256sum", [path]) else { return nil }
        return out.split(separator: " ").first.map(String.init)
    }

    @discardableResult
    private static func run(_ tool: String, _ args: [String], environment: [String: String] = [:]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = args
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure.toolFailed(tool, status: process.terminationStatus)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Seconds since the epoch; a fixed date when the text is not ISO 8601.
    static func parseISO8601(_ text: String) -> Int {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return Int(date.timeIntervalSince1970) }
        formatter.formatOptions.insert(.withFractionalSeconds)
        return formatter.date(from: text).map { Int($0.timeIntervalSince1970) } ?? 1_793_520_000
    }
}

/// FNV-1a: a stable seed from the ids (Swift's `hashValue` changes per process).
func fnv1a(_ s: String) -> UInt64 {
    s.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
}

/// A small deterministic generator (SplitMix64); quality is irrelevant, reproducibility
/// is not. Public so that tests can replay a seeded run.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}
