import CFuse3
import Glibc
import LogDump

/// What every callback reaches through fuse_req_userdata.
final class FuseContext: Sendable {
    let fileSystem: FileSystem
    let listings = DirectoryListings()
    init(_ fileSystem: FileSystem) { self.fileSystem = fileSystem }
}

/// The fuse_lowlevel_ops table. Each callback copies its arguments, calls the core,
/// and replies exactly once. They run on libfuse's worker threads, so none of them is
/// isolated to an actor (see DESIGN.md's pitfalls).
enum FuseOperations {
    static func table() -> fuse_lowlevel_ops {
        var ops = fuse_lowlevel_ops()
        ops.`init` = { _, conn in
            // 1 MiB requests: max_read must equal the -o max_read the mount passed; in
            // libfuse 3.14 max_write is what raises max_pages, hence read requests too.
            conn!.pointee.max_read = UInt32(FuseMount.maxRequest)
            conn!.pointee.max_write = UInt32(FuseMount.maxRequest)
            // The kernel lowers the mount's readahead to this when init is answered, even
            // below what FuseMount raised it to before: ask for as much. (Asking for less
            // than it raised it to once left a 4 MiB raise at 1 MiB.)
            conn!.pointee.max_readahead = UInt32(FuseMount.readAheadKiB << 10)
            // An O_DIRECT read sent as asynchronous requests waits for them in
            // uninterruptible sleep, and the kernel never forwards FUSE_INTERRUPT for
            // them: even kill -9 would wait for the network. Synchronous ones can be
            // interrupted.
            conn!.pointee.want &= ~UInt32(FUSE_CAP_ASYNC_DIO)
        }
        ops.lookup = { req, parent, name in
            let name = String(cString: name!)
            FuseOperations.reply(req) { fs throws(Errno) in
                var entry = FuseReplies.entry(try fs.lookup(parent: Inode(parent), name: name))
                fuse_reply_entry(req, &entry)
            }
        }
        ops.getattr = { req, ino, _ in
            FuseOperations.reply(req) { fs throws(Errno) in
                let attributes = try fs.getattr(Inode(ino))
                var st = FuseReplies.stat(attributes)
                fuse_reply_attr(req, &st, FuseReplies.timeout(for: attributes))
            }
        }
        ops.readlink = { req, ino in
            FuseOperations.reply(req) { fs throws(Errno) in
                fuse_reply_readlink(req, try fs.readlink(Inode(ino)))
            }
        }
        ops.open = { req, ino, fi in
            let flags = fi!.pointee.flags
            FuseOperations.reply(req) { fs throws(Errno) in
                guard flags & O_ACCMODE == O_RDONLY, flags & O_TRUNC == 0 else { throw Errno.readOnly }
                let opened = try fs.open(Inode(ino))
                fi!.pointee.fh = opened.handle
                ldfs_fi_set_direct_io(fi, opened.directIO ? 1 : 0)
                ldfs_fi_set_keep_cache(fi, !opened.directIO && opened.keepCache ? 1 : 0)
                fuse_reply_open(req, fi)
            }
        }
        ops.read = { req, _, size, offset, fi in
            let handle = fi!.pointee.fh
            let read = FuseOperations.interruptible(req) { interruption throws(Errno) in
                guard offset >= 0 else { throw Errno.invalid }
                let fs = FuseOperations.context(req).fileSystem
                return try fs.read(handle: handle, offset: UInt64(offset), count: size, interruption: interruption)
            }
            switch read {
            case .success(let bytes):
                // One iovec per block the read spans: the kernel copies straight from
                // the blocks. The slices keep them alive until the reply is written.
                var vectors = bytes.slices.map { slice in
                    iovec(iov_base: UnsafeMutableRawPointer(mutating: slice.bytes.baseAddress), iov_len: slice.count)
                }
                _ = fuse_reply_iov(req, &vectors, Int32(vectors.count))
            case .failure(let error):
                fuse_reply_err(req, error.rawValue)
            }
        }
        ops.release = { req, _, fi in
            let handle = fi!.pointee.fh
            FuseOperations.reply(req) { fs throws(Errno) in
                fs.release(handle: handle)
                fuse_reply_err(req, 0)
            }
        }
        ops.opendir = { req, ino, fi in
            FuseOperations.reply(req) { fs throws(Errno) in
                let entries = try fs.readdir(Inode(ino))
                fi!.pointee.fh = FuseOperations.context(req).listings.open(entries)
                fuse_reply_open(req, fi)
            }
        }
        ops.readdir = { req, _, size, offset, fi in
            let handle = fi!.pointee.fh
            FuseOperations.reply(req) { _ throws(Errno) in
                guard let entries = FuseOperations.context(req).listings.entries(handle) else { throw Errno.badFile }
                FuseOperations.replyDirectory(req, entries: entries, from: Int(max(0, offset)), size: size)
            }
        }
        ops.releasedir = { req, _, fi in
            FuseOperations.context(req).listings.close(fi!.pointee.fh)
            fuse_reply_err(req, 0)
        }
        ops.statfs = { req, _ in
            var stats = statvfs()
            stats.f_bsize = 4096
            stats.f_frsize = 4096
            stats.f_namemax = 255
            stats.f_files = UInt(FuseOperations.context(req).fileSystem.catalog.fileCount)
            fuse_reply_statfs(req, &stats)
        }
        ops.getxattr = { req, ino, name, size in
            // Asked of every file by `ls -l` (security.selinux, system.posix_acl_access):
            // names no file has are answered here, without a lock. ENODATA, not ENOSYS,
            // which the kernel would take to mean no name is ever supported.
            let name = String(cString: name!)
            guard ExtendedAttribute.names.contains(name) else { fuse_reply_err(req, ENODATA); return }
            FuseOperations.reply(req) { fs throws(Errno) in
                let attributes = try fs.extendedAttributes(Inode(ino))
                guard let attribute = attributes.first(where: { $0.name == name }) else { throw .noData }
                FuseOperations.replyXattr(req, Array(attribute.value.utf8), size: size)
            }
        }
        ops.listxattr = { req, ino, size in
            FuseOperations.reply(req) { fs throws(Errno) in
                let names: [UInt8] = try fs.extendedAttributes(Inode(ino)).flatMap { Array($0.name.utf8) + [0] }
                FuseOperations.replyXattr(req, names, size: size)
            }
        }
        installReadOnlyRefusals(&ops)
        return ops
    }

