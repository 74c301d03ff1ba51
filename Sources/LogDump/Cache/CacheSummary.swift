import Foundation

/// What a cache directory holds, read without taking its lock or changing anything, so
/// `logdumpfs cache stats` works beside a running mount.
public struct CacheSummary: Sendable {
    /// Bytes allocated on disk for everything below the directory, as `du` counts them.
    public var bytesOnDisk = 0
    public var blocks = 0
    public var exports = 0
    /// The last (or current) run's statistics, if it saved any.
    public var statistics: CacheStatistics?

    public static func read(_ path: String) -> CacheSummary {
        var summary = CacheSummary()
        summary.bytesOnDisk = allocatedBytes(path)
        let exportsPath = "\(path)/exports"
        for id in Files.list(exportsPath) {
            summary.exports += 1
            summary.blocks += Files.list("\(exportsPath)/\(id)").filter { $0.hasSuffix(".blk") }.count
        }
        if case .success(let bytes) = Files.read("\(path)/stats.json", limit: 1 << 20) {
            summary.statistics = try? JSONDecoder().decode(CacheStatistics.self, from: Data(bytes))
        }
        return summary
    }

    private static func allocatedBytes(_ path: String) -> Int {
        var info = stat()
        guard lstat(path, &info) == 0 else { return 0 }
        var total = Int(info.st_blocks) * 512
        if info.st_mode & S_IFMT == S_IFDIR {
            for name in Files.list(path) { total += allocatedBytes("\(path)/\(name)") }
        }
        return total
    }
}
