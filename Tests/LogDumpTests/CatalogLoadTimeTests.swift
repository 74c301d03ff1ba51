import XCTest
import LogDump

/// The manifest of a large fleet must load quickly. Prints the time, asserts only on
/// the result (this machine is shared and noisy).
final class CatalogLoadTimeTests: XCTestCase {
    func testHundredThousandEntries() throws {
        var json = #"{"endpoint": "https://clouddc.cn-east-3.myhuaweicloud.com", "exports": ["#
        json.reserveCapacity(15_000_000)
        for index in 0..<100_000 {
            if index > 0 { json += ",\n" }
            json += #"{"project_id": "project-\#(index % 10)", "server_id": "server-\#(index % 5_000)", "#
            json += #""export_id": "export-\#(index)", "size": \#(index * 4096), "#
            json += #""created_at": "2026-\#(index % 9 + 1 < 10 ? "0" : "")\#(index % 9 + 1)-1\#(index % 10)T08:00:0\#(index % 10).\#(index % 1000)Z"}"#
        }
        json += "]}"
        let bytes = Array(json.utf8)

        let clock = ContinuousClock()
        var manifest: Manifest?
        var catalog: Catalog?
        let parseTime = try clock.measure { manifest = try Manifest.parse(bytes, origin: "big.json") }
        let buildTime = clock.measure { catalog = manifest.map(Catalog.init) }
        print("100,000-entry manifest (\(bytes.count) bytes): parse \(parseTime), catalog \(buildTime), total \(parseTime + buildTime)")

        XCTAssertEqual(manifest?.entries.count, 100_000)
        XCTAssertEqual(catalog?.fileCount, 100_000)
        XCTAssertEqual(catalog?.children(of: .root)?.count, 10)
        let project = try XCTUnwrap(catalog?.lookup(parent: .root, name: "project-7"))
        XCTAssertEqual(catalog?.children(of: project.inode)?.count, 500)
        let server = try XCTUnwrap(catalog?.lookup(parent: project.inode, name: "server-4997"))
        let exports = try XCTUnwrap(catalog?.lookup(parent: server.inode, name: "exports"))
        XCTAssertEqual(catalog?.children(of: exports.inode)?.map(\.name),
                       (0..<20).map { "export-\($0 * 5_000 + 4_997).tar.gz" }.sorted())
    }
}
