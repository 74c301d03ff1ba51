import Foundation

/// What a cache directory holds at start: emptied first if it is of another format, then
/// read back into an index. Leftovers of a crash (temporary files, exports without a good
/// record, files with names of no block) are deleted here, by descriptors: nothing is
/// followed out of the directory.
enum CacheScan {
    struct Found {
        var exports: [(String, ExportRecord)] = []
        /// Oldest first, by modification time: the LRU order to start from.
        var blocks: [(key: DiskBlockCache.DiskKey, length: Int)] = []
    }

    /// Under the lock: the cache's key and its exports/, after emptying a cache of
    /// another format (or a new directory) and writing this format's marker.
    static func prepare(_ root: DirectoryHandle, _ path: String) throws(CacheDirectory.Failure)
        -> (key: ChecksumKey, exports: DirectoryHandle) {
        let marker = root.read(CacheMarker.name, limit: 64 << 10)
        let key: ChecksumKey
        switch marker.map(CacheMarker.parse) {
        case .success(.current(let found)?):
            key = found
        case .success(.otherFormat(let line)?):
            Log.warning("cache: \(path) holds a cache of another format (\(line)): discarding it")
            fallthrough
        case .failure(.noEntry):
            discard(root)
            key = .random()
            if let error = root.writeAtomically(CacheMarker.text(key), to: CacheMarker.name, temporary: CacheMarker.temporaryName) {
                throw .init("cache directory \(path): cannot write its VERSION file: \(error)", .unusable)
            }
        default:
            throw .init("cache directory \(path) holds no logdumpfs cache (no VERSION file of one): it is left untouched", .refused)
        }
        if let error = root.makeDirectory("exports") {
            throw .init("cache directory \(path): cannot create exports/: \(error)", .unusable)
        }
        switch root.subdirectory("exports") {
        case .success(let exports): return (key, exports)
        case .failure(let error) where error == Errno(ELOOP) || error == .notDirectory:
            throw .init("cache directory \(path): \(path)/exports is not a directory the cache made (a symbolic link, or a file): it is left untouched; remove it, or give --cache-dir another directory", .refused)
        case .failure(let error):
            throw .init("cache directory \(path): cannot open exports/: \(error)", .unusable)
        }
    }

    /// Deletes what a cache writes (of any format), and nothing else: exports/ (walked by
    /// descriptors, no link followed), statistics, temporary files.
    private static func discard(_ root: DirectoryHandle) {
        for name in root.list() where name == "exports" || name.hasPrefix(CacheDirectory.statisticsName)
            || name.hasPrefix(CacheMarker.temporaryName) {
            root.remove(name)
        }
    }

    /// Indexes exports/, deleting what no good record or block name accounts for (and
    /// any link: the entries of a cache are its own directories and regular files).
    static func index(_ directory: CacheDirectory) -> Found {
        var found = Found()
        var blocks: [(key: DiskBlockCache.DiskKey, length: Int, modified: Int)] = []
        let exports = directory.exports
        for id in exports.list() {
            guard case .success(let export) = exports.subdirectory(id),
                  let record = readRecord(export), DiskBlockCache.exportID(record.identity) == id else {
                exports.remove(id)
                continue
            }
            found.exports.append((id, record))
            for name in export.list() where name != CacheDirectory.recordName {
                // A link under a block's name is indexed, to fail its check when read (never
                // followed) and be dropped as a bad block; anything else not a block goes now.
                guard name.hasSuffix(".blk"), let index = Int(name.dropLast(4)), index >= 0,
                      let info = export.status(name), let length = blockLength(info) else {
                    export.remove(name)
                    continue
                }
                blocks.append((DiskBlockCache.DiskKey(export: id, index: index),
                               length, info.st_mtim.tv_sec * 1_000_000_000 + info.st_mtim.tv_nsec))
            }
        }
        found.blocks = blocks.sorted { $0.modified < $1.modified }.map { ($0.key, $0.length) }
        return found
    }

    /// The bytes a block file holds past its header; 0 for a link.
    private static func blockLength(_ info: stat) -> Int? {
        switch info.st_mode & S_IFMT {
        case S_IFREG where Int(info.st_size) >= BlockFile.headerSize: Int(info.st_size) - BlockFile.headerSize
        case S_IFLNK: 0
        default: nil
        }
    }

    private static func readRecord(_ export: DirectoryHandle) -> ExportRecord? {
        guard case .success(let bytes) = export.read(CacheDirectory.recordName, limit: 1 << 20) else { return nil }
        return try? JSONDecoder().decode(ExportRecord.self, from: Data(bytes))
    }
}

/// Operations on a locked cache directory as a whole.
public enum DiskCacheMaintenance {
    /// Deletes every block, record and statistic; keeps the directory, its marker and lock.
    public static func clear(_ directory: CacheDirectory) {
        directory.exports.removeAll()
        directory.root.remove(CacheDirectory.statisticsName)
    }
}
