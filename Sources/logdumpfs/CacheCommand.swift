import ArgumentParser
import Foundation
import LogDump

struct CacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "See and manage the disk cache.",
        subcommands: [Stats.self, Verify.self, Clear.self]
    )

    struct Location: ParsableArguments {
        @Option(help: "The cache directory (default: as for mount).")
        var cacheDir: String?

        var path: String {
            absolute(cacheDir ?? CacheDirectory.defaultPath(environment: ProcessInfo.processInfo.environment))
        }

        /// The cache in the directory, locked: refused while a mount uses it, and when the
        /// directory is no cache (nothing there is changed).
        func lock(for action: String) throws -> CacheDirectory {
            do {
                return try CacheDirectory(path: path, creating: false)
            } catch {
                guard error.isBusy else { throw Preflight.Failure(error.description) }
                throw Preflight.Failure("cannot \(action) \(path.escapedForLog()): a mount is using it; unmount it first")
            }
        }
    }

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Size, blocks, exports, and the hit ratio of the last run.")
        @OptionGroup var location: Location

        func run() throws {
            guard let summary = CacheSummary.read(location.path) else {
                throw Preflight.Failure("cache directory \(location.path.escapedForLog()) holds no logdumpfs cache (no VERSION file of one): nothing to show")
            }
            print("cache directory: \(location.path)")
            print("on disk: \(summary.bytesOnDisk) bytes in \(summary.blocks) blocks of \(summary.exports) exports")
            guard let statistics = summary.statistics else {
                print("last run: no statistics saved")
                return
            }
            let ratio = statistics.hitRatio.map { String(format: "%.1f%%", $0 * 100) } ?? "n/a"
            print("last run: \(statistics.lookups) block lookups, hit ratio \(ratio) (\(statistics.memoryHits) from memory, \(statistics.diskHits) from disk)")
            print("          \(statistics.storedBlocks) blocks stored, \(statistics.evictedBlocks) evicted, \(statistics.corruptBlocks) failed their check, \(statistics.staleBlocks) stale, \(statistics.failedWrites) writes failed")
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every block's checksum; report and drop the bad ones.")
        @OptionGroup var location: Location
        @Option(help: "The block size the blocks were cached with.")
        var blockSize: String = "1M"

        func run() throws {
            let directory = try location.lock(for: "verify")
            guard let block = ByteCount.parse(blockSize), block > 0 else {
                throw Preflight.Failure("--block-size \(blockSize.escapedForLog()): not a size")
            }
            let cache = DiskBlockCache(directory: directory, capacity: Int.max / 2, blockSize: block)
            let (checked, bad) = cache.verifyAll()
            print("\(location.path): \(checked) blocks checked, \(bad) bad\(bad > 0 ? " (dropped)" : "")")
            if bad > 0 { throw ExitCode(1) }
        }
    }

    struct Clear: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Empty the cache (refused while a mount uses it).")
        @OptionGroup var location: Location

        func run() throws {
            let directory = try location.lock(for: "clear")
            let before = CacheSummary.read(location.path)
            DiskCacheMaintenance.clear(directory)
            print("\(location.path): cleared \(before?.blocks ?? 0) blocks of \(before?.exports ?? 0) exports")
        }
    }
}
