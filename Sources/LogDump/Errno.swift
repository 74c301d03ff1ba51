#if canImport(Glibc)
import Glibc
#endif

/// A POSIX error number, as the kernel receives it from a FUSE reply.
public struct Errno: Error, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    public static let noEntry = Errno(ENOENT)
    public static let accessDenied = Errno(EACCES)
    public static let io = Errno(EIO)
    public static let readOnly = Errno(EROFS)
    public static let notDirectory = Errno(ENOTDIR)
    public static let isDirectory = Errno(EISDIR)
    public static let badFile = Errno(EBADF)
    public static let interrupted = Errno(EINTR)
    public static let noData = Errno(ENODATA)
    public static let invalid = Errno(EINVAL)
    /// The export changed on the server while the file was open.
    public static let stale = Errno(ESTALE)

    public var description: String { String(cString: strerror(rawValue)) }
}
