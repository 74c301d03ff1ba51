import XCTest
import LogDump

final class ManifestParsingTests: XCTestCase {
    func testExampleManifestParses() throws {
        let manifest = try parseManifest(exampleManifest)
        XCTAssertEqual(manifest.endpoint, Endpoint(validated: "https://clouddc.cn-east-3.myhuaweicloud.com"))
        XCTAssertEqual(manifest.entries.count, 2)

        let first = manifest.entries[0]
        XCTAssertEqual(first.key, ExportKey(projectID: "0a1b2c", serverID: "srv-01", exportID: "exp-20261101"))
        XCTAssertEqual(first.endpoint.url, "https://clouddc.cn-east-3.myhuaweicloud.com")
        XCTAssertEqual(first.size, 1_048_576)
        XCTAssertEqual(first.createdAt, Timestamp(seconds: 1_793_520_000))

        let second = manifest.entries[1]
        XCTAssertEqual(second.key, ExportKey(projectID: "0a1b2c", serverID: "srv-02", exportID: "exp-7"))
        XCTAssertEqual(second.endpoint.url, "https://clouddc.cn-south-1.myhuaweicloud.com")
        XCTAssertNil(second.size)
        XCTAssertNil(second.createdAt)
    }

    func testEmptyExportsIsValid() throws {
        let manifest = try parseManifest(#"{"exports": []}"#)
        XCTAssertNil(manifest.endpoint)
        XCTAssertTrue(manifest.entries.isEmpty)
    }

    func testNullOptionalFieldsMeanAbsent() throws {
        let manifest = try parseManifest(oneEntry(validIDs + #", "size": null, "created_at": null, "endpoint": null"#))
        let entry = manifest.entries[1]
        XCTAssertNil(entry.size)
        XCTAssertNil(entry.createdAt)
        XCTAssertEqual(entry.endpoint.url, "https://e.example")
    }

    /// A server's name is kept as written; control characters and non-strings are refused.
    func testServerNameIsOptionalText() throws {
        let named = try parseManifest(oneEntry(validIDs + #", "server_name": "rack 3 / db-01 (é)""#))
        XCTAssertEqual(named.entries[1].serverName, "rack 3 / db-01 (é)")
        XCTAssertNil(try parseManifest(oneEntry(validIDs + #", "server_name": null"#)).entries[1].serverName)
        for (value, problem) in [(#""a\nb""#, "control characters"), ("7", "must be a string"), (#""""#, "must not be empty")] {
            XCTAssertThrowsError(try parseManifest(oneEntry(validIDs + #", "server_name": "# + value))) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains("field \"server_name\"") && text.contains(problem), text)
            }
        }
    }

    func testNullTopLevelEndpointMeansNoDefault() throws {
        let manifest = try parseManifest(#"{"endpoint": null, "exports": [{"project_id": "p", "server_id": "s", "export_id": "e", "endpoint": "http://h"}]}"#)
        XCTAssertNil(manifest.endpoint)
        XCTAssertEqual(manifest.entries[0].endpoint.url, "http://h")
    }

    func testEscapedAndUnicodeIDsAreDecoded() throws {
        let manifest = try parseManifest(oneEntry(#""project_id": "\u00e9t\u00E9", "server_id": "s\"q", "export_id": "日志-\ud83d\ude00""#))
        XCTAssertEqual(manifest.entries[1].key, ExportKey(projectID: "été", serverID: "s\"q", exportID: "日志-😀"))
    }

    func testSizeLimits() throws {
        XCTAssertEqual(try parseManifest(oneEntry(validIDs + #", "size": 0"#)).entries[1].size, 0)
        XCTAssertEqual(try parseManifest(oneEntry(validIDs + #", "size": 9223372036854775807"#)).entries[1].size,
                       UInt64(Int64.max))
    }

    func testSyntaxErrorNamesLineAndColumn() {
        let error = manifestError("{\n  \"exports\": [\n    {\"project_id\": \"p\",,}\n  ]\n}")
        XCTAssertEqual(error?.line, 3)
        XCTAssertEqual(error?.column, 24)
        XCTAssertEqual(error?.description, "exports.json: line 3, column 24: invalid JSON: expected a string key")
    }

    func testTruncatedJSONIsAnError() {
        let error = manifestError(#"{"exports": [{"project_id": "p""#)
        XCTAssertEqual(error?.line, 1)
        XCTAssertEqual(error?.message, "invalid JSON: expected ',' or '}' in object")
    }

    func testTrailingGarbageIsAnError() {
        XCTAssertEqual(manifestError(#"{"exports": []} x"#)?.message, "invalid JSON: unexpected data after the top-level value")
    }

    func testDuplicateKeyIsAnError() {
        let error = manifestError("{\"exports\": [], \"exports\": []}")
        XCTAssertEqual(error?.description, "exports.json: line 1, column 17: invalid JSON: duplicate key \"exports\"")
    }

    func testInvalidUTF8IsAnError() {
        var bytes = Array(#"{"exports": [{"project_id": "p"#.utf8)
        bytes += [0xFF, 0xFE]
        bytes += Array(#"", "server_id": "s", "export_id": "e"}]}"#.utf8)
        XCTAssertThrowsError(try Manifest.parse(bytes, origin: "m.json")) { error in
            let error = error as? ManifestError
            XCTAssertEqual(error?.message, "invalid JSON: string is not valid UTF-8")
            XCTAssertEqual(error?.column, 30)
        }
    }

    func testLoneSurrogateEscapeIsAnError() {
        XCTAssertEqual(manifestError(oneEntry(#""project_id": "\ud800", "server_id": "s", "export_id": "e""#))?.message,
                       "invalid JSON: lone surrogate in \\u escape")
    }

    func testLoadReadsAFile() throws {
        let path = NSTemporaryDirectory() + "logdump-manifest-\(getpid()).json"
        try Data(exampleManifest.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let manifest = try Manifest.load(contentsOf: path)
        XCTAssertEqual(manifest.entries.count, 2)
    }

    func testLoadNamesTheFileInErrors() throws {
        let path = NSTemporaryDirectory() + "logdump-bad-\(getpid()).json"
        try Data(#"{"exports": 3}"#.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertThrowsError(try Manifest.load(contentsOf: path)) { error in
            XCTAssertEqual("\(error)", "\(path): field \"exports\": must be an array, found a number")
        }
    }

    func testLoadOfMissingFile() {
        XCTAssertThrowsError(try Manifest.load(contentsOf: "/nonexistent/exports.json")) { error in
            XCTAssertEqual("\(error)", "/nonexistent/exports.json: cannot read: No such file or directory")
        }
    }
}
