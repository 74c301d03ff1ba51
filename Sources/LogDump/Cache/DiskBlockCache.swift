import CXXHash
import Foundation
import Synchronization

/// Blocks on local disk, checked before they are served, never more than `capacity`
/// bytes as `du` counts them, kept across remounts and crashes.
///
/// - Bound: every file is charged its allocated size (whole 4 KiB pages, plus room for
///   its directory entry) before it is written; least recently used blocks of any export
///   are deleted first to make room.
/// - Crash safety: a block is written to a temporary file and renamed into place, and
///   only then indexed; its header carries checksums, so a torn or flipped block reads as
///   missing and is fetched again.
/// - Versions: blocks fetched under another ETag/Last-Modified than the export's current
///   one are dropped, never mixed with new bytes.
public final class DiskBlockCache: Sendable {
    public let directory: CacheDirectory
    public let capacity: Int
    public let blockSize: Int
    private let state: Mutex<State>

    /// The directory itself, lock (it holds a pid), VERSION, stats.json and exports/.
    static let fixedCharge = 5 * 4096
    /// An export's directory and its export.json.
    static let exportCharge = 2 * 4096
    /// A block file's pages plus a generous share of its directory's entries.
    static func blockCharge(_ length: Int) -> Int {
        (BlockFile.headerSize + length + 4095) / 4096 * 4096 + 128
    }

    /// The smallest capacity that holds two blocks.
    public static func minimumCapacity(blockSize: Int) -> Int {
        fixedCharge + exportCharge + 2 * blockCharge(blockSize)
    }

    struct DiskKey: Hashable {
        let export: String
        let index: Int
    }

    struct ExportState {
        var record: ExportRecord
        var identity: UInt64
        var blocks = 0
        /// Writes in progress into this export: it must not be removed under them.
        var pins = 0
        /// Known in memory only, from the head of its first answer: its directory and
        /// export.json are written with its first block, by the disk writer, rather than
        /// on the way to a reader's first byte (or by the next statistics save).
        var unsaved = false
    }

    struct State {
        var blocks = LRUIndex<DiskKey>()
        var exports: [String: ExportState] = [:]
        var reserved = 0
        var statistics = CacheStatistics()
        var writesPausedUntil: MonotonicInstant?
        var warnedAboutWrites = false

        var used: Int {
            DiskBlockCache.fixedCharge + blocks.totalCharge + exports.count * DiskBlockCache.exportCharge + reserved
        }
    }

    /// Indexes what the cache in `directory` holds and evicts down to `capacity`.
    public init(directory: CacheDirectory, capacity: Int, blockSize: Int) {
        self.directory = directory
        self.capacity = capacity
        self.blockSize = blockSize
        self.state = Mutex(State())
        let found = CacheScan.index(directory)
        state.withLock { state in
            for (id, record) in found.exports {
                state.exports[id] = ExportState(record: record, identity: BlockFile.hash(record.identity))
            }
            for block in found.blocks {
                state.blocks.insert(block.key, charge: Self.blockCharge(block.length))
                state.exports[block.key.export]?.blocks += 1
            }
            _ = makeRoom(0, &state)
        }
    }

