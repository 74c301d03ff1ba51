import XCTest
@testable import LogDump

final class CatalogInodeTests: XCTestCase {
    private func inodesByPath(_ catalog: Catalog) -> [String: UInt64] {
        var result: [String: UInt64] = [:]
        func walk(_ node: CatalogNode, _ path: String) {
            result[path.isEmpty ? "/" : path] = node.inode.rawValue
            for child in catalog.children(of: node.inode) ?? [] { walk(child, path + "/" + child.name) }
        }
        if let root = catalog.node(.root) { walk(root, "") }
        return result
    }

    func testKnownValuesPinTheHash() throws {
        // 64-bit FNV-1a of the path; changing the hash would renumber every user's files.
        XCTAssertEqual(InodeHash.of(path: "/p"), 564_733_394_376_506_442)
        let catalog = Catalog(try parseManifest(exampleManifest))
        let ids = inodesByPath(catalog)
        XCTAssertEqual(ids["/"], 1)
        XCTAssertEqual(ids["/0a1b2c"], 11_519_712_553_981_942_445)
        XCTAssertEqual(ids["/0a1b2c/srv-01/exports/exp-20261101.tar.gz"], 15_141_078_445_462_672_657)
        XCTAssertEqual(ids.count, 1 + 1 + 2 + 2 + 2)
        XCTAssertEqual(Set(ids.values).count, ids.count, "inodes are unique")
        XCTAssertFalse(ids.values.contains(0))
    }

    func testSameManifestGivesSameInodes() throws {
        let first = inodesByPath(Catalog(try parseManifest(exampleManifest)))
        let second = inodesByPath(Catalog(try parseManifest(exampleManifest)))
        XCTAssertEqual(first, second)
    }

    func testReorderedManifestGivesSameInodes() throws {
        let entries = (0..<50).map { #"{"project_id": "p\#($0 % 3)", "server_id": "s\#($0 % 7)", "export_id": "e\#($0)"}"# }
        func manifest(_ entries: [String]) -> String {
            #"{"endpoint": "http://h", "exports": [\#(entries.joined(separator: ","))]}"#
        }
        let forward = inodesByPath(Catalog(try parseManifest(manifest(entries))))
        let backward = inodesByPath(Catalog(try parseManifest(manifest(entries.reversed()))))
        XCTAssertEqual(forward, backward)
        XCTAssertEqual(forward.count, 1 + 3 + 21 + 21 + 50)
    }

    func testNodeInodesMatchTheirOwnLookups() throws {
        let catalog = Catalog(try parseManifest(exampleManifest))
        for child in catalog.children(of: .root) ?? [] {
            XCTAssertEqual(catalog.node(child.inode)?.name, child.name)
            XCTAssertEqual(catalog.lookup(parent: .root, name: child.name)?.inode, child.inode)
        }
    }

    func testCollisionsResolveInPathOrder() {
        // Nodes 1 and 3 collide, node 2 hashes to the root's number, node 4 is fine.
        let paths = ["/", "/b", "/c", "/a", "/d"]
        let primary: [UInt64] = [0, 77, 1, 77, 500]
        var salts: [String: Int] = [:]
        let inodes = TreeBuilder.assignInodes(primaryHashes: primary, path: { paths[$0] }, salted: { path, salt in
            salts[path] = salt
            return 1000 + UInt64(salt) * 10 + UInt64(paths.firstIndex(of: path) ?? 0)
        })
        XCTAssertEqual(inodes.map(\.rawValue), [1, 1011, 1012, 77, 500])
        XCTAssertEqual(salts, ["/b": 1, "/c": 1], "/a sorts first and keeps the shared hash")
    }

    func testCollisionWithAnotherNodesSaltedHashSkipsOn() {
        let paths = ["/", "/a", "/b", "/c"]
        // /a and /b collide; /b's first salted hash is /c's primary hash.
        let inodes = TreeBuilder.assignInodes(primaryHashes: [0, 5, 5, 9], path: { paths[$0] }, salted: { path, salt in
            path == "/b" ? (salt == 1 ? 9 : 42) : 1000
        })
        XCTAssertEqual(inodes.map(\.rawValue), [1, 5, 42, 9])
    }
}
