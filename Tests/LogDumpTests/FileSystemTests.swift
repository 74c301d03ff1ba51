import LogDump
import XCTest

/// The filesystem's operations driven directly, over an in-memory source.
final class FileSystemTests: XCTestCase {
    private let endpoint = Endpoint(validated: "http://127.0.0.1:1")
    private let bytes = ReaderFixtures.bytes(10_000)

    private func entry(_ id: String, size: UInt64?, created: Int64? = nil) -> ExportEntry {
        ExportEntry(key: ExportKey(projectID: "p1", serverID: "s1", exportID: id), endpoint: endpoint,
                    size: size, createdAt: created.map { Timestamp(seconds: $0) })
    }

    private func makeFileSystem(_ entries: [ExportEntry], source: MemoryExportSource,
                                ownership: Ownership = Ownership(uid: 1000, gid: 100),
                                probeRetryDelay: Duration = .seconds(30)) -> (FileSystem, BlockLoader) {
        for entry in entries { source.add(bytes, at: entry.location) }
        let loader = ReaderFixtures.loader(source: source)
        let fileSystem = FileSystem(catalog: Catalog(Manifest(endpoint: endpoint, entries: entries)),
                                    source: source, loader: loader, ownership: ownership,
                                    probeRetryDelay: probeRetryDelay)
        return (fileSystem, loader)
    }

    private func fileInode(_ fs: FileSystem, _ name: String) throws -> Inode {
        let project = try fs.lookup(parent: .root, name: "p1").inode
        let server = try fs.lookup(parent: project, name: "s1").inode
        let exports = try fs.lookup(parent: server, name: "exports").inode
        return try fs.lookup(parent: exports, name: name).inode
    }

    func testAttributesFollowTheManifestAndOwnership() throws {
        let (fs, loader) = makeFileSystem([entry("e1", size: 10_000, created: 1_790_000_000)],
                                          source: MemoryExportSource(),
                                          ownership: Ownership(uid: 1000, gid: 100, umask: 0o027))
        defer { loader.shutdown() }
        let file = try fs.getattr(try fileInode(fs, "e1.tar.gz"))
        XCTAssertEqual(file.kind, .file)
        XCTAssertEqual(file.size, 10_000)
        XCTAssertEqual(file.mode, 0o440)
        XCTAssertEqual(file.uid, 1000)
        XCTAssertEqual(file.gid, 100)
        XCTAssertEqual(file.mtime, Timestamp(seconds: 1_790_000_000))
        XCTAssertTrue(file.sizeKnown)
        let root = try fs.getattr(.root)
        XCTAssertEqual(root.kind, .directory)
        XCTAssertEqual(root.mode, 0o550)
        XCTAssertEqual(root.links, 3, "., .. and one project")
    }

    func testMissingNamesAreENOENTAndFilesAreNotDirectories() throws {
        let (fs, loader) = makeFileSystem([entry("e1", size: 10_000)], source: MemoryExportSource())
        defer { loader.shutdown() }
        XCTAssertThrowsError(try fs.lookup(parent: .root, name: "nope")) { XCTAssertEqual($0 as? Errno, .noEntry) }
        XCTAssertThrowsError(try fs.getattr(Inode(12345))) { XCTAssertEqual($0 as? Errno, .noEntry) }
        let file = try fileInode(fs, "e1.tar.gz")
        XCTAssertThrowsError(try fs.lookup(parent: file, name: "x")) { XCTAssertEqual($0 as? Errno, .notDirectory) }
        XCTAssertThrowsError(try fs.readdir(file)) { XCTAssertEqual($0 as? Errno, .notDirectory) }
        XCTAssertThrowsError(try fs.open(.root)) { XCTAssertEqual($0 as? Errno, .isDirectory) }
        XCTAssertThrowsError(try fs.read(handle: 999, offset: 0, count: 1)) { XCTAssertEqual($0 as? Errno, .badFile) }
    }

