import XCTest
import LogDump

/// Each rule of the format, and that its error names the entry and the field.
final class ManifestValidationTests: XCTestCase {
    private let entryOne = "exports[1] (project p1, server s1, export e1)"

    // MARK: top level

    func testTopLevelMustBeAnObject() {
        XCTAssertEqual(manifestError("[]")?.description, "exports.json: top level must be an object, found an array")
    }

    func testExportsIsRequired() {
        let error = manifestError(#"{"endpoint": "https://e.example"}"#)
        XCTAssertEqual(error?.path, "exports")
        XCTAssertEqual(error?.description, #"exports.json: field "exports": missing required field"#)
    }

    func testUnknownTopLevelField() {
        let error = manifestError(#"{"exports": [], "endpiont": "x"}"#)
        XCTAssertEqual(error?.path, "endpiont")
        XCTAssertNil(error?.index)
        XCTAssertEqual(error?.description, #"exports.json: field "endpiont": unknown field"#)
    }

    func testTopLevelEndpointMustBeAString() {
        XCTAssertEqual(manifestError(#"{"endpoint": 3, "exports": []}"#)?.description,
                       #"exports.json: field "endpoint": must be a string, found a number"#)
    }

    func testBadTopLevelEndpoint() {
        let error = manifestError(#"{"endpoint": "ftp://e.example", "exports": []}"#)
        XCTAssertEqual(error?.path, "endpoint")
        XCTAssertEqual(error?.message, #"not an http(s) URL without credentials, query or fragment: "ftp://e.example""#)
    }

    // MARK: entries

    func testEntryMustBeAnObject() {
        let error = manifestError(#"{"endpoint": "http://h", "exports": [{"project_id": "p", "server_id": "s", "export_id": "e"}, "x"]}"#)
        XCTAssertEqual(error?.index, 1)
        XCTAssertEqual(error?.description, "exports.json: exports[1]: entry must be an object, found a string")
    }

    func testUnknownEntryFieldNamesEntryAndPath() {
        let error = manifestError(oneEntry(validIDs + #", "sise": 3"#))
        XCTAssertEqual(error?.index, 1)
        XCTAssertEqual(error?.key, ExportKey(projectID: "p1", serverID: "s1", exportID: "e1"))
        XCTAssertEqual(error?.path, "exports[1].sise")
        XCTAssertEqual(error?.description, "exports.json: \(entryOne): field \"sise\": unknown field")
    }

    func testUnknownFieldWithOddNameIsQuotedInPath() {
        XCTAssertEqual(manifestError(oneEntry(validIDs + #", "a b": 1"#))?.path, #"exports[1]["a b"]"#)
    }

    func testMissingIDs() {
        for field in ["project_id", "server_id", "export_id"] {
            let fields = ["project_id", "server_id", "export_id"].filter { $0 != field }
                .map { #""\#($0)": "x""# }.joined(separator: ", ")
            let error = manifestError(oneEntry(fields))
            XCTAssertEqual(error?.path, "exports[1].\(field)")
            XCTAssertEqual(error?.description, "exports.json: exports[1]: field \"\(field)\": missing required field")
        }
    }

    func testNullIDIsAnError() {
        let error = manifestError(oneEntry(#""project_id": "p", "server_id": null, "export_id": "e""#))
        XCTAssertEqual(error?.description, #"exports.json: exports[1]: field "server_id": must be a string, found null"#)
    }

    func testNumericIDIsAnError() {
        XCTAssertEqual(manifestError(oneEntry(#""project_id": 7, "server_id": "s", "export_id": "e""#))?.message,
                       "must be a string, found a number")
    }

    func testEmptyIDIsAnError() {
        let error = manifestError(oneEntry(#""project_id": "p", "server_id": "s", "export_id": """#))
        XCTAssertEqual(error?.path, "exports[1].export_id")
        XCTAssertEqual(error?.message, #"must not be empty: """#)
    }

    func testIDWithSlashIsAnError() {
        let error = manifestError(oneEntry(#""project_id": "a/b", "server_id": "s", "export_id": "e""#))
        XCTAssertEqual(error?.description, #"exports.json: exports[1]: field "project_id": must not contain "/": "a/b""#)
    }

    func testDotIDsAreErrors() {
        XCTAssertEqual(manifestError(oneEntry(#""project_id": ".", "server_id": "s", "export_id": "e""#))?.path,
                       "exports[1].project_id")
        XCTAssertEqual(manifestError(oneEntry(#""project_id": "p", "server_id": "..", "export_id": "e""#))?.message,
                       #"must not be "." or "..": "..""#)
        // Merely containing dots is fine.
        XCTAssertNoThrow(try parseManifest(oneEntry(#""project_id": "...", "server_id": ".s", "export_id": "e.""#)))
    }

    func testControlCharactersInIDsAreErrors() {
        for escaped in [#"\u0000"#, #"\n"#, #"\u001f"#, #"\u007f"#, #"\u0085"#, #"\u009f"#] {
            let error = manifestError(oneEntry(#""project_id": "p", "server_id": "s", "export_id": "a\#(escaped)b""#))
            XCTAssertEqual(error?.path, "exports[1].export_id", escaped)
            XCTAssertEqual(error?.message.hasPrefix("must not contain control characters: \"a\\"), true, escaped)
        }
        // U+00A0 (just past C1) is allowed.
        XCTAssertNoThrow(try parseManifest(oneEntry(#""project_id": "p", "server_id": "s", "export_id": "a\u00a0b""#)))
    }

    func testIDLengthLimitIsTwoHundredBytes() throws {
        let longest = String(repeating: "é", count: 100)  // 200 bytes
        XCTAssertNoThrow(try parseManifest(oneEntry(#""project_id": "p", "server_id": "s", "export_id": "\#(longest)""#)))
        let error = manifestError(oneEntry(#""project_id": "p", "server_id": "s", "export_id": "\#(longest)x""#))
        XCTAssertEqual(error?.path, "exports[1].export_id")
        XCTAssertEqual(error?.message.hasPrefix("longer than 200 bytes of UTF-8: "), true)
    }

    func testSizeMustBeANonNegativeInteger() {
        let cases: [(String, String)] = [
            ("1.5", "must be a non-negative integer, found 1.5"),
            ("1.0", "must be a non-negative integer, found 1.0"),
            ("1e3", "must be a non-negative integer, found 1e3"),
            ("-1", "must be a non-negative integer, found -1"),
            (#""12""#, "must be a non-negative integer, found a string"),
            ("true", "must be a non-negative integer, found a boolean"),
            ("9223372036854775808", "too large (more than 9223372036854775807): 9223372036854775808"),
            ("99999999999999999999999", "too large (more than 9223372036854775807): 99999999999999999999999"),
        ]
        for (size, message) in cases {
            let error = manifestError(oneEntry(validIDs + #", "size": \#(size)"#))
            XCTAssertEqual(error?.description, "exports.json: \(entryOne): field \"size\": \(message)", size)
            XCTAssertEqual(error?.path, "exports[1].size")
        }
    }

    func testCreatedAtMustBeAnRFC3339Time() {
        let error = manifestError(oneEntry(validIDs + #", "created_at": "yesterday""#))
        XCTAssertEqual(error?.path, "exports[1].created_at")
        XCTAssertEqual(error?.index, 1)
        XCTAssertEqual(error?.description,
                       "exports.json: \(entryOne): field \"created_at\": not an ISO 8601 time: \"yesterday\"")
        XCTAssertEqual(manifestError(oneEntry(validIDs + #", "created_at": 1700000000"#))?.message,
                       "must be a string, found a number")
    }

    func testEntryEndpointMustParse() {
        let error = manifestError(oneEntry(validIDs + #", "endpoint": "https://user:secret@h.example""#))
        XCTAssertEqual(error?.path, "exports[1].endpoint")
        XCTAssertEqual(error?.key, ExportKey(projectID: "p1", serverID: "s1", exportID: "e1"))
    }

    func testEndpointWithCredentialsNeverShowsThePassword() {
        for endpoint in ["https://user:secret@h.example", "https://user:se/cret@h.example/x"] {
            let top = manifestError(#"{"endpoint": "\#(endpoint)", "exports": []}"#)
            let entry = manifestError(oneEntry(validIDs + #", "endpoint": "\#(endpoint)""#))
            for error in [top, entry] {
                XCTAssertEqual(error?.message.contains("without credentials"), true, "\(String(describing: error))")
                XCTAssertEqual(error?.description.contains("https://***@h.example"), true, "\(String(describing: error))")
                XCTAssertEqual(error?.description.contains("secret"), false, "\(String(describing: error))")
                XCTAssertEqual(error?.description.contains("cret"), false, "\(String(describing: error))")
            }
        }
    }

    /// Whatever the manifest holds, its error is one short line.
    func testHugeValuesGiveShortErrors() {
        let huge = String(repeating: "k", count: 100_000)
        let cases = [
            #"{"\#(huge)": 1, "exports": []}"#,                                   // unknown top-level key
            oneEntry(validIDs + #", "\#(huge)": 1"#),                               // unknown entry key
            oneEntry(validIDs + #", "\#(huge)\n": 1"#),                            // ... not a plain name
            #"{"exports": [], "\#(huge)": 1, "\#(huge)": 2}"#,                    // duplicate key
            oneEntry(validIDs + #", "created_at": "\#(huge)""#),                   // bad value
            oneEntry(#""project_id": "p", "server_id": "s", "export_id": "\#(huge)""#),  // ID too long
            #"{"endpoint": "https://\#(huge)/?", "exports": []}"#,                 // bad URL
        ]
        for json in cases {
            guard let error = manifestError(json) else { XCTFail("accepted"); continue }
            XCTAssertLessThan(error.description.utf8.count, 600, String(error.description.prefix(300)))
            XCTAssertTrue(error.description.contains("more bytes)"), String(error.description.prefix(300)))
            XCTAssertFalse(error.description.contains("\n"), String(error.description.prefix(300)))
        }
    }

    func testEntryWithoutAnyEndpointIsAnError() {
        let error = manifestError(#"{"exports": [{"project_id": "p", "server_id": "s", "export_id": "e"}]}"#)
        XCTAssertEqual(error?.path, "exports[0].endpoint")
        XCTAssertEqual(error?.description,
                       #"exports.json: exports[0] (project p, server s, export e): field "endpoint": no endpoint: give one here or a top-level "endpoint""#)
    }

    func testDuplicateEntriesNameBothIndices() {
        let json = #"{"endpoint": "http://h", "exports": [{"project_id": "p", "server_id": "s", "export_id": "e"}, {"project_id": "p", "server_id": "s", "export_id": "f"}, {"project_id": "p", "server_id": "s", "export_id": "e", "size": 3}]}"#
        let error = manifestError(json)
        XCTAssertEqual(error?.index, 2)
        XCTAssertEqual(error?.duplicateOf, 0)
        XCTAssertEqual(error?.description, "exports.json: exports[2] (project p, server s, export e): duplicate of exports[0]")
    }

    func testSameExportIDUnderDifferentServersIsFine() throws {
        let json = #"{"endpoint": "http://h", "exports": [{"project_id": "p", "server_id": "s", "export_id": "e"}, {"project_id": "p", "server_id": "t", "export_id": "e"}, {"project_id": "x", "server_id": "x", "export_id": "x"}]}"#
        XCTAssertEqual(try parseManifest(json).entries.count, 3)
    }

    func testCanonicallyEquivalentButDifferentIDsAreDistinct() throws {
        // "é" precomposed and decomposed: equal as Swift Strings, different on the server.
        let json = #"{"endpoint": "http://h", "exports": [{"project_id": "p", "server_id": "s", "export_id": "\u00e9"}, {"project_id": "p", "server_id": "s", "export_id": "e\u0301"}]}"#
        XCTAssertEqual(try parseManifest(json).entries.count, 2)
    }

    func testControlCharactersInMessagesAreEscaped() {
        let error = manifestError(oneEntry(validIDs + #", "created_at": "2026\n""#))
        XCTAssertEqual(error?.message, #"not an ISO 8601 time: "2026\n""#)
        XCTAssertFalse(error?.description.contains("\n") ?? true)
    }
}