    /// Everything that would change the tree answers EROFS (the mount is also `ro`,
    /// so the kernel usually refuses first).
    private static func installReadOnlyRefusals(_ ops: inout fuse_lowlevel_ops) {
        ops.setattr = { req, _, _, _, _ in fuse_reply_err(req, EROFS) }
        ops.mknod = { req, _, _, _, _ in fuse_reply_err(req, EROFS) }
        ops.mkdir = { req, _, _, _ in fuse_reply_err(req, EROFS) }
        ops.unlink = { req, _, _ in fuse_reply_err(req, EROFS) }
        ops.rmdir = { req, _, _ in fuse_reply_err(req, EROFS) }
        ops.symlink = { req, _, _, _ in fuse_reply_err(req, EROFS) }
        ops.rename = { req, _, _, _, _, _ in fuse_reply_err(req, EROFS) }
        ops.link = { req, _, _, _ in fuse_reply_err(req, EROFS) }
        ops.write = { req, _, _, _, _, _ in fuse_reply_err(req, EROFS) }
        ops.create = { req, _, _, _, _ in fuse_reply_err(req, EROFS) }
        ops.setxattr = { req, _, _, _, _, _ in fuse_reply_err(req, EROFS) }
        ops.removexattr = { req, _, _ in fuse_reply_err(req, EROFS) }
        ops.fallocate = { req, _, _, _, _, _ in fuse_reply_err(req, EROFS) }
    }

    private static func context(_ req: fuse_req_t?) -> FuseContext {
        Unmanaged<FuseContext>.fromOpaque(fuse_req_userdata(req)!).takeUnretainedValue()
    }

    /// Runs `body` with a ReadInterruption that libfuse's interrupt callback sets when
    /// the kernel forwards FUSE_INTERRUPT (the caller got a signal). The callback is
    /// removed before this returns, hence before the reply: libfuse calls it under the
    /// request's lock, so once removed it can no longer touch the interruption.
    private static func interruptible<T>(_ req: fuse_req_t?,
                                         _ body: (ReadInterruption) throws(Errno) -> T) -> Result<T, Errno> {
        let interruption = ReadInterruption()
        let context = Unmanaged.passRetained(interruption)
        defer { context.release() }
        fuse_req_interrupt_func(req, { _, data in
            Unmanaged<ReadInterruption>.fromOpaque(data!).takeUnretainedValue().interrupt()
        }, context.toOpaque())
        defer { fuse_req_interrupt_func(req, nil, nil) }
        do { return .success(try body(interruption)) } catch { return .failure(error) }
    }

    /// Runs `body`, which replies on success; a thrown errno becomes the reply instead.
    private static func reply(_ req: fuse_req_t?, _ body: (FileSystem) throws(Errno) -> Void) {
        do {
            try body(FuseOperations.context(req).fileSystem)
        } catch {
            fuse_reply_err(req, error.rawValue)
        }
    }

    /// Answers getxattr or listxattr: the length when `size` is 0 (the caller asks how
    /// much room it needs), ERANGE when `size` is too small, else the bytes.
    private static func replyXattr(_ req: fuse_req_t?, _ bytes: [UInt8], size: Int) {
        if size == 0 {
            fuse_reply_xattr(req, bytes.count)
        } else if bytes.count > size {
            fuse_reply_err(req, ERANGE)
        } else {
            fuse_reply_buf(req, bytes, bytes.count)
        }
    }

    /// Packs entries from index `start` into one reply of at most `size` bytes; each
    /// entry's offset is the index of the next one, so the kernel resumes there.
    private static func replyDirectory(_ req: fuse_req_t?, entries: [DirectoryEntry], from start: Int, size: Int) {
        var buffer = [CChar](repeating: 0, count: size)
        var used = 0
        var index = start
        buffer.withUnsafeMutableBufferPointer { raw in
            while index < entries.count {
                let entry = entries[index]
                var st = Glibc.stat()
                st.st_ino = ino_t(entry.inode.rawValue)
                st.st_mode = FuseReplies.fileType(entry.kind)
                let needed = fuse_add_direntry(req, raw.baseAddress! + used, size - used,
                                               entry.name, &st, off_t(index + 1))
                if needed > size - used { break }
                used += needed
                index += 1
            }
        }
        fuse_reply_buf(req, buffer, used)
    }
}
