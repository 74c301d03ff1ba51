/// What stat(2) shows for a node: the FUSE adapter copies it into a `struct stat`.
public struct Attributes: Sendable, Equatable {
    public var inode: Inode
    public var kind: NodeKind
    public var mode: UInt32          // permission bits only; the adapter adds S_IFDIR/S_IFREG
    public var size: UInt64
    public var links: UInt32
    public var uid: UInt32
    public var gid: UInt32
    public var mtime: Timestamp
    /// Whether `size` is the export's real size; when not, files open in direct I/O mode
    /// so reads still go to the end.
    public var sizeKnown: Bool
}

/// Who owns the files and which permission bits they show (`-o uid=,gid=,umask=`).
public struct Ownership: Sendable, Equatable {
    public var uid: UInt32
    public var gid: UInt32
    public var umask: UInt32

    public init(uid: UInt32, gid: UInt32, umask: UInt32 = 0o022) {
        self.uid = uid
        self.gid = gid
        self.umask = umask
    }

    var fileMode: UInt32 { 0o444 & ~umask }
    var directoryMode: UInt32 { 0o555 & ~umask }
}
