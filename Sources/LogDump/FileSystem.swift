import Synchronization

/// The filesystem's operations as plain Swift, for the FUSE adapter to call and for
/// tests to drive without a mount. Read-only: anything that would change the tree is
/// answered with EROFS by the adapter before it gets here.
public final class FileSystem: Sendable {
    /// The tree now shown. A reload swaps it whole; each operation takes it once and
    /// works on that one, and open files keep their own reader, so neither waits for
    /// nor notices a swap.
    public var catalog: Catalog { current.withLock { $0 } }
    private let current: Mutex<Catalog>
    public let ownership: Ownership
    private let loader: BlockLoader
    /// Learns the sizes the manifest does not give, one deadline per listing at most.
    private let prober: SizeProber
    private let openFiles = Mutex(OpenFiles())
    /// Each export's generation when it was last opened: a change since then means the
    /// kernel's page cache may hold old bytes, so the next open drops it.
    private let openedGenerations = Mutex<[Inode: Int]>([:])

    /// A size probe gets `probeTimeout`; a failed one is not repeated for `probeRetryDelay`,
    /// so a server that is down costs a listing one deadline, not one per file.
    public init(catalog: Catalog, source: any ExportSource, loader: BlockLoader,
                ownership: Ownership, probeTimeout: Duration = .seconds(5),
                probeRetryDelay: Duration = .seconds(30)) {
        self.current = Mutex(catalog)
        self.loader = loader
        self.ownership = ownership
        self.prober = SizeProber(source: source, timeout: probeTimeout, retryDelay: probeRetryDelay) { [loader] size, location in
            loader.learn(size: size, of: location)
        }
    }

    /// Shows `catalog` from now on; returns the one it replaces.
    @discardableResult
    public func replaceCatalog(with catalog: Catalog) -> Catalog {
        current.withLock { shown in
            let old = shown
            shown = catalog
            return old
        }
    }

    /// Stops the size probes, running or waiting: the mount is ending.
    public func stop() {
        prober.stop()
    }

    public func lookup(parent: Inode, name: String) throws(Errno) -> Attributes {
        let catalog = self.catalog
        guard let parentNode = catalog.node(parent) else { throw .noEntry }
        guard parentNode.kind == .directory else { throw .notDirectory }
        guard let node = catalog.lookup(parent: parent, name: name) else { throw .noEntry }
        return attributes(of: node, in: catalog, probing: true)
    }

    public func getattr(_ inode: Inode) throws(Errno) -> Attributes {
        let catalog = self.catalog
        guard let node = catalog.node(inode) else { throw .noEntry }
        return attributes(of: node, in: catalog, probing: false)
    }

    /// A symlink's target.
    public func readlink(_ inode: Inode) throws(Errno) -> String {
        guard let node = catalog.node(inode) else { throw .noEntry }
        guard let target = node.target else { throw .invalid }
        return target
    }

    /// A directory's entries, "." and ".." first. Never touches the network.
    public func readdir(_ inode: Inode) throws(Errno) -> [DirectoryEntry] {
        let catalog = self.catalog
        guard let node = catalog.node(inode) else { throw .noEntry }
        guard let children = catalog.children(of: inode) else { throw .notDirectory }
        var entries = [DirectoryEntry(name: ".", inode: inode, kind: .directory),
                       DirectoryEntry(name: "..", inode: node.parent, kind: .directory)]
        entries.reserveCapacity(children.count + 2)
        for child in children {
            entries.append(DirectoryEntry(name: child.name, inode: child.inode, kind: child.kind))
        }
        return entries
    }

    /// Opens an export for reading; returns the handle for `read` and `release`.
    public func open(_ inode: Inode) throws(Errno) -> OpenedFile {
        let catalog = self.catalog
        guard let node = catalog.node(inode) else { throw .noEntry }
        guard let entry = node.entry else { throw .isDirectory }
        let attributes = attributes(of: node, in: catalog, probing: true)
        if let size = entry.size { loader.promise(size: size, of: entry.location) }
        let reader = ExportReader(location: entry.location,
                                  size: attributes.sizeKnown ? attributes.size : nil, loader: loader)
        let handle = openFiles.withLock { $0.add(reader) }
        let generation = loader.generation(of: entry.location)
        let previous = openedGenerations.withLock { $0.updateValue(generation, forKey: inode) }
        return OpenedFile(handle: handle, directIO: !attributes.sizeKnown,
                          keepCache: previous == nil || previous == generation)
    }

