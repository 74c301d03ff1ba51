import XCTest
import LogDump

/// The README's example manifest.
let exampleManifest = """
{
  "endpoint": "https://clouddc.cn-east-3.myhuaweicloud.com",
  "exports": [
    {"project_id": "0a1b2c", "server_id": "srv-01", "export_id": "exp-20261101", "size": 1048576, "created_at": "2026-11-01T08:00:00Z"},
    {"project_id": "0a1b2c", "server_id": "srv-02", "export_id": "exp-7", "endpoint": "https://clouddc.cn-south-1.myhuaweicloud.com"}
  ]
}
"""

func parseManifest(_ json: String, file: StaticString = #filePath, line: UInt = #line) throws -> Manifest {
    try Manifest.parse(Array(json.utf8), origin: "exports.json")
}

/// The error a manifest must produce; fails the test when it parses.
func manifestError(_ json: String, file: StaticString = #filePath, line: UInt = #line) -> ManifestError? {
    do {
        _ = try Manifest.parse(Array(json.utf8), origin: "exports.json")
        XCTFail("expected a ManifestError, but the manifest parsed", file: file, line: line)
        return nil
    } catch {
        return error
    }
}

/// A manifest with one entry whose fields are `fields` (JSON text inside the braces),
/// under a default endpoint.
func oneEntry(_ fields: String) -> String {
    #"{"endpoint": "https://e.example", "exports": [{"project_id": "p0", "server_id": "s0", "export_id": "e0"}, {\#(fields)}]}"#
}

let validIDs = #""project_id": "p1", "server_id": "s1", "export_id": "e1""#
