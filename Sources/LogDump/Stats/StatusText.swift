import Foundation

/// `logdumpfs status` as people read it: one block of aligned lines.
extension StatisticsSnapshot {
    public func text() -> String {
        var lines = ["logdumpfs on \(mountpoint) (pid \(pid), up \(Self.duration(uptimeSeconds)))"]
        let ratio = served.hitRatio.map { String(format: "%.1f%%", $0 * 100) } ?? "-"
        lines.append("served       \(Self.bytes(served.total)): memory \(Self.bytes(served.memory)), disk \(Self.bytes(served.disk)), network \(Self.bytes(served.network)); hit ratio \(ratio)")
        let statuses = requests.map { "\($0.status == 0 ? "no answer" : String($0.status)) x\($0.count)" }
        lines.append("requests     \(requests.reduce(0) { $0 + $1.count })" + (statuses.isEmpty ? "" : ": " + statuses.joined(separator: ", ")))
        lines.append("retries      \(retries); 429s \(throttled); renewals \(renewals)")
        for gauge in concurrency {
            lines.append("connections  \(gauge.endpoint): limit \(gauge.limit) of \(gauge.maximum), \(gauge.inFlight) in flight")
        }
        var cacheLine = "cache        memory \(Self.bytes(cache.memoryBytes)) of \(Self.bytes(cache.memoryBoundBytes))"
        if let disk = cache.diskBytes, let bound = cache.diskBoundBytes {
            cacheLine += ", disk \(Self.bytes(disk)) of \(Self.bytes(bound))"
        } else {
            cacheLine += ", no disk cache"
        }
        lines.append(cacheLine)
        lines.append("errors       " + (readErrors.isEmpty ? "none" : readErrors.map { "\($0.name) x\($0.count)" }.joined(separator: ", ")))
        lines.append("transfers    \(transfers.isEmpty ? "none" : String(transfers.count)) in flight")
        for transfer in transfers {
            var line = "  \(transfer.export): \(Self.bytes(Int(transfer.bytes)))"
            if let size = transfer.size, size > 0 {
                line += " of \(Self.bytes(Int(size))) (\(String(format: "%.0f%%", Double(transfer.bytes) * 100 / Double(size))))"
            }
            line += ", \(Self.bytes(Int(transfer.bytesPerSecond)))/s"
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// `0 B`, `512 KiB`, `1.5 GiB`.
    static func bytes(_ count: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(count) B" : String(format: value < 10 ? "%.1f" : "%.0f", value) + " " + units[unit]
    }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds)
        return whole < 60 ? "\(whole)s" : whole < 3600 ? "\(whole / 60)m\(whole % 60)s" : "\(whole / 3600)h\(whole % 3600 / 60)m"
    }
}
