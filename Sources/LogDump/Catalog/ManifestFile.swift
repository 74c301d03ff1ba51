#if canImport(Glibc)
import Glibc
#endif

/// Reads a manifest file whole, by POSIX calls, refusing what cannot be a manifest before
/// it costs memory or a hang: anything but a regular file (`/dev/zero`, a FIFO, a
/// directory, a socket), and a file larger than the limit. The size fstat reports is
/// checked first, and reading stops at the limit anyway, since some files do not tell
/// their size (procfs shows 0).
enum ManifestFile {
    /// The most a manifest may hold: far more than 100,000 exports take (about 20 MB).
    static let maximumSize = 1 << 30

    /// The file's bytes, or what is wrong with it as a message without the path, e.g.
    /// `must be a regular file, not a character device`.
    static func contents(of path: String, limit: Int = maximumSize) -> Result<[UInt8], Problem> {
        // Without O_NONBLOCK, opening a FIFO waits for a writer.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            let error = Errno(errno)
            var info = stat()
            if stat(path, &info) == 0, let kind = nonRegularKind(info.st_mode) { return .failure(.notRegular(kind)) }
            return .failure(.unreadable(error))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failure(.unreadable(Errno(errno))) }
        if let kind = nonRegularKind(info.st_mode) { return .failure(.notRegular(kind)) }
        guard info.st_size <= limit else { return .failure(.tooLarge(limit: limit, size: UInt64(info.st_size))) }
        _ = fcntl(fd, F_SETFL, 0)  // back to blocking reads, as for any file
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(max(info.st_size, 0)))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            // One byte past the limit tells a file at the limit from one beyond it.
            let wanted = min(chunk.count, limit + 1 - bytes.count)
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, wanted) }
            if count == 0 { return .success(bytes) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(.unreadable(Errno(errno)))
            }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > limit { return .failure(.tooLarge(limit: limit, size: nil)) }
        }
    }

    /// What is wrong with a manifest file.
    enum Problem: Error, CustomStringConvertible {
        case unreadable(Errno)
        case notRegular(String)
        /// `size` is nil when the file did not say it and reading went past the limit.
        case tooLarge(limit: Int, size: UInt64?)

        var description: String {
            switch self {
            case .unreadable(let error):
                "cannot read: \(error)"
            case .notRegular(let kind):
                "must be a regular file, not \(kind)"
            case .tooLarge(let limit, let size):
                "must be at most \(describe(limit)), found \(size.map { "\($0) bytes" } ?? "more")"
            }
        }
    }

    /// "a directory", "a FIFO", ...; nil for a regular file.
    private static func nonRegularKind(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: nil
        case S_IFDIR: "a directory"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFIFO: "a FIFO"
        case S_IFSOCK: "a socket"
        default: "a special file"
        }
    }

    /// `1 GiB`, `64 KiB`, `100 bytes`.
    private static func describe(_ bytes: Int) -> String {
        for (unit, size) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] where bytes >= size && bytes % size == 0 {
            return "\(bytes / size) \(unit)"
        }
        return "\(bytes) bytes"
    }
}
