#if canImport(Glibc)
import Glibc
#endif

/// The cache directory, opened, checked and locked for this process. Its layout:
///
///     DIR/lock                 flock'd by the mount (or `cache clear`) using it; holds its pid
///     DIR/control.sock         the mount's control socket, for `logdumpfs status` (ControlSocket)
///     DIR/VERSION              the marker: format and checksum key (CacheMarker)
///     DIR/stats.json           statistics of the last run
///     DIR/exports/<id>/export.json, <index>.blk, .tmp-*
///
/// The path is one someone typed, and the daemon runs as root: the directory is used
/// only through descriptors (`DirectoryHandle`), never through a symbolic link inside it,
/// and it is refused, never changed, when it is not this user's alone or not a cache.
public final class CacheDirectory: Sendable {
    public let path: String
    let root: DirectoryHandle
    let exports: DirectoryHandle
    /// What this cache's block checksums are keyed with.
    let key: ChecksumKey
    private let lockDescriptor: Int32

    /// Why the cache directory cannot be used.
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public enum Kind: Sendable {
            /// Another process holds the lock.
            case busy
            /// Not this user's alone, not a cache, or holding what the cache did not make:
            /// left as it is, and the mount stops.
            case refused
            /// It cannot be created, opened or written: the mount may go on without it.
            case unusable
        }
        public let description: String
        public let kind: Kind
        public var isBusy: Bool { kind == .busy }

        init(_ description: String, _ kind: Kind) {
            self.description = description
            self.kind = kind
        }
    }

    /// Opens the cache in `path` and locks it for this process. With `creating`, a
    /// missing or empty directory becomes a new cache (mkdir 0700, then its marker);
    /// without, only an existing cache is opened. A cache of another format is emptied.
    public init(path: String, creating: Bool = true) throws(Failure) {
        if creating { try Self.makeDirectories(path) }
        let root: DirectoryHandle
        switch DirectoryHandle.open(path) {
        case .success(let opened): root = opened
        case .failure(.noEntry) where !creating:
            throw Failure("cache directory \(path) does not exist", .unusable)
        case .failure(let error):
            throw Failure("cache directory \(path): cannot open it: \(error)", .unusable)
        }
        try Self.checkOwnership(root, path)
        try Self.checkIsCache(root, path, creating: creating)
        let lock = try Self.lock(root, path)
        do {
            let prepared = try CacheScan.prepare(root, path)
            (self.path, self.root, self.exports, self.key, lockDescriptor) = (path, root, prepared.exports, prepared.key, lock)
        } catch {
            close(lock)
            throw error
        }
    }

    deinit {
        close(lockDescriptor) // releases the flock
    }

    /// Paths of the cache's files, for messages: the files are reached by descriptors.
    var exportsPath: String { "\(path)/exports" }

    func blockPath(_ id: String, _ index: Int) -> String { "\(exportsPath)/\(id)/\(index).blk" }
    func recordPath(_ id: String) -> String { "\(exportsPath)/\(id)/export.json" }

    /// The control socket's place: beside the lock, so the mount holding the lock owns it.
    public var controlSocketPath: String { "\(path)/control.sock" }

    /// Names of the cache's files in their directories.
    static let statisticsName = "stats.json"
    static let recordName = "export.json"
    static func blockName(_ index: Int) -> String { "\(index).blk" }
    static func temporaryName(_ name: String) -> String { ".tmp-\(name)-\(pthread_self())" }

    /// The default place: /var/cache/logdumpfs for root, else $XDG_CACHE_HOME/logdumpfs
    /// or ~/.cache/logdumpfs.
    public static func defaultPath(environment: [String: String]) -> String {
        if geteuid() == 0 { return "/var/cache/logdumpfs" }
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return "\(xdg)/logdumpfs" }
        let home = environment["HOME"] ?? "/tmp"
        return "\(home)/.cache/logdumpfs"
    }
}