    public func read(handle: UInt64, offset: UInt64, count: Int,
                     interruption: ReadInterruption? = nil) throws(Errno) -> ReadBytes {
        do throws(Errno) {
            guard let reader = openFiles.withLock({ $0.readers[handle] }) else { throw Errno.badFile }
            return try reader.read(at: offset, count: count, interruption: interruption)
        } catch {
            loader.statistics.failedRead(error)
            throw error
        }
    }

    public func release(handle: UInt64) {
        _ = openFiles.withLock { $0.readers.removeValue(forKey: handle) }
    }

    /// A file's extended attributes (its export's facts); a directory or symlink has none.
    public func extendedAttributes(_ inode: Inode) throws(Errno) -> [ExtendedAttribute] {
        guard let node = catalog.node(inode) else { throw .noEntry }
        guard let entry = node.entry else { return [] }
        return ExtendedAttribute.of(loader.facts(of: entry.location))
    }

    // MARK: Attributes

    private func attributes(of node: CatalogNode, in catalog: Catalog, probing: Bool) -> Attributes {
        switch node.kind {
        case .directory:
            // In this tree a directory holds directories only, or (exports/) files only.
            let children = catalog.children(of: node.inode) ?? []
            let subdirectories = children.first?.kind == .directory ? children.count : 0
            return Attributes(inode: node.inode, kind: .directory, mode: ownership.directoryMode,
                              size: 4096, links: UInt32(2 + subdirectories),
                              uid: ownership.uid, gid: ownership.gid, mtime: node.mtime, sizeKnown: true)
        case .symlink:
            return Attributes(inode: node.inode, kind: .symlink, mode: 0o777,
                              size: UInt64(node.target?.utf8.count ?? 0), links: 1,
                              uid: ownership.uid, gid: ownership.gid, mtime: node.mtime, sizeKnown: true)
        case .file:
            let size = node.entry.flatMap { exportSize(of: node, entry: $0, in: catalog, probing: probing) }
            return Attributes(inode: node.inode, kind: .file, mode: ownership.fileMode,
                              size: size ?? 0, links: 1,
                              uid: ownership.uid, gid: ownership.gid, mtime: node.mtime,
                              sizeKnown: size != nil)
        }
    }

    /// The manifest's size, else what reading or a probe has shown (probing, with the
    /// file's unsized siblings, on lookup).
    private func exportSize(of node: CatalogNode, entry: ExportEntry, in catalog: Catalog, probing: Bool) -> UInt64? {
        if let size = entry.size { return size }
        if let learned = loader.learnedSize(of: entry.location) { return learned }
        guard probing else { return prober.knownSize(of: entry.location) }
        return prober.size(of: entry.location) { unsizedSiblings(of: node, in: catalog) }
    }

    /// The exports in `node`'s directory whose size is not known yet, itself included.
    private func unsizedSiblings(of node: CatalogNode, in catalog: Catalog) -> [ExportLocation] {
        (catalog.children(of: node.parent) ?? []).compactMap { sibling in
            guard let entry = sibling.entry, entry.size == nil,
                  loader.learnedSize(of: entry.location) == nil else { return nil }
            return entry.location
        }
    }
}

/// One line of a directory listing.
public struct DirectoryEntry: Sendable, Equatable {
    public var name: String
    public var inode: Inode
    public var kind: NodeKind
}

/// What `open` hands back: the file handle and how the kernel should read it.
public struct OpenedFile: Sendable, Equatable {
    public var handle: UInt64
    /// Bypass the page cache: set when the size is unknown, so reads go on to the real end.
    public var directIO: Bool
    /// Keep what the page cache holds of the file: false once the export has changed.
    public var keepCache: Bool = true
}

/// Open files by handle.
private struct OpenFiles {
    var readers: [UInt64: ExportReader] = [:]
    var next: UInt64 = 1

    mutating func add(_ reader: ExportReader) -> UInt64 {
        let handle = next
        next += 1
        readers[handle] = reader
        return handle
    }
}
