@testable import LogDump
import XCTest

/// `/<project>/by-name/<name>` links: names made one path segment, duplicates told apart.
final class ServerNameTests: XCTestCase {
    private let endpoint = Endpoint(validated: "http://127.0.0.1:1")

    func testNamesBecomeOnePathSegment() {
        XCTAssertEqual(ServerNames.segment(for: "web-01"), "web-01")
        XCTAssertEqual(ServerNames.segment(for: "db/main"), "db_main")
        XCTAssertEqual(ServerNames.segment(for: "a\u{0}b\u{1}c\u{7F}d\u{85}e"), "a_b_c_d_e")
        XCTAssertEqual(ServerNames.segment(for: "."), "_")
        XCTAssertEqual(ServerNames.segment(for: ".."), "__")
        XCTAssertEqual(ServerNames.segment(for: "..."), "...")
        XCTAssertEqual(ServerNames.segment(for: "東京-web"), "東京-web")
        XCTAssertNil(ServerNames.segment(for: ""))
        let long = ServerNames.segment(for: String(repeating: "é", count: 200))!
        XCTAssertLessThanOrEqual(long.utf8.count, ServerNames.maximumBytes)
        XCTAssertEqual(long, String(repeating: "é", count: ServerNames.maximumBytes / 2), "cut at a character boundary")
    }

    func testDuplicatesGetTheServerIDAppendedWhateverTheOrder() {
        let names = [(serverID: "c3a1e9f2-5b7d", name: "web"), (serverID: "7e4f2a91-0c6b", name: "web"),
                     (serverID: "1d9b7c5e-3a2f", name: "db")]
        let expected = ["db -> 1d9b7c5e-3a2f", "web~7e4f2a91 -> 7e4f2a91-0c6b", "web~c3a1e9f2 -> c3a1e9f2-5b7d"]
        XCTAssertEqual(describe(ServerNames.links(for: names)), expected)
        XCTAssertEqual(describe(ServerNames.links(for: names.reversed())), expected)
    }

    func testADisambiguatedNameTakenAlreadyFallsBackToTheWholeID() {
        let names = [(serverID: "aaaaaaaa-1", name: "web"), (serverID: "aaaaaaaa-2", name: "web"),
                     (serverID: "b", name: "web~aaaaaaaa")]
        XCTAssertEqual(describe(ServerNames.links(for: names)),
                       ["web~aaaaaaaa -> b", "web~aaaaaaaa-1 -> aaaaaaaa-1", "web~aaaaaaaa-2 -> aaaaaaaa-2"])
    }

    func testTheCatalogLinksByNameToTheServerDirectory() throws {
        let catalog = Catalog(Manifest(endpoint: endpoint, entries: [
            entry("s1", "e1", name: "web/01"), entry("s1", "e2", name: "ignored: the first name counts"),
            entry("s2", "e3", name: nil),
        ]))
        let project = try XCTUnwrap(catalog.lookup(parent: .root, name: "p1"))
        let byName = try XCTUnwrap(catalog.lookup(parent: project.inode, name: "by-name"))
        XCTAssertEqual(byName.kind, .directory)
        let links = try XCTUnwrap(catalog.children(of: byName.inode))
        XCTAssertEqual(links.map(\.name), ["web_01"])
        XCTAssertEqual(links.first?.kind, .symlink)
        XCTAssertEqual(links.first?.target, "../s1")
    }

    func testAServerCalledByNameKeepsItsDirectory() throws {
        let catalog = Catalog(Manifest(endpoint: endpoint, entries: [
            entry("by-name", "e1", name: "web"), entry("s2", "e2", name: "db"),
        ]))
        let project = try XCTUnwrap(catalog.lookup(parent: .root, name: "p1"))
        let server = try XCTUnwrap(catalog.lookup(parent: project.inode, name: "by-name"))
        XCTAssertEqual(catalog.children(of: server.inode)?.map(\.name), ["exports"])
        XCTAssertEqual(catalog.children(of: project.inode)?.map(\.name), ["by-name", "s2"])
    }

    private func entry(_ server: String, _ export: String, name: String?) -> ExportEntry {
        ExportEntry(key: ExportKey(projectID: "p1", serverID: server, exportID: export), endpoint: endpoint,
                    size: 1, createdAt: nil, serverName: name)
    }

    private func describe(_ links: [(link: String, serverID: String)]) -> [String] {
        links.map { "\($0.link) -> \($0.serverID)" }.sorted()
    }
}
