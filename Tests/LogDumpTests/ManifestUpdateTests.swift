import Foundation
import XCTest
@testable import LogDump

/// ManifestUpdate adds exports and keeps everything else, writes only valid manifests,
/// and creates one that does not exist yet.
final class ManifestUpdateTests: XCTestCase {
    private var directory = ""
    private var path: String { "\(directory)/exports.json" }
    private let endpoint = Endpoint(validated: "https://clouddc.example")

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "manifest-update-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func entry(_ server: String, _ export: String, size: UInt64? = 42, name: String? = nil,
                       endpoint: Endpoint? = nil) -> ExportEntry {
        ExportEntry(key: ExportKey(projectID: "p1", serverID: server, exportID: export),
                    endpoint: endpoint ?? self.endpoint, size: size,
                    createdAt: Timestamp(seconds: 1_796_000_000, nanoseconds: 250_000_000), serverName: name)
    }

    private func text() throws -> String { try String(contentsOfFile: path, encoding: .utf8) }
    private func leftovers() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".tmp") }
    }

    func testCreatesAManifestWithTheEndpoint() throws {
        let added = try ManifestUpdate(path: path, endpointForNewManifest: endpoint)
            .add([entry("s1", "e1", name: "web-01")])
        XCTAssertEqual(added.count, 1)
        let manifest = try Manifest.load(contentsOf: path)
        XCTAssertEqual(manifest.endpoint, endpoint)
        XCTAssertEqual(manifest.entries, [entry("s1", "e1", name: "web-01")])
        XCTAssertEqual(try text(), """
            {
              "endpoint": "https://clouddc.example",
              "exports": [
                {"project_id": "p1", "server_id": "s1", "export_id": "e1", "size": 42, "created_at": "2026-11-30T00:53:20.25Z", "server_name": "web-01"}
              ]
            }

            """)
    }

    func testKeepsOtherEntriesAndFields() throws {
        let original = """
            {"exports": [{"server_id": "s0", "project_id": "p0", "export_id": "e0", "size": 1000, "created_at": "2026-11-01T16:00:00+08:00", "endpoint": "https://other.example"},
                         {"project_id": "p0", "server_id": "s\\u00e9", "export_id": "e9", "endpoint": "https://clouddc.example", "server_name": null}],
             "endpoint": "https://clouddc.example"}
            """
        try original.write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, 0o640)
        let before = try Manifest.load(contentsOf: path)
        let different = Endpoint(validated: "https://third.example")
        try ManifestUpdate(path: path, endpointForNewManifest: nil)
            .add([entry("s1", "e1"), entry("s2", "e2", size: nil, endpoint: different)])
        let after = try Manifest.load(contentsOf: path)
        XCTAssertEqual(after.endpoint, before.endpoint)
        XCTAssertEqual(after.entries, before.entries + [entry("s1", "e1"), entry("s2", "e2", size: nil, endpoint: different)])
        let written = try text()
        // Values as they were written: field order, the zone, a null.
        XCTAssertTrue(written.contains(#"{"server_id": "s0", "project_id": "p0", "export_id": "e0", "size": 1000, "created_at": "2026-11-01T16:00:00+08:00""#), written)
        XCTAssertTrue(written.contains(#""server_name": null"#), written)
        XCTAssertTrue(written.hasPrefix("{\n  \"exports\": [\n"), written)
        XCTAssertTrue(written.contains(#""export_id": "e2", "created_at": "2026-11-30T00:53:20.25Z", "endpoint": "https://third.example"}"#), written)
        var info = stat()
        XCTAssertEqual(stat(path, &info), 0)
        XCTAssertEqual(info.st_mode & 0o7777, 0o640)
        XCTAssertEqual(try leftovers(), [])
    }

    func testSkipsAnEntryAlreadyThere() throws {
        let update = ManifestUpdate(path: path, endpointForNewManifest: endpoint)
        try update.add([entry("s1", "e1")])
        let first = try text()
        XCTAssertEqual(try update.add([entry("s1", "e1", size: 7)]), [])
        XCTAssertEqual(try text(), first)
        XCTAssertEqual(try update.add([entry("s2", "e2"), entry("s2", "e2")]).count, 1)
        XCTAssertEqual(try Manifest.load(contentsOf: path).entries.count, 2)
    }

    func testRefusesToWriteAnInvalidResult() throws {
        let update = ManifestUpdate(path: path, endpointForNewManifest: endpoint)
        try update.add([entry("s1", "e1")])
        let before = try text()
        XCTAssertThrowsError(try update.add([entry("s2", "bad/id")])) { error in
            XCTAssertTrue("\(error)".contains("exports[1]"), "\(error)")
            XCTAssertTrue("\(error)".contains("nothing written"), "\(error)")
        }
        XCTAssertEqual(try text(), before)
        XCTAssertEqual(try leftovers(), [])
    }

    func testRefusesToRewriteAManifestThatDoesNotValidate() throws {
        let broken = #"{"exports": [{"project_id": "p", "server_id": "s", "export_id": "e", "colour": "red"}]}"#
        try broken.write(toFile: path, atomically: false, encoding: .utf8)
        XCTAssertThrowsError(try ManifestUpdate(path: path, endpointForNewManifest: endpoint).add([entry("s1", "e1")])) {
            XCTAssertTrue("\($0)".contains("unknown field"), "\($0)")
        }
        XCTAssertEqual(try text(), broken)
    }

    func testFollowsASymbolicLink() throws {
        let update = ManifestUpdate(path: path, endpointForNewManifest: endpoint)
        try update.add([entry("s1", "e1")])
        let link = "\(directory)/link.json"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
        try ManifestUpdate(path: link, endpointForNewManifest: nil).add([entry("s2", "e2")])
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link), path)
        XCTAssertEqual(try Manifest.load(contentsOf: path).entries.count, 2)
    }

    /// Writers with locks of their own (flock locks belong to each open file, as across
    /// processes) lose no entry, even though each replaces the file.
    func testConcurrentWritersLoseNothing() throws {
        let writers = 4, each = 25
        let group = DispatchGroup()
        let errors = Recorder<String>()
        for writer in 0..<writers {
            group.enter()
            Thread.detachNewThread { [path, endpoint] in
                defer { group.leave() }
                for index in 0..<each {
                    let added = ExportEntry(key: ExportKey(projectID: "p1", serverID: "s\(writer)", exportID: "e\(index)"),
                                            endpoint: endpoint, size: nil, createdAt: nil)
                    do { try ManifestUpdate(path: path, endpointForNewManifest: endpoint).add([added]) } catch {
                        errors.append("\(error)")
                    }
                }
            }
        }
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success)
        XCTAssertEqual(errors.items, [])
        XCTAssertEqual(try Manifest.load(contentsOf: path).entries.count, writers * each)
        XCTAssertEqual(try leftovers(), [])
    }

    func testTimestampsAreWrittenInUTC() {
        XCTAssertEqual(Timestamp(seconds: 0).rfc3339, "1970-01-01T00:00:00Z")
        XCTAssertEqual(Timestamp.parseRFC3339("2024-02-29T23:59:59.000000001+01:00")?.rfc3339, "2024-02-29T22:59:59.000000001Z")
        XCTAssertEqual(Timestamp(seconds: -1).rfc3339, "1969-12-31T23:59:59Z")
    }
}

/// Collects values from any thread.
final class Recorder<Item>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Item] = []
    func append(_ item: Item) { lock.withLock { stored.append(item) } }
    var items: [Item] { lock.withLock { stored } }
}
