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

    /// Read through descriptors, following no link inside the directory; nil when the
    /// directory holds no cache (no marker file), so that nothing else in it is walked.
    public static func read(_ path: String) -> CacheSummary? {
        var summary = CacheSummary()
        guard case .success(let root) = DirectoryHandle.open(path),
              root.status(CacheMarker.name).map({ $0.st_mode & S_IFMT == S_IFREG }) == true else { return nil }
        summary.bytesOnDisk = allocatedBytes(root)
        if case .success(let exports) = root.subdirectory("exports") {
            for id in exports.list() {
                guard case .success(let export) = exports.subdirectory(id) else { continue }
                summary.exports += 1
                summary.blocks += export.list().filter { $0.hasSuffix(".blk") }.count
            }
        }
        if case .success(let bytes) = root.read(CacheDirectory.statisticsName, limit: 1 << 20) {
            summary.statistics = try? JSONDecoder().decode(CacheStatistics.self, from: Data(bytes))
        }
        return summary
    }

    /// What `du` counts: the directory's blocks and those of everything below it on the
    /// same filesystem.
    private static func allocatedBytes(_ directory: DirectoryHandle) -> Int {
        let own = directory.status()
        var total = Int(own.st_blocks) * 512
        for name in directory.list() {
            guard let info = directory.status(name) else { continue }
            if info.st_mode & S_IFMT == S_IFDIR {
                guard info.st_dev == own.st_dev, case .success(let child) = directory.subdirectory(name) else { continue }
                total += allocatedBytes(child)
            } else {
                total += Int(info.st_blocks) * 512
            }
        }
        return total
    }
}
