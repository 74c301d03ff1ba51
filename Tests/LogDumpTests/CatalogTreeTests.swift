import XCTest
import LogDump

final class CatalogTreeTests: XCTestCase {
    private func catalog(_ json: String) throws -> Catalog { Catalog(try parseManifest(json)) }

    private let manifest = #"""
    {"endpoint": "http://h", "exports": [
      {"project_id": "p2", "server_id": "s1", "export_id": "b", "created_at": "2026-01-02T00:00:00Z"},
      {"project_id": "p1", "server_id": "s2", "export_id": "z"},
      {"project_id": "p1", "server_id": "s1", "export_id": "y", "created_at": "2026-01-01T00:00:00.5Z", "size": 10},
      {"project_id": "p1", "server_id": "s1", "export_id": "B", "created_at": "2025-01-01T00:00:00Z"},
      {"project_id": "p1", "server_id": "s1", "export_id": "a"}
    ]}
    """#

    func testRootAndProjects() throws {
        let catalog = try catalog(manifest)
        let root = try XCTUnwrap(catalog.node(.root))
        XCTAssertEqual(root.inode, .root)
        XCTAssertEqual(root.parent, .root)
        XCTAssertEqual(root.name, "")
        XCTAssertEqual(root.kind, .directory)
        XCTAssertNil(root.entry)
        XCTAssertEqual(catalog.children(of: .root)?.map(\.name), ["p1", "p2"])
        XCTAssertEqual(catalog.fileCount, 5)
    }

    func testPathDownToAFile() throws {
        let catalog = try catalog(manifest)
        let project = try XCTUnwrap(catalog.lookup(parent: .root, name: "p1"))
        XCTAssertEqual(project.kind, .directory)
        XCTAssertEqual(project.parent, .root)
        XCTAssertEqual(catalog.children(of: project.inode)?.map(\.name), ["s1", "s2"])

        let server = try XCTUnwrap(catalog.lookup(parent: project.inode, name: "s1"))
        XCTAssertEqual(server.parent, project.inode)
        XCTAssertEqual(catalog.children(of: server.inode)?.map(\.name), ["exports"])

        let exports = try XCTUnwrap(catalog.lookup(parent: server.inode, name: "exports"))
        XCTAssertEqual(exports.kind, .directory)
        // Byte order: uppercase before lowercase.
        XCTAssertEqual(catalog.children(of: exports.inode)?.map(\.name), ["B.tar.gz", "a.tar.gz", "y.tar.gz"])

        let file = try XCTUnwrap(catalog.lookup(parent: exports.inode, name: "y.tar.gz"))
        XCTAssertEqual(file.kind, .file)
        XCTAssertEqual(file.parent, exports.inode)
        XCTAssertEqual(file.entry?.key, ExportKey(projectID: "p1", serverID: "s1", exportID: "y"))
        XCTAssertEqual(file.entry?.size, 10)
        XCTAssertEqual(catalog.node(file.inode)?.name, "y.tar.gz")
        XCTAssertNil(catalog.children(of: file.inode), "a file has no children")
    }

    func testMissingNamesAreNil() throws {
        let catalog = try catalog(manifest)
        let project = try XCTUnwrap(catalog.lookup(parent: .root, name: "p1"))
        let server = try XCTUnwrap(catalog.lookup(parent: project.inode, name: "s1"))
        let exports = try XCTUnwrap(catalog.lookup(parent: server.inode, name: "exports"))
        XCTAssertNil(catalog.lookup(parent: .root, name: "p3"))
        XCTAssertNil(catalog.lookup(parent: .root, name: "s1"), "servers live under projects")
        XCTAssertNil(catalog.lookup(parent: server.inode, name: "logs"))
        XCTAssertNil(catalog.lookup(parent: exports.inode, name: "y"), "files carry the .tar.gz suffix")
        XCTAssertNil(catalog.lookup(parent: exports.inode, name: "Y.tar.gz"))
        XCTAssertNil(catalog.lookup(parent: Inode(12345), name: "p1"))
        XCTAssertNil(catalog.node(Inode(12345)))
        XCTAssertNil(catalog.children(of: Inode(12345)))
    }

    func testMtimes() throws {
        let catalog = try catalog(manifest)
        let p1 = try XCTUnwrap(catalog.lookup(parent: .root, name: "p1"))
        let s1 = try XCTUnwrap(catalog.lookup(parent: p1.inode, name: "s1"))
        let s2 = try XCTUnwrap(catalog.lookup(parent: p1.inode, name: "s2"))
        let exports = try XCTUnwrap(catalog.lookup(parent: s1.inode, name: "exports"))
        let newest = Timestamp(seconds: 1_767_225_600, nanoseconds: 500_000_000)  // 2026-01-01T00:00:00.5Z
        XCTAssertEqual(catalog.lookup(parent: exports.inode, name: "y.tar.gz")?.mtime, newest)
        XCTAssertEqual(catalog.lookup(parent: exports.inode, name: "a.tar.gz")?.mtime, .epoch)
        XCTAssertEqual(exports.mtime, newest)
        XCTAssertEqual(s1.mtime, newest)
        XCTAssertEqual(p1.mtime, newest)
        XCTAssertEqual(s2.mtime, .epoch, "no times below it")
        XCTAssertEqual(catalog.node(.root)?.mtime, Timestamp(seconds: 1_767_312_000))  // 2026-01-02, from p2
    }

    func testEmptyManifestHasAnEmptyRoot() throws {
        let catalog = try catalog(#"{"exports": []}"#)
        XCTAssertEqual(catalog.children(of: .root)?.count, 0)
        XCTAssertEqual(catalog.node(.root)?.mtime, .epoch)
        XCTAssertEqual(catalog.fileCount, 0)
    }

    func testProjectAndServerMaySharedAName() throws {
        let catalog = try catalog(#"{"endpoint": "http://h", "exports": [{"project_id": "x", "server_id": "x", "export_id": "x"}]}"#)
        let project = try XCTUnwrap(catalog.lookup(parent: .root, name: "x"))
        let server = try XCTUnwrap(catalog.lookup(parent: project.inode, name: "x"))
        XCTAssertNotEqual(project.inode, server.inode)
        let exports = try XCTUnwrap(catalog.lookup(parent: server.inode, name: "exports"))
        XCTAssertEqual(catalog.children(of: exports.inode)?.map(\.name), ["x.tar.gz"])
    }

    func testLookupIsByteExact() throws {
        let json = #"{"endpoint": "http://h", "exports": [{"project_id": "\u00e9", "server_id": "s", "export_id": "e"}, {"project_id": "e\u0301", "server_id": "s", "export_id": "e"}]}"#
        let catalog = try catalog(json)
        XCTAssertEqual(catalog.children(of: .root)?.count, 2)
        let precomposed = try XCTUnwrap(catalog.lookup(parent: .root, name: "\u{E9}"))
        let decomposed = try XCTUnwrap(catalog.lookup(parent: .root, name: "e\u{301}"))
        XCTAssertNotEqual(precomposed.inode, decomposed.inode)
        XCTAssertEqual(Array(precomposed.name.utf8), [0xC3, 0xA9])
        XCTAssertEqual(Array(decomposed.name.utf8), [0x65, 0xCC, 0x81])
        // Byte order: "e" (0x65) sorts before 0xC3.
        XCTAssertEqual(catalog.children(of: .root)?.map { Array($0.name.utf8) }, [[0x65, 0xCC, 0x81], [0xC3, 0xA9]])
    }
}