    func testReaddirListsTheTreeWithoutTheNetwork() throws {
        let source = MemoryExportSource()
        let (fs, loader) = makeFileSystem([entry("b", size: nil), entry("a", size: nil)], source: source)
        defer { loader.shutdown() }
        let project = try XCTUnwrap(try fs.readdir(.root).first { $0.name == "p1" })
        let server = try XCTUnwrap(try fs.readdir(project.inode).first { $0.name == "s1" })
        let exports = try XCTUnwrap(try fs.readdir(server.inode).first { $0.name == "exports" })
        let files = try fs.readdir(exports.inode)
        XCTAssertEqual(files.map(\.name), [".", "..", "a.tar.gz", "b.tar.gz"])
        XCTAssertEqual(files[1].inode, server.inode, ".. is the parent")
        XCTAssertEqual(source.requestCount, 0, "readdir never touches the network")
    }

    func testUnknownSizeIsProbedOnceOnLookup() throws {
        let source = MemoryExportSource()
        let (fs, loader) = makeFileSystem([entry("e1", size: nil)], source: source)
        defer { loader.shutdown() }
        let inode = try fileInode(fs, "e1.tar.gz")
        XCTAssertEqual(source.requestCount, 1, "one probe")
        XCTAssertEqual(try fs.getattr(inode).size, 10_000)
        _ = try fileInode(fs, "e1.tar.gz")
        XCTAssertEqual(source.requestCount, 1, "the probed size is remembered")
        let opened = try fs.open(inode)
        XCTAssertFalse(opened.directIO)
        XCTAssertEqual(Array(try fs.read(handle: opened.handle, offset: 9_990, count: 100)), Array(bytes[9_990...]))
    }

    func testNoSizeAtAllOpensDirectAndStreamsToTheEnd() throws {
        var behaviour = MemoryExportSource.Behaviour()
        behaviour.honoursRange = false
        behaviour.sendsLength = false
        let source = MemoryExportSource(behaviour: behaviour)
        let (fs, loader) = makeFileSystem([entry("e1", size: nil)], source: source)
        defer { loader.shutdown() }
        let inode = try fileInode(fs, "e1.tar.gz")
        let before = try fs.getattr(inode)
        XCTAssertFalse(before.sizeKnown)
        XCTAssertEqual(before.size, 0, "ls -l shows 0 until the size is learned")
        let opened = try fs.open(inode)
        XCTAssertTrue(opened.directIO, "direct I/O, so reads go on past st_size 0")
        var read: [UInt8] = []
        while case let piece = try fs.read(handle: opened.handle, offset: UInt64(read.count), count: 4096), !piece.isEmpty {
            read += piece
        }
        XCTAssertEqual(read, bytes)
        XCTAssertEqual(try fs.getattr(inode).size, 10_000, "reading to the end teaches the size")
        fs.release(handle: opened.handle)
    }

    func testAFailedProbeIsNotRepeatedAtOnce() throws {
        let source = MemoryExportSource()
        let (fs, loader) = makeFileSystem([entry("e1", size: nil)], source: source)
        defer { loader.shutdown() }
        source.failNext([.timedOut("no answer")])
        let inode = try fileInode(fs, "e1.tar.gz")
        _ = try fileInode(fs, "e1.tar.gz")
        XCTAssertFalse(try fs.getattr(inode).sizeKnown)
        XCTAssertEqual(source.requestCount, 1, "one failed probe, then a pause")
    }

    func testAFailedProbeIsRetriedAfterTheDelay() throws {
        let source = MemoryExportSource()
        let (fs, loader) = makeFileSystem([entry("e1", size: nil)], source: source, probeRetryDelay: .zero)
        defer { loader.shutdown() }
        source.failNext([.network("connection refused")])
        let inode = try fileInode(fs, "e1.tar.gz")
        XCTAssertFalse(try fs.getattr(inode).sizeKnown)
        _ = try fileInode(fs, "e1.tar.gz")
        XCTAssertEqual(try fs.getattr(inode).size, 10_000)
        XCTAssertEqual(source.requestCount, 2)
    }
}
