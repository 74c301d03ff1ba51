/// What the kernel must be told to forget when one catalog replaces another, so `ls`
/// and `stat` show the new tree at once instead of after their cache timeouts: names
/// it may hold that are gone or now mean something else, and inodes whose attributes
/// (size, mtime, link count) or listing changed.
///
/// The trees are walked side by side by name, so it costs one pass over both.
public struct CatalogChanges: Sendable, Equatable {
    /// A directory entry to forget.
    public struct Name: Sendable, Equatable, CustomStringConvertible {
        public let parent: Inode
        public let name: String
        public var description: String { "\(parent)/\(name)" }
    }

    /// Entries that were removed or replaced by something different.
    public private(set) var names: [Name] = []
    /// Nodes kept with different attributes, and directories whose listing changed.
    public private(set) var inodes: [Inode] = []

    public var isEmpty: Bool { names.isEmpty && inodes.isEmpty }

    public init(from old: Catalog, to new: Catalog) {
        let rootChanged = old.node(.root)?.mtime != new.node(.root)?.mtime
        if rootChanged { inodes.append(.root) }
        compare(.root, .root, old: old, new: new, listed: rootChanged)
    }

    /// `listed`: `oldDirectory` is in `inodes` already.
    private mutating func compare(_ oldDirectory: Inode, _ newDirectory: Inode, old: Catalog, new: Catalog, listed: Bool) {
        let before = old.children(of: oldDirectory) ?? []
        let after = new.children(of: newDirectory) ?? []
        var listingChanged = false
        var i = 0
        var j = 0
        while i < before.count || j < after.count {
            let order = j == after.count ? -1 : i == before.count ? 1 : byteOrder(before[i].name, after[j].name)
            if order < 0 {
                names.append(Name(parent: oldDirectory, name: before[i].name))
                listingChanged = true
                i += 1
            } else if order > 0 {
                listingChanged = true
                j += 1
            } else {
                let (a, b) = (before[i], after[j])
                if a.inode != b.inode || a.kind != b.kind {
                    names.append(Name(parent: oldDirectory, name: a.name))
                    listingChanged = true
                } else {
                    let changed = a.mtime != b.mtime || a.entry != b.entry || !sameTarget(a.target, b.target)
                    if changed { inodes.append(a.inode) }
                    if a.kind == .directory { compare(a.inode, b.inode, old: old, new: new, listed: changed) }
                }
                i += 1
                j += 1
            }
        }
        if listingChanged && !listed { inodes.append(oldDirectory) }
    }

    private func sameTarget(_ a: String?, _ b: String?) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case let (a?, b?): bytesEqual(a, b)
        default: false
        }
    }
}