    /// The directory name of an export's blocks: XXH3-128 of its identity, in hex.
    static func exportID(_ identity: String) -> String {
        let hash = Array(identity.utf8).withUnsafeBytes { XXH3_128bits($0.baseAddress, $0.count) }
        return hex(hash.high64) + hex(hash.low64)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    private func id(_ location: ExportLocation) -> String {
        Self.exportID(ExportRecord.identity(of: location, blockSize: blockSize))
    }

    // MARK: Blocks

    /// The block's bytes if it is on disk and passes every check; a block that fails is
    /// deleted (and counted), so the caller fetches it again.
    public func block(for key: BlockKey) -> Block? {
        let id = id(key.location)
        let diskKey = DiskKey(export: id, index: key.index)
        let expected: (identity: UInt64, validator: UInt64)? = state.withLock { state in
            guard state.blocks.contains(diskKey), let export = state.exports[id] else { return nil }
            state.blocks.touch(diskKey)
            return (export.identity, Self.validatorHash(export.record.validator))
        }
        guard let expected else { return nil }
        switch readBlockFile(id, key.index) {
        case .failure(.noEntry):
            // Evicted meanwhile, or deleted behind our back: either way, not held.
            _ = state.withLock { forget(diskKey, &$0) }
            return nil
        case .failure(let error):
            drop(diskKey, key, because: Self.unreadable(error))
            return nil
        case .success(let file):
            if let problem = Self.check(file.header, file.body, index: key.index, identity: expected.identity,
                                        validator: expected.validator, blockSize: blockSize, key: directory.key) {
                drop(diskKey, key, because: problem)
                return nil
            }
            return file.body
        }
    }

    public func contains(_ key: BlockKey) -> Bool {
        let diskKey = DiskKey(export: id(key.location), index: key.index)
        return state.withLock { $0.blocks.contains(diskKey) }
    }

    private func drop(_ diskKey: DiskKey, _ key: BlockKey, because problem: String) {
        // Readers that raced to the same bad block: the one that removes it says so.
        guard removeCorrupt(diskKey) else { return }
        Log.warning("cache: \(key) failed its check (\(problem)): dropped, fetching it again")
    }

    /// Removes a block that failed its check; false when another thread already did.
    private func removeCorrupt(_ key: DiskKey) -> Bool {
        state.withLock { state in
            guard forget(key, &state) else { return false }
            state.statistics.corruptBlocks += 1
            return true
        }
    }

    /// Writes a block fetched under `validator`. Skipped, never an error, when the block
    /// is stale (the export changed since), when no room can be made, or while writes are
    /// paused after a failure (a full disk, an unwritable directory).
    public func store(_ block: Block, for key: BlockKey, validator: String?) {
        guard block.count <= blockSize else { return }
        let id = id(key.location)
        let diskKey = DiskKey(export: id, index: key.index)
        let charge = Self.blockCharge(block.count)
        let header: BlockFile.Header? = state.withLock { state in
            if let until = state.writesPausedUntil, MonotonicInstant.now() < until { return nil }
            guard !state.blocks.contains(diskKey),
                  pinExport(id, key.location, validator: validator, extra: charge, &state) else { return nil }
            guard let export = state.exports[id], export.record.validator == validator else {
                state.exports[id]?.pins -= 1
                return nil // fetched under an older validator: stale
            }
            state.reserved += charge
            return BlockFile.Header(index: UInt64(key.index), length: UInt64(block.count),
                                    dataHash: directory.key.hash(block.bytes), identity: export.identity,
                                    validator: Self.validatorHash(validator))
        }
        guard let header else { return }
        let failure = BlockFile.encode(header, key: directory.key).withUnsafeBytes { header in
            write([header, block.bytes], to: CacheDirectory.blockName(key.index), inExport: id)
        }
        state.withLock { state in
            state.reserved -= charge
            state.exports[id]?.pins -= 1
            if let failure {
                writeFailed(failure, &state)
                removeIfEmpty(id, &state)
            } else {
                state.blocks.insert(diskKey, charge: charge)
                state.exports[id]?.blocks += 1
                state.statistics.storedBlocks += 1
            }
        }
    }

    /// Reads and checks every block, dropping the bad ones: `logdumpfs cache verify`.
    public func verifyAll() -> (checked: Int, bad: Int) {
        let keys: [(DiskKey, UInt64, UInt64)] = state.withLock { state in
            state.blocks.keysOldestFirst.compactMap { key in
                state.exports[key.export].map { (key, $0.identity, Self.validatorHash($0.record.validator)) }
            }
        }
        var bad = 0
        for (key, identity, validator) in keys {
            let problem: String?
            switch readBlockFile(key.export, key.index) {
            case .success(let file):
                problem = Self.check(file.header, file.body, index: key.index, identity: identity,
                                     validator: validator, blockSize: blockSize, key: directory.key)
            case .failure(let error):
                problem = Self.unreadable(error)
            }
            guard let problem else { continue }
            bad += 1
            Log.warning("cache: \(directory.blockPath(key.export, key.index)) failed its check (\(problem)): dropped")
            _ = removeCorrupt(key)
        }
        return (keys.count, bad)
    }

    // MARK: Export records

    public func recordedSize(of location: ExportLocation) -> UInt64? {
        let id = id(location)
        return state.withLock { $0.exports[id]?.record.size }
    }

    public func recordSize(_ size: UInt64, of location: ExportLocation) {
        let id = id(location)
        state.withLock { state in
            guard state.exports[id]?.record.size != size else { return }
            if state.exports[id] == nil {
                guard pinExport(id, location, validator: nil, extra: 0, &state) else { return }
                state.exports[id]?.pins -= 1
            }
            state.exports[id]?.record.size = size
            if state.exports[id]?.unsaved == false { saveRecord(id, &state) }
        }
    }

    /// Drops the export's blocks when the server's validator is not the one they were
    /// fetched under; returns how many were dropped.
    public func noteValidator(_ validator: String, for location: ExportLocation) -> Int {
        let id = id(location)
        return state.withLock { state in
            guard let export = state.exports[id] else {
                // New here: nothing of it on disk to drop.
                if makeRoom(Self.exportCharge, &state) { addExport(id, location, validator: validator, &state) }
                return 0
            }
            guard export.record.validator != validator else { return 0 }
            let stale = state.blocks.keys { $0.export == id }
            for key in stale {
                state.blocks.remove(key)
                removeBlockFile(id, key.index)
            }
            state.exports[id]?.blocks = 0
            state.exports[id]?.record.validator = validator
            state.statistics.staleBlocks += stale.count
            if !export.unsaved { saveRecord(id, &state) }
            return stale.count
        }
    }

    /// Bytes of the export's blocks on disk: whole blocks, but the last one, whose
    /// length the recorded size tells.
    public func cachedBytes(of location: ExportLocation) -> UInt64 {
        let id = id(location)
        return state.withLock { state in
            guard let export = state.exports[id] else { return 0 }
            var bytes = UInt64(export.blocks) * UInt64(blockSize)
            if let size = export.record.size, size > 0 {
                let last = Int((size - 1) / UInt64(blockSize))
                let short = UInt64(last + 1) * UInt64(blockSize) - size
                if state.blocks.contains(DiskKey(export: id, index: last)) { bytes -= short }
            }
            return bytes
        }
    }

    // MARK: Statistics

    public var statistics: CacheStatistics { state.withLock { $0.statistics } }

    /// Adds the memory tier's counts to the disk's and writes stats.json; writes the
    /// records of exports that have none on disk yet.
    public func saveStatistics(lookups: Int, memoryHits: Int, diskHits: Int) {
        let statistics: CacheStatistics = state.withLock { state in
            let paused = state.writesPausedUntil.map { MonotonicInstant.now() < $0 } ?? false
            for (id, export) in state.exports where export.unsaved && !paused { _ = saveExport(id, &state) }
            state.statistics.lookups = lookups
            state.statistics.memoryHits = memoryHits
            state.statistics.diskHits = diskHits
            return state.statistics
        }
        guard let data = try? JSONEncoder().encode(statistics) else { return }
        _ = directory.root.writeAtomically(Array(data), to: CacheDirectory.statisticsName,
                                           temporary: "\(CacheDirectory.statisticsName).tmp-\(getpid())")
    }

    /// Bytes charged now (never above `capacity`), blocks, exports.
    public var usage: (bytes: Int, blocks: Int, exports: Int) {
        state.withLock { ($0.used, $0.blocks.count, $0.exports.count) }
    }

    // MARK: Room (lock held)

    /// Makes sure the export has a directory and record, with room for `extra` more bytes,
    /// and pins it for a write; false when there is no room or the disk refuses.
    private func pinExport(_ id: String, _ location: ExportLocation, validator: String?, extra: Int,
                           _ state: inout State) -> Bool {
        if state.exports[id] != nil {
            state.exports[id]?.pins += 1
            guard makeRoom(extra, &state), saveExport(id, &state) else { state.exports[id]?.pins -= 1; return false }
            return true
        }
        guard makeRoom(extra + Self.exportCharge, &state) else { return false }
        addExport(id, location, validator: validator, &state)
        state.exports[id]?.pins = 1
        guard saveExport(id, &state) else { state.exports[id] = nil; return false }
        return true
    }

    /// Indexes an export new to the cache, in memory only: `saveExport` writes it.
    private func addExport(_ id: String, _ location: ExportLocation, validator: String?, _ state: inout State) {
        var record = ExportRecord(location: location, blockSize: blockSize)
        record.validator = validator
        state.exports[id] = ExportState(record: record, identity: BlockFile.hash(record.identity), unsaved: true)
    }

    /// Writes the directory and record of an export known in memory only; false when
    /// the disk refuses (it stays in memory, unsaved).
    private func saveExport(_ id: String, _ state: inout State) -> Bool {
        guard state.exports[id]?.unsaved == true else { return true }
        if let error = directory.exports.makeDirectory(id) ?? saveRecord(id, &state) {
            directory.exports.remove(id)
            writeFailed(error, &state)
            return false
        }
        state.exports[id]?.unsaved = false
        return true
    }

    /// Deletes least recently used blocks (then exports that hold none) until `needed`
    /// more bytes fit; false when even an empty cache could not hold them.
    private func makeRoom(_ needed: Int, _ state: inout State) -> Bool {
        while state.used + needed > capacity {
            if let victim = state.blocks.leastRecentlyUsed {
                forget(victim, &state)
                state.statistics.evictedBlocks += 1
            } else if let empty = state.exports.first(where: { $0.value.blocks == 0 && $0.value.pins == 0 })?.key {
                removeExport(empty, &state)
            } else {
                return false
            }
        }
        return true
    }

    /// Removes a block from the index and from disk, and its export once it holds
    /// nothing; false when it was not indexed (another thread got there first).
    @discardableResult
    private func forget(_ key: DiskKey, _ state: inout State) -> Bool {
        guard state.blocks.remove(key) != nil else { return false }
        removeBlockFile(key.export, key.index)
        state.exports[key.export]?.blocks -= 1
        removeIfEmpty(key.export, &state)
        return true
    }

    private func removeIfEmpty(_ id: String, _ state: inout State) {
        guard let export = state.exports[id], export.blocks == 0, export.pins == 0 else { return }
        removeExport(id, &state)
    }

    private func removeExport(_ id: String, _ state: inout State) {
        directory.exports.remove(id)
        state.exports[id] = nil
    }

    @discardableResult
    private func saveRecord(_ id: String, _ state: inout State) -> Errno? {
        guard let record = state.exports[id]?.record, let data = try? JSONEncoder().encode(record) else { return .invalid }
        return data.withUnsafeBytes { write([$0], to: CacheDirectory.recordName, inExport: id) }
    }

    /// After a failed write: warn once, count it, and stop writing for a while.
    private func writeFailed(_ error: Errno, _ state: inout State) {
        state.statistics.failedWrites += 1
        state.writesPausedUntil = MonotonicInstant.now().advanced(by: .seconds(30))
        if !state.warnedAboutWrites {
            state.warnedAboutWrites = true
            Log.warning("cache: cannot write in \(directory.path): \(error); reads go on uncached (retrying every 30 s)")
        }
    }

    static func validatorHash(_ validator: String?) -> UInt64 {
        validator.map { BlockFile.hash($0) } ?? 0
    }
}
