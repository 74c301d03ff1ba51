import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The figures of a running mount at one moment, as the control socket sends them (JSON,
/// snake_case keys) and `logdumpfs status` shows them. Counters only grow; gauges are
/// the values now. A metrics exporter reads the same struct: every field is a plain
/// number with its unit in its name, labelled lists where Prometheus would have labels.
public struct StatisticsSnapshot: Codable, Equatable, Sendable {
    public var mountpoint = ""
    public var pid: Int32 = 0
    public var uptimeSeconds: Double = 0
    /// Bytes handed to readers, by where they were found.
    public var served = ServedBytes()
    /// HTTP requests by status (0: no answer); 429s are `requests` with status 429.
    public var requests: [RequestCount] = []
    /// Failed attempts tried again.
    public var retries = 0
    /// Credentials renewed after a 401.
    public var renewals = 0
    public var concurrency: [ConcurrencyGauge] = []
    public var transfers: [TransferSnapshot] = []
    public var cache = CacheUse()
    public var readErrors: [ReadErrorCount] = []

    public init() {}

    /// Answers with status 429 (Too Many Requests).
    public var throttled: Int { requests.first { $0.status == 429 }?.count ?? 0 }

    enum CodingKeys: String, CodingKey {
        case mountpoint, pid, served, requests, retries, renewals, concurrency, transfers, cache
        case uptimeSeconds = "uptime_seconds", readErrors = "read_errors"
    }

    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(self)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    public static func parse(_ json: String) throws -> StatisticsSnapshot {
        try JSONDecoder().decode(StatisticsSnapshot.self, from: Data(json.utf8))
    }
}

public struct ServedBytes: Codable, Equatable, Sendable {
    public var memory = 0
    public var disk = 0
    public var network = 0

    public init(memory: Int = 0, disk: Int = 0, network: Int = 0) {
        (self.memory, self.disk, self.network) = (memory, disk, network)
    }

    public var total: Int { memory + disk + network }
    /// Bytes found in a cache, of all served; nil before any.
    public var hitRatio: Double? { total == 0 ? nil : Double(memory + disk) / Double(total) }

    enum CodingKeys: String, CodingKey {
        case memory = "memory_bytes", disk = "disk_bytes", network = "network_bytes"
    }
}

public struct RequestCount: Codable, Equatable, Sendable {
    public var status: Int
    public var count: Int

    public init(status: Int, count: Int) { (self.status, self.count) = (status, count) }
}

/// One endpoint's concurrency limit now (halved by 429s, regained by successes).
public struct ConcurrencyGauge: Codable, Equatable, Sendable {
    public var endpoint: String
    public var limit: Int
    public var maximum: Int
    public var inFlight: Int

    public init(endpoint: String, limit: Int, maximum: Int, inFlight: Int) {
        (self.endpoint, self.limit, self.maximum, self.inFlight) = (endpoint, limit, maximum, inFlight)
    }

    enum CodingKeys: String, CodingKey { case endpoint, limit, maximum, inFlight = "in_flight" }
}

public struct TransferSnapshot: Codable, Equatable, Sendable {
    public var export: String
    /// Bytes received so far by this transfer.
    public var bytes: UInt64
    /// The export's size, when known.
    public var size: UInt64?
    public var seconds: Double
    public var bytesPerSecond: Double

    enum CodingKeys: String, CodingKey {
        case export, bytes, size, seconds, bytesPerSecond = "bytes_per_second"
    }
}

/// What the caches hold against their bounds; the disk's are nil without a disk cache.
public struct CacheUse: Codable, Equatable, Sendable {
    public var memoryBytes = 0
    public var memoryBoundBytes = 0
    public var diskBytes: Int?
    public var diskBoundBytes: Int?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case memoryBytes = "memory_bytes", memoryBoundBytes = "memory_bound_bytes"
        case diskBytes = "disk_bytes", diskBoundBytes = "disk_bound_bytes"
    }
}

public struct ReadErrorCount: Codable, Equatable, Sendable {
    public var errno: Int32
    /// `EIO`, `ENOENT`, ...
    public var name: String
    public var count: Int
}

extension Errno {
    /// The symbolic name (`EIO`), or `errno N` for one this filesystem does not return.
    public var name: String {
        let names: [Int32: String] = [ENOENT: "ENOENT", EACCES: "EACCES", EIO: "EIO", EROFS: "EROFS",
                                      ENOTDIR: "ENOTDIR", EISDIR: "EISDIR", EBADF: "EBADF", EINTR: "EINTR",
                                      ENODATA: "ENODATA", EINVAL: "EINVAL", ESTALE: "ESTALE",
                                      ETIMEDOUT: "ETIMEDOUT", EAGAIN: "EAGAIN", ENOSPC: "ENOSPC", EPERM: "EPERM"]
        return names[rawValue] ?? "errno \(rawValue)"
    }
}
