#if canImport(Glibc)
import Glibc
#endif

/// The few file operations the disk cache needs, on plain POSIX calls: errors come back
/// as an Errno, and nothing here throws away what errno said.
enum Files {
    /// The whole file at `path`, or the errno that stopped reading it (EINVAL: larger
    /// than `limit`).
    static func read(_ path: String, limit: Int) -> Result<[UInt8], Errno> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(Errno(errno)) }
        defer { close(fd) }
        return read(fd, limit: limit)
    }

    /// The whole open file `fd`, or the errno that stopped reading it.
    static func read(_ fd: Int32, limit: Int) -> Result<[UInt8], Errno> {
        withSize(fd, in: 0...limit) { size in
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
    static func map(_ fd: Int32, headerSize: Int, limit: Int,
                    mapping: Bool = true) -> Result<(header: [UInt8], body: Block), Errno> {
        withSize(fd, in: headerSize...limit) { size in
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

    /// Calls `body` with the size of `fd`, if the size is in `sizes` (else EINVAL).
    private static func withSize<T>(_ fd: Int32, in sizes: ClosedRange<Int>,
                                    _ body: (Int) -> Result<T, Errno>) -> Result<T, Errno> {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failure(Errno(errno)) }
        guard sizes.contains(Int(info.st_size)) else { return .failure(.invalid) }
        return body(Int(info.st_size))
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

    /// Writes `parts` one after another to `fd`.
    static func write(_ parts: [UnsafeRawBufferPointer], to fd: Int32) -> Errno? {
        for part in parts {
            var done = 0
            while done < part.count {
                let count = Glibc.write(fd, part.baseAddress! + done, part.count - done)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return Errno(count < 0 ? errno : EIO) }
                done += count
            }
        }
        return nil
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
        return names(dir)
    }

    /// The names an open directory stream reads, without "." and "..".
    static func names(_ dir: OpaquePointer) -> [String] {
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(cString: $0.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Removes a file or a whole tree (walked by descriptors, following no symbolic link
    /// below `path`); what does not exist is fine.
    static func remove(_ path: String) {
        let slash = path.lastIndex(of: "/")
        let parent = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard !name.isEmpty, case .success(let directory) = DirectoryHandle.open(parent) else { return }
        directory.remove(name)
    }
}
