#if canImport(Glibc)
import Glibc
#endif

/// The few file operations the disk cache needs, on plain POSIX calls: errors come back
/// as an Errno, and nothing here throws away what errno said.
enum Files {
    /// The whole file, or the errno that stopped reading it.
    static func read(_ path: String, limit: Int) -> Result<[UInt8], Errno> {
        withOpenFile(path, sizes: 0...limit) { fd, size in
            var bytes = [UInt8](repeating: 0, count: size)
            if let error = bytes.withUnsafeMutableBytes({ readFully(fd, into: $0, at: 0) }) { return .failure(error) }
            return .success(bytes)
        }
    }

    /// A file as its first `headerSize` bytes and the rest, mapped read-only rather than
    /// copied: a cached block is read from the page cache by its checksum and by the
    /// kernel's copy into the FUSE reply, and by nothing else. Our files are replaced by
    /// rename and deleted by unlink, never truncated, so the mapping stays whole; and it
    /// is used only once every page is in memory, so that a disk error shows as an error
    /// of the read below, not as SIGBUS later. Otherwise (pages the disk did not give,
    /// no more mappings allowed by vm.max_map_count, `mapping` false in tests) the rest is
    /// read into a buffer.
    static func map(_ path: String, headerSize: Int, limit: Int,
                    mapping: Bool = true) -> Result<(header: [UInt8], body: Block), Errno> {
        withOpenFile(path, sizes: headerSize...limit) { fd, size in
            if mapping, let base = mmap(nil, size, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0), base != MAP_FAILED {
                if isResident(base, size) {
                    let header = Array(UnsafeRawBufferPointer(start: base, count: headerSize))
                    return .success((header, Block(mapping: base, length: size, from: headerSize)))
                }
                munmap(base, size)
            }
            var header = [UInt8](repeating: 0, count: headerSize)
            let body = Block(capacity: size - headerSize)
            var error = header.withUnsafeMutableBytes { readFully(fd, into: $0, at: 0) }
            body.fill { free in
                error = error ?? readFully(fd, into: free, at: headerSize)
                return error == nil ? free.count : 0
            }
            if let error { return .failure(error) }
            return .success((header, body))
        }
    }

    /// Whether every page of a mapping is in memory (mincore).
    private static func isResident(_ base: UnsafeMutableRawPointer, _ size: Int) -> Bool {
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        var pages = [UInt8](repeating: 0, count: (size + pageSize - 1) / pageSize)
        guard mincore(base, size, &pages) == 0 else { return false }
        return pages.allSatisfy { $0 & 1 == 1 }
    }

    /// Opens `path` and calls `body` with it and its size, if the size is in `sizes`.
    private static func withOpenFile<T>(_ path: String, sizes: ClosedRange<Int>,
                                        _ body: (Int32, Int) -> Result<T, Errno>) -> Result<T, Errno> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(Errno(errno)) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failure(Errno(errno)) }
        guard sizes.contains(Int(info.st_size)) else { return .failure(.invalid) }
        return body(fd, Int(info.st_size))
    }

    private static func readFully(_ fd: Int32, into bytes: UnsafeMutableRawBufferPointer, at offset: Int) -> Errno? {
        var done = 0
        while done < bytes.count {
            let count = pread(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return count < 0 ? Errno(errno) : .io }
            done += count
        }
        return nil
    }

    /// Writes `parts` to a new file at `temporary` (mode 0600), then renames it to `path`:
    /// readers see the old file or the whole new one, never a part.
    static func writeAtomically(_ bytes: [UInt8], to path: String, temporary: String) -> Errno? {
        bytes.withUnsafeBytes { writeAtomically([$0], to: path, temporary: temporary) }
    }

    static func writeAtomically(_ parts: [UnsafeRawBufferPointer], to path: String, temporary: String) -> Errno? {
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return Errno(errno) }
        var failure: Errno?
        outer: for part in parts {
            var done = 0
            while done < part.count {
                let count = write(fd, part.baseAddress! + done, part.count - done)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { failure = Errno(count < 0 ? errno : EIO); break outer }
                done += count
            }
        }
        if close(fd) != 0 && failure == nil { failure = Errno(errno) }
        if failure == nil && rename(temporary, path) != 0 { failure = Errno(errno) }
        if failure != nil { unlink(temporary) }
        return failure
    }

    /// Creates a directory readable by its owner only; an existing one is fine.
    static func makeDirectory(_ path: String) -> Errno? {
        if mkdir(path, 0o700) == 0 || errno == EEXIST { return nil }
        return Errno(errno)
    }

    /// Names in a directory, without "." and "..".
    static func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(cString: $0.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Removes a file or a whole tree; what does not exist is fine.
    static func remove(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR {
            for name in list(path) { remove("\(path)/\(name)") }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}
