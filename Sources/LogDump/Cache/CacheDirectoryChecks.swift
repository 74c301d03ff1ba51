#if canImport(Glibc)
import Glibc
#endif

/// What a cache directory must be before anything in it is created, changed or deleted:
/// each check either passes or throws one sentence naming the path and the problem.
extension CacheDirectory {
    /// Creates the directory and any missing parent, each 0700; existing ones are left as
    /// they are.
    static func makeDirectories(_ path: String) throws(Failure) {
        var parent = ""
        for component in path.split(separator: "/") {
            parent += "/" + component
            if let error = Files.makeDirectory(parent) {
                throw Failure("cache directory \(path): cannot create \(parent): \(error)", .unusable)
            }
        }
    }

    /// Refuses a directory that another user owns or that others may write to, as ssh does
    /// for its keys: whoever can write it could plant what the daemon (root) then trusts.
    static func checkOwnership(_ root: DirectoryHandle, _ path: String) throws(Failure) {
        let info = root.status()
        let owner = geteuid()
        let othersWrite = info.st_mode & (S_IWGRP | S_IWOTH) != 0
        guard info.st_uid != owner || othersWrite else { return }
        let mode = String(info.st_mode & 0o7777, radix: 8)
        let fixes = (info.st_uid != owner ? ["chown \(owner) \(path)"] : []) + (othersWrite ? ["chmod 700 \(path)"] : [])
        throw Failure("cache directory \(path) is owned by uid \(info.st_uid) and has mode \(String(repeating: "0", count: max(0, 4 - mode.count)) + mode): it must be owned by uid \(owner) and writable by it only (\(fixes.joined(separator: "; ")))",
                      .refused)
    }

    /// Refuses a directory that holds no cache's marker, unless `creating` and it is
    /// empty (but for what a cache being made leaves: its lock, its marker's temporary).
    static func checkIsCache(_ root: DirectoryHandle, _ path: String, creating: Bool) throws(Failure) {
        let marker = root.read(CacheMarker.name, limit: 64 << 10)
        if case .success(let bytes) = marker, CacheMarker.parse(bytes) != nil { return }
        let empty = root.list().allSatisfy { $0 == lockName || $0 == CacheMarker.temporaryName }
        if creating, case .failure(.noEntry) = marker, empty { return }
        throw Failure(creating && !empty
                      ? "cache directory \(path) is not empty and holds no logdumpfs cache (no VERSION file of one): it is left untouched; give --cache-dir a new or empty directory"
                      : "cache directory \(path) holds no logdumpfs cache (no VERSION file of one): it is left untouched",
                      .refused)
    }

    static let lockName = "lock"

    /// Opens DIR/lock (never through a link: a planted one would be truncated) and takes
    /// it for this process; returns its descriptor, which holds the lock while open.
    static func lock(_ root: DirectoryHandle, _ path: String) throws(Failure) -> Int32 {
        let fd: Int32
        switch root.openFile(lockName, O_RDWR | O_CREAT) {
        case .success(let opened): fd = opened
        case .failure(let error) where error == Errno(ELOOP) || error == .invalid:
            throw Failure("cache directory \(path): \(path)/\(lockName) is not a file the cache made (a symbolic link, or no regular file): it is left untouched; remove it, or give --cache-dir another directory",
                          .refused)
        case .failure(let error):
            throw Failure("cache directory \(path): cannot open its lock file: \(error)", .unusable)
        }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_nlink == 1 else {
            close(fd)
            throw Failure("cache directory \(path): \(path)/\(lockName) has other names (a hard link): it is left untouched; remove it, or give --cache-dir another directory",
                          .refused)
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.holder(fd)
            close(fd)
            throw Failure("cache directory \(path) is in use by another logdumpfs\(holder.map { " (pid \($0))" } ?? ""): give this mount its own --cache-dir, or unmount the other first",
                          .busy)
        }
        ftruncate(fd, 0)
        let pid = Array("\(getpid())\n".utf8)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return fd
    }

    /// The pid written in a lock file held by someone else.
    private static func holder(_ fd: Int32) -> Int? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int(String(decoding: buffer[..<count], as: UTF8.self).trimmingWhitespace())
    }
}
