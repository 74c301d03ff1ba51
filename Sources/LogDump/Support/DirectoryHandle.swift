#if canImport(Glibc)
import Glibc
#endif

/// A directory held open by its descriptor, and the file operations the disk cache makes
/// inside it. Every name is one entry of this directory, resolved relative to the
/// descriptor (openat, mkdirat, fstatat, renameat, unlinkat), and a symbolic link there is
/// never followed: whatever was planted inside the cache, nothing here reads, writes or
/// deletes anything outside it.
final class DirectoryHandle: Sendable {
    let descriptor: Int32

    private init(_ descriptor: Int32) { self.descriptor = descriptor }

    deinit { close(descriptor) }

    /// The directory at `path` as typed (a symbolic link in the path itself is followed;
    /// check what was opened with `status()`).
    static func open(_ path: String) -> Result<DirectoryHandle, Errno> {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        return fd >= 0 ? .success(DirectoryHandle(fd)) : .failure(Errno(errno))
    }

    /// The subdirectory `name`: ELOOP or ENOTDIR when it is a symbolic link or no directory.
    func subdirectory(_ name: String) -> Result<DirectoryHandle, Errno> {
        let fd = openat(descriptor, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        return fd >= 0 ? .success(DirectoryHandle(fd)) : .failure(Errno(errno))
    }

    /// Creates the subdirectory `name`, readable by its owner only; an existing one is fine.
    func makeDirectory(_ name: String) -> Errno? {
        mkdirat(descriptor, name, 0o700) == 0 || errno == EEXIST ? nil : Errno(errno)
    }

    /// This directory's own status (fstat).
    func status() -> stat {
        var info = stat()
        fstat(descriptor, &info)
        return info
    }

    /// The status of the entry `name` itself (a link, not its target), or nil when none.
    func status(_ name: String) -> stat? {
        var info = stat()
        return fstatat(descriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0 ? info : nil
    }

    /// Opens the regular file `name` with `flags` (and creates it with `mode` if they say
    /// O_CREAT): ELOOP for a symbolic link, EINVAL for anything but a regular file (a FIFO,
    /// a device; opening neither blocks).
    func openFile(_ name: String, _ flags: Int32, mode: mode_t = 0o600) -> Result<Int32, Errno> {
        let fd = openat(descriptor, name, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode)
        guard fd >= 0 else { return .failure(Errno(errno)) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            return .failure(.invalid)
        }
        return .success(fd)
    }

    /// The whole file `name`, or why not (EINVAL: larger than `limit`, or no regular file).
    func read(_ name: String, limit: Int) -> Result<[UInt8], Errno> {
        withFile(name) { Files.read($0, limit: limit) }
    }

    /// The file `name` as its header and the rest, mapped where it can be (`Files.map`).
    func map(_ name: String, headerSize: Int, limit: Int,
             mapping: Bool = true) -> Result<(header: [UInt8], body: Block), Errno> {
        withFile(name) { Files.map($0, headerSize: headerSize, limit: limit, mapping: mapping) }
    }

    private func withFile<T>(_ name: String, _ body: (Int32) -> Result<T, Errno>) -> Result<T, Errno> {
        switch openFile(name, O_RDONLY) {
        case .failure(let error): return .failure(error)
        case .success(let fd):
            defer { close(fd) }
            return body(fd)
        }
    }

    /// Writes `parts` to a new file `temporary` (mode 0600), then renames it to `name`:
    /// readers see the old file or the whole new one, never a part.
    func writeAtomically(_ parts: [UnsafeRawBufferPointer], to name: String, temporary: String) -> Errno? {
        let fd = openat(descriptor, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return Errno(errno) }
        var failure = Files.write(parts, to: fd)
        if close(fd) != 0 && failure == nil { failure = Errno(errno) }
        if failure == nil && renameat(descriptor, temporary, descriptor, name) != 0 { failure = Errno(errno) }
        if failure != nil { unlinkat(descriptor, temporary, 0) }
        return failure
    }

    func writeAtomically(_ bytes: [UInt8], to name: String, temporary: String) -> Errno? {
        bytes.withUnsafeBytes { writeAtomically([$0], to: name, temporary: temporary) }
    }

    /// Names in this directory, without "." and "..".
    func list() -> [String] {
        let fd = openat(descriptor, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        guard let dir = fdopendir(fd) else { close(fd); return [] }
        defer { closedir(dir) }
        return Files.names(dir)
    }

    /// Removes the entry `name` if it is no directory (a symbolic link itself, not its target).
    func removeFile(_ name: String) {
        unlinkat(descriptor, name, 0)
    }

    /// Removes the entry `name`: a file, a link, or a whole tree walked by descriptors. A
    /// directory of another filesystem (a mount point) is left alone with all it holds.
    func remove(_ name: String) {
        guard let info = status(name) else { return }
        guard info.st_mode & S_IFMT == S_IFDIR else { return removeFile(name) }
        guard info.st_dev == status().st_dev, case .success(let child) = subdirectory(name) else { return }
        child.removeAll()
        unlinkat(descriptor, name, AT_REMOVEDIR)
    }

    /// Removes everything in this directory (as `remove` does each entry).
    func removeAll() {
        for name in list() { remove(name) }
    }
}
