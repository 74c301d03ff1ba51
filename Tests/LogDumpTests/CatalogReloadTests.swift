import LogDump
import XCTest

/// A manifest reload swaps the FileSystem's catalog whole: new exports appear, removed
/// ones vanish while their open files read on, inode numbers stay, and CatalogChanges
/// names what the kernel must forget.
final class CatalogReloadTests: XCTestCase {
    private let endpoint = Endpoint(validated: "http://127.0.0.1:1")
    private let bytes = ReaderFixtures.bytes(10_000)

    private func entry(_ id: String, server: String = "s1", size: UInt64? = 10_000, created: Int64 = 1_790_000_000) -> ExportEntry {
        ExportEntry(key: ExportKey(projectID: "p1", serverID: server, exportID: id), endpoint: endpoint,
                    size: size, createdAt: Timestamp(seconds: created))
    }

    private func catalog(_ entries: [ExportEntry]) -> Catalog {
        Catalog(Manifest(endpoint: endpoint, entries: entries))
    }

    private func inode(_ fs: FileSystem, _ path: [String]) throws -> Inode {
        var inode = Inode.root
        for name in path { inode = try fs.lookup(parent: inode, name: name).inode }
        return inode
    }

    func testSwapShowsNewExportsHidesRemovedOnesAndKeepsOpenFilesReading() throws {
        let source = MemoryExportSource()
        let (e1, e2, e3) = (entry("e1"), entry("e2"), entry("e3"))
        for entry in [e1, e2, e3] { source.add(bytes, at: entry.location) }
        let loader = ReaderFixtures.loader(source: source)
        defer { loader.shutdown() }
        let fs = FileSystem(catalog: catalog([e1, e2]), source: source, loader: loader,
                            ownership: Ownership(uid: 0, gid: 0))
        let path = ["p1", "s1", "exports"]
        let kept = try inode(fs, path + ["e1.tar.gz"])
        let removed = try inode(fs, path + ["e2.tar.gz"])
        let opened = try fs.open(removed)
        let head = try fs.read(handle: opened.handle, offset: 0, count: 4_000).array

        let old = fs.replaceCatalog(with: catalog([e1, e3]))
        XCTAssertEqual(old.fileCount, 2)
        XCTAssertEqual(try fs.readdir(try inode(fs, path)).map(\.name), [".", "..", "e1.tar.gz", "e3.tar.gz"])
        XCTAssertEqual(try inode(fs, path + ["e1.tar.gz"]), kept, "an unchanged file keeps its inode")
        XCTAssertThrowsError(try fs.lookup(parent: try inode(fs, path), name: "e2.tar.gz")) {
            XCTAssertEqual($0 as? Errno, .noEntry)
        }
        let tail = try fs.read(handle: opened.handle, offset: 4_000, count: 6_000).array
        XCTAssertEqual(head + tail, bytes, "the open file reads on to its end after the swap")
        fs.release(handle: opened.handle)
        let added = try fs.open(try inode(fs, path + ["e3.tar.gz"]))
        XCTAssertEqual(try fs.read(handle: added.handle, offset: 0, count: 10_000).array, bytes)
        fs.release(handle: added.handle)
    }

    func testAChangedSizeAppliesToTheNextLookup() throws {
        let source = MemoryExportSource()
        let loader = ReaderFixtures.loader(source: source)
        defer { loader.shutdown() }
        let fs = FileSystem(catalog: catalog([entry("e1", size: 10_000)]), source: source, loader: loader,
                            ownership: Ownership(uid: 0, gid: 0))
        let path = ["p1", "s1", "exports", "e1.tar.gz"]
        XCTAssertEqual(try fs.getattr(try inode(fs, path)).size, 10_000)
        fs.replaceCatalog(with: catalog([entry("e1", size: 20_000)]))
        XCTAssertEqual(try fs.getattr(try inode(fs, path)).size, 20_000)
    }

    func testChangesNameRemovedEntriesAndChangedInodesOnly() throws {
        let old = catalog([entry("e1"), entry("e2"), entry("e9", server: "s2")])
        let new = catalog([entry("e1"), entry("e2", size: 5), entry("e3")])
        let changes = CatalogChanges(from: old, to: new)
        let project = try XCTUnwrap(old.lookup(parent: .root, name: "p1"))
        let s1 = try XCTUnwrap(old.lookup(parent: project.inode, name: "s1"))
        let exports = try XCTUnwrap(old.lookup(parent: s1.inode, name: "exports"))
        let e2 = try XCTUnwrap(old.lookup(parent: exports.inode, name: "e2.tar.gz"))
        XCTAssertEqual(changes.names.map(\.description), ["\(project.inode)/s2"], "the removed server, not what it held")
        XCTAssertEqual(Set(changes.inodes), [project.inode, exports.inode, e2.inode],
                       "the project lost a server, exports/ gained a file, e2's size changed")
        XCTAssertTrue(CatalogChanges(from: new, to: catalog([entry("e1"), entry("e2", size: 5), entry("e3")])).isEmpty)
    }

    func testInodesOfUnchangedPathsSurviveAReload() {
        let old = catalog([entry("e1"), entry("e2", server: "s2")])
        let new = catalog([entry("e0", server: "s0"), entry("e1"), entry("e2", server: "s2", size: 7)])
        for path in [["p1"], ["p1", "s1"], ["p1", "s1", "exports"], ["p1", "s1", "exports", "e1.tar.gz"],
                     ["p1", "s2", "exports", "e2.tar.gz"]] {
            XCTAssertEqual(resolve(old, path), resolve(new, path), path.joined(separator: "/"))
        }
    }

    private func resolve(_ catalog: Catalog, _ path: [String]) -> Inode? {
        var inode = Inode.root
        for name in path {
            guard let node = catalog.lookup(parent: inode, name: name) else { return nil }
            inode = node.inode
        }
        return inode
    }
}
