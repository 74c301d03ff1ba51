import CFuse3
import Glibc
import LogDump

/// Copies core values into the C structs FUSE replies carry.
enum FuseReplies {
    /// How long the kernel may keep names and attributes: a manifest reload tells the
    /// kernel what changed (FuseMount.invalidate), but a size still unknown may be
    /// learned by reading, so those expire fast.
    static func timeout(for attributes: Attributes) -> Double {
        attributes.sizeKnown ? 3600 : 1
    }

    static func stat(_ attributes: Attributes) -> Glibc.stat {
        var st = Glibc.stat()
        st.st_ino = ino_t(attributes.inode.rawValue)
        st.st_mode = fileType(attributes.kind) | attributes.mode
        st.st_nlink = UInt(attributes.links)
        st.st_uid = attributes.uid
        st.st_gid = attributes.gid
        st.st_size = off_t(clamping: attributes.size)
        st.st_blksize = 4096
        st.st_blocks = blkcnt_t(clamping: (attributes.size + 511) / 512)
        let time = timespec(tv_sec: Int(attributes.mtime.seconds), tv_nsec: Int(attributes.mtime.nanoseconds))
        st.st_mtim = time
        st.st_ctim = time
        st.st_atim = time
        return st
    }

    static func entry(_ attributes: Attributes) -> fuse_entry_param {
        var entry = fuse_entry_param()
        entry.ino = attributes.inode.rawValue
        entry.generation = 1
        entry.attr = stat(attributes)
        entry.attr_timeout = timeout(for: attributes)
        entry.entry_timeout = timeout(for: attributes)
        return entry
    }

    static func fileType(_ kind: NodeKind) -> mode_t {
        switch kind {
        case .directory: S_IFDIR
        case .file: S_IFREG
        case .symlink: S_IFLNK
        }
    }
}
