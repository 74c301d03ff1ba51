/// Builds the tree's nodes from manifest entries, before inode numbers are known.
/// Node 0 is the root; parents always come before their children.
struct TreeBuilder {
    struct PendingNode {
        var parent: Int
        var name: String
        var kind: NodeKind
        /// Index in the manifest's entries for a file; nil otherwise.
        var entry: Int?
        /// A symlink's target.
        var target: String? = nil
        var mtime: Timestamp
        var children: [Int] = []
        /// FNV-1a state after the node's path, so a child's hash extends it.
        var pathHash: InodeHash
    }

    private(set) var nodes: [PendingNode] = [
        PendingNode(parent: 0, name: "", kind: .directory, entry: nil, mtime: .epoch, pathHash: InodeHash()),
    ]
    private var directories: [ChildKey<Int>: Int] = [:]
    /// Server directory node -> the name the manifest first gives that server.
    private var serverNames: [Int: String] = [:]

    /// Room for `files` files and their directories (a quarter as many, most manifests need
    /// far fewer), so a large tree is not copied as it grows.
    init(files: Int = 0) {
        nodes.reserveCapacity(1 + files + files / 4)
    }

    static let exportsDirectoryName = "exports"
    static let fileSuffix = ".tar.gz"

    /// The last entry's project and server directories: manifests often list a
    /// project's, or a server's, exports together, so many entries reuse them.
    private var lastProject: (id: String, node: Int)?
    private var lastServer: (id: String, node: Int)?
    /// Each server directory's `exports` child, by the server's node.
    private var exportsDirectories: [Int: Int] = [:]

    /// Adds the file for `entry`, the manifest's entry number `index`.
    mutating func add(_ entry: ExportEntry, index: Int) {
        let project: Int
        if let last = lastProject, bytesEqual(last.id, entry.key.projectID) {
            project = last.node
        } else {
            project = directory(entry.key.projectID, in: 0)
            (lastProject, lastServer) = ((entry.key.projectID, project), nil)
        }
        let server: Int
        if let last = lastServer, bytesEqual(last.id, entry.key.serverID) {
            server = last.node
        } else {
            server = directory(entry.key.serverID, in: project)
            lastServer = (entry.key.serverID, server)
        }
        let exports: Int
        if let known = exportsDirectories[server] {
            exports = known
        } else {
            exports = directory(Self.exportsDirectoryName, in: server)
            exportsDirectories[server] = exports
        }
        if let name = entry.serverName, serverNames[server] == nil { serverNames[server] = name }
        let mtime = entry.createdAt ?? .epoch
        // Duplicates were rejected by the manifest, so the file name is new here.
        _ = append(name: entry.key.exportID + Self.fileSuffix, parent: exports, kind: .file, entry: index, mtime: mtime)
        var ancestor = exports
        while true {
            if nodes[ancestor].mtime < mtime { nodes[ancestor].mtime = mtime }
            if ancestor == 0 { break }
            ancestor = nodes[ancestor].parent
        }
    }

    /// Adds `/<project>/by-name/<link>` -> `../<server_id>` for every server the
    /// manifest names (see `ServerNames`). Call once, after the last `add`.
    mutating func addServerNameLinks() {
        var byProject: [Int: [(serverID: String, name: String)]] = [:]
        for (server, name) in serverNames {
            byProject[nodes[server].parent, default: []].append((nodes[server].name, name))
        }
        for (project, names) in byProject.sorted(by: { $0.key < $1.key }) {
            // A server whose ID is "by-name" keeps its directory; the project has no links.
            guard directories[ChildKey(parent: project, name: ServerNames.directoryName)] == nil else { continue }
            let links = ServerNames.links(for: names).sorted { byteOrderPrecedes($0.link, $1.link) }
            guard !links.isEmpty else { continue }
            let directory = directory(ServerNames.directoryName, in: project)
            for (link, serverID) in links {
                let mtime = directories[ChildKey(parent: project, name: serverID)].map { nodes[$0].mtime } ?? .epoch
                let node = append(name: link, parent: directory, kind: .symlink, entry: nil, mtime: mtime)
                nodes[node].target = "../" + serverID
                if nodes[directory].mtime < mtime { nodes[directory].mtime = mtime }
            }
        }
    }

