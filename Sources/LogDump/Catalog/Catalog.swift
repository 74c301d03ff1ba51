#if canImport(Glibc)
import Glibc
#endif

public enum NodeKind: Sendable, Equatable { case directory, file }

/// One directory or file of the tree.
public struct CatalogNode: Sendable {
    public let inode: Inode
    /// The root's parent is the root.
    public let parent: Inode
    /// "" for the root; an ID for project and server directories; "exports";
    /// `<export_id>.tar.gz` for files.
    public let name: String
    public let kind: NodeKind
    /// A file's `created_at` (the epoch when absent); a directory's newest mtime below
    /// it (the epoch if none), so a backup sees a directory change when an export arrives.
    public let mtime: Timestamp
    /// Files only.
    public let entry: ExportEntry?
}

/// The immutable tree built from a manifest:
/// `/<project_id>/<server_id>/exports/<export_id>.tar.gz`.
///
/// Answers lookup/getattr/readdir without locks (nothing changes after init); a
/// manifest reload builds a new Catalog. Inode numbers depend only on the IDs (see
/// `InodeHash`), so they survive remounts and reordering of the manifest.
public final class Catalog: Sendable {
    private let nodes: [Inode: CatalogNode]
    private let childLists: [Inode: [CatalogNode]]
    private let byName: [ChildKey<Inode>: CatalogNode]
    public let fileCount: Int

    public init(_ manifest: Manifest) {
        var tree = TreeBuilder()
        for entry in manifest.entries { tree.add(entry) }
        let inodes = tree.assignInodes()

        var nodes: [Inode: CatalogNode] = [:]
        nodes.reserveCapacity(tree.nodes.count)
        var childLists: [Inode: [CatalogNode]] = [:]
        var byName: [ChildKey<Inode>: CatalogNode] = [:]
        byName.reserveCapacity(tree.nodes.count)
        var built: [CatalogNode] = []
        built.reserveCapacity(tree.nodes.count)
        for (index, pending) in tree.nodes.enumerated() {
            let node = CatalogNode(inode: inodes[index], parent: inodes[pending.parent], name: pending.name,
                                   kind: pending.entry == nil ? .directory : .file,
                                   mtime: pending.mtime, entry: pending.entry)
            built.append(node)
            nodes[node.inode] = node
            if node.kind == .directory { childLists[node.inode] = [] }
            if index != 0 { byName[ChildKey(parent: node.parent, name: node.name)] = node }
        }
        for (index, pending) in tree.nodes.enumerated() where !pending.children.isEmpty {
            childLists[inodes[index]] = pending.children.map { built[$0] }
                .sorted { byteOrderPrecedes($0.name, $1.name) }
        }
        self.nodes = nodes
        self.childLists = childLists
        self.byName = byName
        self.fileCount = manifest.entries.count
    }

    public func node(_ inode: Inode) -> CatalogNode? { nodes[inode] }

    /// The child called `name` (compared byte for byte), or nil: ENOENT, or ENOTDIR
    /// when `parent` is a file (check `node(parent)?.kind` to tell them apart).
    public func lookup(parent: Inode, name: String) -> CatalogNode? {
        byName[ChildKey(parent: parent, name: name)]
    }

    /// Sorted by name in byte order; nil when `directory` is not a directory.
    public func children(of directory: Inode) -> [CatalogNode]? { childLists[directory] }
}

/// Byte-wise (UTF-8) order, which is what `ls` shows in the C locale; Swift's String
/// `<` compares canonically normalized text instead.
func byteOrderPrecedes(_ a: String, _ b: String) -> Bool {
    var a = a, b = b
    a.makeContiguousUTF8()
    b.makeContiguousUTF8()
    let result: Bool?? = a.utf8.withContiguousStorageIfAvailable { pa in
        b.utf8.withContiguousStorageIfAvailable { pb in
            let common = min(pa.count, pb.count)
            if common > 0, let x = pa.baseAddress, let y = pb.baseAddress {
                let order = memcmp(x, y, common)
                if order != 0 { return order < 0 }
            }
            return pa.count < pb.count
        }
    }
    if let result = result ?? nil { return result }
    return a.utf8.lexicographicallyPrecedes(b.utf8)
}
