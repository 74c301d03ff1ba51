#if canImport(Glibc)
import Glibc
#endif

public enum NodeKind: Sendable, Equatable { case directory, file, symlink }

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
    /// Symlinks only: `../<server_id>` for a link of `by-name/`.
    public var target: String? = nil
}

/// The immutable tree built from a manifest:
/// `/<project_id>/<server_id>/exports/<export_id>.tar.gz`, and
/// `/<project_id>/by-name/<server_name>` -> `../<server_id>` (see `ServerNames`).
///
/// Answers lookup/getattr/readdir without locks (nothing changes after init); a
/// manifest reload builds a new Catalog and swaps it in whole. Inode numbers depend only on the IDs (see
/// `InodeHash`), so they survive remounts and reordering of the manifest.
public final class Catalog: Sendable {
    private let root: CatalogNode
    /// Every directory's children, sorted by name in byte order: the one place nodes
    /// are stored (readdir returns these arrays without copying).
    private let childLists: [Inode: [CatalogNode]]
    /// Where each non-root node sits: its parent's list and its position there.
    private let slots: [Inode: Slot]
    public let fileCount: Int

    private struct Slot: Sendable {
        var parent: Inode
        var position: Int
    }

    public init(_ manifest: Manifest) {
        var tree = TreeBuilder(files: manifest.entries.count)
        for (index, entry) in manifest.entries.enumerated() { tree.add(entry, index: index) }
        tree.addServerNameLinks()
        let inodes = tree.assignInodes()

        var childLists: [Inode: [CatalogNode]] = [:]
        var slots: [Inode: Slot] = [:]
        slots.reserveCapacity(tree.nodes.count)
        for (index, pending) in tree.nodes.enumerated() where pending.kind == .directory {
            let parent = inodes[index]
            // Indices are sorted, not nodes (cheap to move); manifests often list names in
            // order already, which one pass confirms.
            var order = pending.children
            let inOrder = zip(order, order.dropFirst()).allSatisfy { byteOrderPrecedes(tree.nodes[$0].name, tree.nodes[$1].name) }
            if !inOrder { order.sort { byteOrderPrecedes(tree.nodes[$0].name, tree.nodes[$1].name) } }
            let children = order.map { child in
                let node = tree.nodes[child]
                return CatalogNode(inode: inodes[child], parent: parent, name: node.name,
                                   kind: node.kind, mtime: node.mtime,
                                   entry: node.entry.map { manifest.entries[$0] }, target: node.target)
            }
            for (position, child) in children.enumerated() {
                slots[child.inode] = Slot(parent: parent, position: position)
            }
            childLists[parent] = children
        }
        self.root = CatalogNode(inode: .root, parent: .root, name: "", kind: .directory,
                                mtime: tree.nodes[0].mtime, entry: nil)
        self.childLists = childLists
        self.slots = slots
        self.fileCount = manifest.entries.count
    }

    public func node(_ inode: Inode) -> CatalogNode? {
        if inode == .root { return root }
        guard let slot = slots[inode], let siblings = childLists[slot.parent] else { return nil }
        return siblings[slot.position]
    }

    /// The child called `name` (compared byte for byte), or nil: ENOENT, or ENOTDIR
    /// when `parent` is a file (check `node(parent)?.kind` to tell them apart).
    /// A binary search of the sorted children: no second index to keep in memory.
    public func lookup(parent: Inode, name: String) -> CatalogNode? {
        guard let children = childLists[parent] else { return nil }
        var low = 0
        var high = children.count
        while low < high {
            let middle = (low + high) / 2
            if byteOrderPrecedes(children[middle].name, name) { low = middle + 1 } else { high = middle }
        }
        guard low < children.count, bytesEqual(children[low].name, name) else { return nil }
        return children[low]
    }

    /// Sorted by name in byte order; nil when `directory` is not a directory.
    public func children(of directory: Inode) -> [CatalogNode]? { childLists[directory] }

    /// The node's path below the mountpoint (`/p/s/exports`), for messages.
    public func path(of inode: Inode) -> String? {
        var names: [String] = []
        var current = inode
        while current != .root {
            guard let node = node(current) else { return nil }
            names.append(node.name)
            current = node.parent
        }
        return "/" + names.reversed().joined(separator: "/")
    }
}

/// Byte-wise (UTF-8) order, which is what `ls` shows in the C locale; Swift's String
/// `<` compares canonically normalized text instead.
func byteOrderPrecedes(_ a: String, _ b: String) -> Bool { byteOrder(a, b) < 0 }

/// Negative, zero or positive as `a` comes before, equals or follows `b` in byte-wise
/// (UTF-8) order: one comparison where a merge of two sorted lists needs all three answers.
func byteOrder(_ a: String, _ b: String) -> Int {
    var a = a, b = b
    a.makeContiguousUTF8()
    b.makeContiguousUTF8()
    let result: Int?? = a.utf8.withContiguousStorageIfAvailable { pa in
        b.utf8.withContiguousStorageIfAvailable { pb in
            let common = min(pa.count, pb.count)
            if common > 0, let x = pa.baseAddress, let y = pb.baseAddress {
                let order = memcmp(x, y, common)
                if order != 0 { return Int(order) }
            }
            return pa.count - pb.count
        }
    }
    if let result = result ?? nil { return result }
    if a.utf8.elementsEqual(b.utf8) { return 0 }
    return a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : 1
}
