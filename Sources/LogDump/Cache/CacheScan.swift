import Foundation

/// What a cache directory holds at start: emptied first if it is of another format, then
/// read back into an index. Leftovers of a crash (temporary files, exports without a good
/// record, files with names of no block) are deleted here.
enum CacheScan {
    struct Found {
        var exports: [(String, ExportRecord)] = []
        /// Oldest first, by modification time: the LRU order to start from.
        var blocks: [(key: DiskBlockCache.DiskKey, length: Int)] = []
    }

    /// Empties a directory of another format and writes this format's VERSION.
    static func prepare(_ directory: CacheDirectory) {
        let version = (try? String(contentsOfFile: directory.versionPath, encoding: .utf8))
        if version != CacheFormat.versionFileText {
            let hasContent = !Files.list(directory.exportsPath).isEmpty
            if version != nil || hasContent {
                Log.warning("cache: \(directory.path) holds \(version.map { "a cache of another format (\($0.trimmingWhitespace()))" } ?? "files of no known format"): discarding it")
            }
            Files.remove(directory.exportsPath)
            Files.remove(directory.statisticsPath)
            _ = Files.writeAtomically(Array(CacheFormat.versionFileText.utf8), to: directory.versionPath,
                                      temporary: "\(directory.versionPath).tmp-\(getpid())")
        }
        _ = Files.makeDirectory(directory.exportsPath)
    }

    static func index(_ directory: CacheDirectory) -> Found {
        var found = Found()
        var blocks: [(key: DiskBlockCache.DiskKey, length: Int, modified: Int)] = []
        for id in Files.list(directory.exportsPath) {
            guard let record = readRecord(directory.recordPath(id)),
                  DiskBlockCache.exportID(record.identity) == id else {
                Files.remove(directory.exportPath(id))
                continue
            }
            found.exports.append((id, record))
            for name in Files.list(directory.exportPath(id)) where name != "export.json" {
                let path = "\(directory.exportPath(id))/\(name)"
                var info = stat()
                guard name.hasSuffix(".blk"), let index = Int(name.dropLast(4)), index >= 0,
                      stat(path, &info) == 0, Int(info.st_size) >= BlockFile.headerSize else {
                    unlink(path)
                    continue
                }
                blocks.append((DiskBlockCache.DiskKey(export: id, index: index),
                               Int(info.st_size) - BlockFile.headerSize, info.st_mtim.tv_sec * 1_000_000_000 + info.st_mtim.tv_nsec))
            }
        }
        found.blocks = blocks.sorted { $0.modified < $1.modified }.map { ($0.key, $0.length) }
        return found
    }

    private static func readRecord(_ path: String) -> ExportRecord? {
        guard case .success(let bytes) = Files.read(path, limit: 1 << 20) else { return nil }
        return try? JSONDecoder().decode(ExportRecord.self, from: Data(bytes))
    }
}

/// Operations on a locked cache directory as a whole.
public enum DiskCacheMaintenance {
    /// Deletes every block, record and statistic; keeps the directory and its lock.
    public static func clear(_ directory: CacheDirectory) {
        Files.remove(directory.exportsPath)
        Files.remove(directory.statisticsPath)
        _ = Files.makeDirectory(directory.exportsPath)
    }
}