    private mutating func directory(_ name: String, in parent: Int) -> Int {
        let key = ChildKey(parent: parent, name: name)
        if let existing = directories[key] { return existing }
        let index = append(name: name, parent: parent, kind: .directory, entry: nil, mtime: .epoch)
        directories[key] = index
        return index
    }

    private mutating func append(name: String, parent: Int, kind: NodeKind, entry: Int?, mtime: Timestamp) -> Int {
        var hash = nodes[parent].pathHash
        hash.add(UInt8(ascii: "/"))
        hash.add(name)
        nodes.append(PendingNode(parent: parent, name: name, kind: kind, entry: entry, mtime: mtime, pathHash: hash))
        let index = nodes.count - 1
        nodes[parent].children.append(index)
        return index
    }

    /// The full path of node `index`, e.g. `/p/s/exports/e.tar.gz`.
    func path(of index: Int) -> String {
        var names: [String] = []
        var current = index
        while current != 0 {
            names.append(nodes[current].name)
            current = nodes[current].parent
        }
        return names.reversed().map { "/" + $0 }.joined()
    }

    /// Inode numbers, one per node, by the rule in `InodeHash`: a node whose path hash
    /// is unique (and not 0 or 1) gets it; the rest, taken in byte order of their
    /// paths, get the first salted hash not yet used. The same set of paths therefore
    /// always gives the same numbers, whatever the manifest's order.
    func assignInodes() -> [Inode] {
        let hashes = nodes.map(\.pathHash.value)
        return Self.assignInodes(primaryHashes: hashes, path: path(of:), salted: { InodeHash.of(path: $0, salt: $1) })
    }

    /// The rule above, with the hashes passed in so tests can force collisions.
    /// Index 0 is the root and always gets `Inode.root`.
    static func assignInodes(primaryHashes: [UInt64], path: (Int) -> String,
                             salted: (String, Int) -> UInt64) -> [Inode] {
        // Sorted, the hashes show which occur more than once (almost never any): no
        // hash table over every node.
        let sorted = primaryHashes.dropFirst().sorted()
        var shared = Set<UInt64>()
        for index in sorted.indices.dropFirst() where sorted[index] == sorted[index - 1] { shared.insert(sorted[index]) }

        var inodes = [Inode](repeating: .root, count: primaryHashes.count)
        var colliding: [Int] = []
        for (index, hash) in primaryHashes.enumerated().dropFirst() {
            if hash > 1 && !shared.contains(hash) {
                inodes[index] = Inode(hash)
            } else {
                colliding.append(index)
            }
        }
        guard !colliding.isEmpty else { return inodes }
        // Taken: 0, the root, every unique hash (all in `sorted`), and each salted one given out.
        var given: Set<UInt64> = [0, Inode.root.rawValue]
        func taken(_ hash: UInt64) -> Bool {
            if given.contains(hash) { return true }
            var low = 0, high = sorted.count
            while low < high {
                let middle = (low + high) / 2
                if sorted[middle] < hash { low = middle + 1 } else { high = middle }
            }
            return low < sorted.count && sorted[low] == hash && !shared.contains(hash)
        }
        let ordered = colliding.map { (index: $0, path: path($0)) }
            .sorted { byteOrderPrecedes($0.path, $1.path) }
        for (index, path) in ordered {
            var salt = 0
            var hash = primaryHashes[index]
            while taken(hash) {
                salt += 1
                hash = salted(path, salt)
            }
            given.insert(hash)
            inodes[index] = Inode(hash)
        }
        return inodes
    }
}
