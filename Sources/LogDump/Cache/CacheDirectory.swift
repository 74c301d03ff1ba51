#if canImport(Glibc)
import Glibc
#endif

/// The cache directory's layout, and the lock that keeps a second process out of it:
///
///     DIR/lock                 flock'd by the mount (or `cache clear`) using it; holds its pid
///     DIR/VERSION              the format; a directory of another format is emptied
///     DIR/stats.json           statistics of the last run
///     DIR/exports/<id>/export.json, <index>.blk, .tmp-*
public final class CacheDirectory: @unchecked Sendable {
    public let path: String
    private let lockDescriptor: Int32

    /// Why the cache directory cannot be used.
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public let description: String
        /// Another process holds the lock: a clear user error, not a disk problem.
        public let isBusy: Bool
    }

    /// Creates the directory (0700) if needed and locks it for this process.
    public init(path: String) throws(Failure) {
        self.path = path
        var parent = ""
        for component in path.split(separator: "/") {
            parent += "/" + component
            if let error = Files.makeDirectory(parent) {
                throw Failure(description: "cache directory \(path): cannot create \(parent): \(error)", isBusy: false)
            }
        }
        chmod(path, 0o700)
        let fd = open("\(path)/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw Failure(description: "cache directory \(path): cannot open its lock file: \(Errno(errno))", isBusy: false)
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.holder(fd)
            close(fd)
            throw Failure(description: "cache directory \(path) is in use by another logdumpfs\(holder.map { " (pid \($0))" } ?? ""): give this mount its own --cache-dir, or unmount the other first",
                          isBusy: true)
        }
        ftruncate(fd, 0)
        let pid = Array("\(getpid())\n".utf8)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        lockDescriptor = fd
    }

    deinit {
        close(lockDescriptor) // releases the flock
    }

    var exportsPath: String { "\(path)/exports" }
    var statisticsPath: String { "\(path)/stats.json" }
    var versionPath: String { "\(path)/VERSION" }

    func exportPath(_ id: String) -> String { "\(exportsPath)/\(id)" }
    func blockPath(_ id: String, _ index: Int) -> String { "\(exportsPath)/\(id)/\(index).blk" }
    func recordPath(_ id: String) -> String { "\(exportsPath)/\(id)/export.json" }
    func temporaryPath(_ id: String, _ name: String) -> String {
        "\(exportsPath)/\(id)/.tmp-\(name)-\(pthread_self())"
    }

    /// The pid written in a lock file held by someone else.
    private static func holder(_ fd: Int32) -> Int? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int(String(decoding: buffer[..<count], as: UTF8.self).trimmingWhitespace())
    }

    /// The default place: /var/cache/logdumpfs for root, else $XDG_CACHE_HOME/logdumpfs
    /// or ~/.cache/logdumpfs.
    public static func defaultPath(environment: [String: String]) -> String {
        if geteuid() == 0 { return "/var/cache/logdumpfs" }
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return "\(xdg)/logdumpfs" }
        let home = environment["HOME"] ?? "/tmp"
        return "\(home)/.cache/logdumpfs"
    }
}
