import XCTest
@testable import LogDump

/// The fast path must accept exactly what the full path accepts, with the same result,
/// and give up on everything else (so the full path names the problem).
final class ManifestFastPathTests: XCTestCase {
    private let valid: [String] = [
        exampleManifest,
        #"{"exports": []}"#,
        #"{"exports":[],"endpoint":null}"#,
        " \n{ \"exports\" : [ ] } \n\t",
        // The default endpoint after the entries that need it.
        #"{"exports": [{"project_id": "p", "server_id": "s", "export_id": "e"}], "endpoint": "http://h:8080/a/"}"#,
        // Every optional field, nulls, escapes and non-ASCII in values, fields in any order.
        #"""
        {"endpoint": "https://d.example", "exports": [
          {"size": 0, "export_id": "e\u00e9\"x", "server_id": "s\u0031", "project_id": "p",
           "created_at": "2026-11-01T16:00:00.250+08:00", "server_name": "rack 3 / db (\u00e9)", "endpoint": null},
          {"project_id": "p", "server_id": "s", "export_id": "e2", "size": 9223372036854775807,
           "created_at": null, "server_name": null, "endpoint": "https://o.example"},
          {"project_id": "p", "server_id": "s", "export_id": "e3", "size": null,
           "created_at": "2026-11-01T08:00:00Z", "endpoint": "https://o.example"},
          {"project_id": "p", "server_id": "s", "export_id": "e4", "created_at": "2026-11-01T08:00:00Z"},
          {"project_id": "\u0070", "server_id": "s", "export_id": "e\u0301"},
          {"project_id": "p", "server_id": "s", "export_id": "\u00e9"}
        ]}
        """#,
    ]

    func testValidManifestsGiveWhatTheFullPathGives() throws {
        for json in valid {
            let bytes = Array(json.utf8)
            let fast = try XCTUnwrap(ManifestFastPath.decode(bytes), "fast path gave up on \(json)")
            let full = try Manifest.parseFully(bytes, origin: "m.json")
            XCTAssertEqual(fast.endpoint, full.endpoint, json)
            XCTAssertEqual(fast.entries, full.entries, json)
            for (a, b) in zip(fast.entries, full.entries) {  // byte for byte, not canonically
                XCTAssertEqual(Array(a.key.exportID.utf8), Array(b.key.exportID.utf8))
                XCTAssertEqual(a.serverName.map { Array($0.utf8) }, b.serverName.map { Array($0.utf8) })
            }
        }
    }

    /// Each of these breaks one rule (or the syntax): the fast path gives up, and what
    /// the caller sees is the full path's error.
    func testGivesUpOnEveryBrokenRule() {
        let ids = #""project_id": "p", "server_id": "s", "export_id": "e""#
        let broken: [String] = [
            "", "[]", "{", #"{"exports": []"#, #"{"exports": []} x"#, #"{"exports": [],}"#,
            #"{"exports": [], "exports": []}"#, #"{"endpoint": null, "endpoint": null, "exports": []}"#,
            #"{"exports": [], "other": 1}"#, #"{"endpoint": "https://e.example"}"#,
            #"{"exports": {}}"#, #"{"endpoint": "ftp://e", "exports": []}"#,
            #"{"exports": [{\#(ids)}]}"#,  // no endpoint at all
            #"{"endpoint": "https://e.example", "exports": [{\#(ids)}, {\#(ids)}]}"#,  // duplicate
            #"{"endpoint": "https://e.example", "exports": [{\#(ids), "size": 1, "size": 2}]}"#,
            #"{"endpoint": "https://e.example", "exports": [{\#(ids), "colour": "red"}]}"#,
            #"{"endpoint": "https://e.example", "exports": [{"project_id": "p", "server_id": "s"}]}"#,
            #"{"endpoint": "https://e.example", "exports": [{\#(ids), "size": -1}]}"#,
            #"{"endpoint": "https://e.example", "exports": [{\#(ids), "size": 1.0}]}"#,
            #"{"endpoint": "https://e.example", "exports": [{\#(ids), "size": 1e3}]}"#,
            #"{"endpoint": "https://e.example", "exports": [{\#(ids), "size": 01}]}"#,
            #"{"endpoint": "https://e.example", "exports": [{\#(ids), "size": 9223372036854775808}]}"#,
            #"{"endpoint": "https://e.example", "exports": [{\#(ids), "size": "1"}]}"#,
            #"{"endpoint": "https://e.example", "exports": [{\#(ids), "created_at": "yesterday"}]}"#,
            #"{"endpoint": "https://e.example", "exports": [{\#(ids), "server_name": ""}]}"#,
            #"{"endpoint": "https://e.example", "exports": [{\#(ids), "server_name": "a\u0007"}]}"#,
            #"{"endpoint": "https://e.example", "exports": [{"project_id": "..", "server_id": "s", "export_id": "e"}]}"#,
            #"{"endpoint": "https://e.example", "exports": [{"project_id": "a/b", "server_id": "s", "export_id": "e"}]}"#,
            #"{"endpoint": "https://e.example", "exports": [{"project_id": "p", "server_id": "s", "export_id": 7}]}"#,
            #"{"endpoint": "https://e.example", "exports": [{\#(ids)}, 3]}"#,
            #"{"endpoint": "https://e.example", "exports": [{\#(ids)} {\#(ids)}]}"#,
            #"{"endpoint": "https://e.example", "exports": [{\#(ids), "size": nul}]}"#,
        ]
        for json in broken {
            XCTAssertNil(ManifestFastPath.decode(Array(json.utf8)), json)
            XCTAssertThrowsError(try Manifest.parse(Array(json.utf8), origin: "m.json"), json)
        }
    }

    /// Keys spelled with escapes are still the same keys: the full path takes them.
    func testEscapedKeysFallBackToTheFullPath() throws {
        let json = #"{"endpoint": "https://e.example", "exports": [{"project\u005fid": "p", "server_id": "s", "export_id": "e"}]}"#
        XCTAssertNil(ManifestFastPath.decode(Array(json.utf8)))
        XCTAssertEqual(try Manifest.parse(Array(json.utf8), origin: "m.json").entries.first?.key.projectID, "p")
    }
}
