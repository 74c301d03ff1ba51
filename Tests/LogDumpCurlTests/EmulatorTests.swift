import Foundation
import LogDumpEmulator
import XCTest

/// The emulator seen from outside, through the curl command-line tool: what a real
/// client would get on the wire.
final class EmulatorTests: XCTestCase {
    private var root = ""
    private var emulator: Emulator!
    private var small: SampleExport!
    private var large: SampleExport!
    private let token = "test-token-3f9a"

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("emulator-tests-\(UUID().uuidString)").path
        let exports = try SampleExports.write([
            SampleExportSpec(projectID: "proj1", serverID: "srv-a", exportID: "exp-small"),
            SampleExportSpec(projectID: "proj1", serverID: "srv-b", exportID: "exp-large", payloadBytes: 6 << 20),
        ], into: root + "/exports")
        (small, large) = (exports[0], exports[1])
        emulator = Emulator(EmulatorConfig(root: root + "/exports", token: token))
        try emulator.start()
    }

    override func tearDownWithError() throws {
        emulator?.stop()
        emulator = nil
        try? FileManager.default.removeItem(atPath: root)
    }

    // MARK: 200 and Range

    func testWholeBodyMatchesFileWithDocumentedHeaders() throws {
        let r = try get(large)
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.body, try data(large))
        XCTAssertEqual(r.header("Content-Length"), String(large.size))
        XCTAssertEqual(r.header("Content-Disposition"), "attachment; filename=2102311TUVN0K1000123-dump.tar.gz")
        XCTAssertEqual(r.header("Content-Type"), "application/octet-stream;charset=UTF-8")
        XCTAssertEqual(r.header("Content-Transfer-Encoding"), "binary")
        XCTAssertEqual(r.header("Accept-Ranges"), "bytes")
        XCTAssertNotNil(r.header("ETag"))
        XCTAssertTrue(r.header("Last-Modified")?.hasSuffix(" GMT") ?? false)
    }

    func testRangeAnswers206WithContentRange() throws {
        let whole = try data(large)
        let r = try get(large, ["-H", "Range: bytes=10-99"])
        XCTAssertEqual(r.status, 206)
        XCTAssertEqual(r.body, whole[10...99])
        XCTAssertEqual(r.header("Content-Range"), "bytes 10-99/\(large.size)")
        XCTAssertEqual(r.header("Content-Length"), "90")

        let suffix = try get(large, ["-H", "Range: bytes=-100"])
        XCTAssertEqual(suffix.status, 206)
        XCTAssertEqual(suffix.body, whole.suffix(100))

        let open = try get(large, ["-H", "Range: bytes=\(large.size - 5)-"])
        XCTAssertEqual(open.status, 206)
        XCTAssertEqual(open.header("Content-Range"), "bytes \(large.size - 5)-\(large.size - 1)/\(large.size)")
        XCTAssertEqual(open.body, whole.suffix(5))
    }

    func testRangePastEndAnswers416() throws {
        let r = try get(small, ["-H", "Range: bytes=\(small.size)-"])
        XCTAssertEqual(r.status, 416)
        XCTAssertEqual(r.header("Content-Range"), "bytes */\(small.size)")
    }

    func testMalformedOrMultiRangeAnswersWholeBody() throws {
        for range in ["bytes=0-1,5-9", "bytes=9-3", "lines=1-2", "bytes=x-"] {
            let r = try get(small, ["-H", "Range: \(range)"])
            XCTAssertEqual(r.status, 200, range)
            XCTAssertEqual(r.body, try data(small), range)
        }
    }

    func testRangeIgnoredWhenSwitchedOff() throws {
        emulator.setRangeHonoured(false)
        let r = try get(large, ["-H", "Range: bytes=10-99"])
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.body, try data(large))
        XCTAssertNil(r.header("Accept-Ranges"))
        XCTAssertNil(r.header("Content-Range"))
    }

    func testChunkedWhenContentLengthSwitchedOff() throws {
        emulator.setContentLengthSent(false)
        let r = try get(large)
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.header("Transfer-Encoding"), "chunked")
        XCTAssertNil(r.header("Content-Length"))
        XCTAssertEqual(r.body, try data(large))

        let part = try get(large, ["-H", "Range: bytes=1000-2000999"])
        XCTAssertEqual(part.status, 206)
        XCTAssertEqual(part.header("Transfer-Encoding"), "chunked")
        XCTAssertNil(part.header("Content-Length"))
        XCTAssertEqual(part.body, try data(large)[1000...2_000_999])
    }

    func testHeadAnswersHeadersOnlyOnAKeptConnection() throws {
        // With -I curl writes the headers where the body would go; a stray body would
        // also break the second request on the reused connection.
        let r = try curl([url(small), url(small), "-I", "-H", "X-Auth-Token: \(token)",
                          "-o", "/dev/null", "-w", "%{num_connects}\n"])
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.header("Content-Length"), String(small.size))
        XCTAssertEqual(r.stdout.split(separator: "\n"), ["1", "0"])
    }

    // MARK: errors

    func testMissingOrWrongTokenAnswers401JSON() throws {
        for args in [[String](), ["-H", "X-Auth-Token: wrong"]] {
            let r = try curl([url(small)] + args)
            XCTAssertEqual(r.status, 401)
            let json = try XCTUnwrap(JSONSerialization.jsonObject(with: r.body) as? [String: String])
            XCTAssertEqual(json["error_code"], "CDC.0401")
            XCTAssertNotNil(json["error_msg"])
        }
    }

    func testUnknownExportAndOtherPathsAnswer404JSON() throws {
        let base = emulator.endpoint + "/v1/proj1/physicalservers/srv-a/logs/exports"
        for u in [base + "/nope/content", emulator.endpoint + "/v1/proj1/other",
                  base + "/%2e%2e/content", base + "/a%2Fb/content", base + "/a%00/content"] {
            let r = try curl([u, "--path-as-is", "-H", "X-Auth-Token: \(token)"])
            XCTAssertEqual(r.status, 404, u)
            let json = try XCTUnwrap(JSONSerialization.jsonObject(with: r.body) as? [String: String], u)
            XCTAssertNotNil(json["error_code"], u)
        }
    }

    // MARK: connections and counters

    func testCountsContentRequestsOfAnyStatus() throws {
        emulator.resetCounters()
        _ = try get(small)
        _ = try curl([url(small)])
        _ = try get(small, ["-H", "Range: bytes=\(small.size)-"])
        XCTAssertEqual(emulator.contentRequestCount, 3)
        emulator.resetCounters()
        XCTAssertEqual(emulator.contentRequestCount, 0)
    }

    func testKeepAliveReusesTheConnection() throws {
        let r = try curl([url(small), url(large), "-H", "X-Auth-Token: \(token)",
                          "-o", "/dev/null", "-o", "/dev/null", "-w", "%{num_connects}\n"], bodyFile: false)
        XCTAssertEqual(r.stdout.split(separator: "\n"), ["1", "0"])
    }

    func testClientLeavingMidBodyLeavesTheServerServing() throws {
        for chunked in [false, true] {
            emulator.setContentLengthSent(!chunked)
            // head exits after 64 KiB, so curl dies on a broken pipe with most of the body unsent.
            let script = "curl -s --max-time 20 -H 'X-Auth-Token: \(token)' '\(url(large))' | head -c 65536 | wc -c"
            let received = try run("/bin/sh", ["-c", script], allowFailure: true)
            XCTAssertEqual(received.trimmingCharacters(in: .whitespacesAndNewlines), "65536")
            XCTAssertEqual(try get(large).body, try data(large), "chunked: \(chunked)")
        }
        // Every response closes its archive, including the abandoned ones.
        let deadline = Date().addingTimeInterval(5)
        while openDescriptors(of: large.path) > 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertEqual(openDescriptors(of: large.path), 0)
    }

    private func openDescriptors(of path: String) -> Int {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return fds.filter { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)")) == path }.count
    }

    func testStopDuringTransfersReturnsPromptlyAndIsIdempotent() throws {
        var clients: [Process] = []
        for chunked in [false, true] {
            emulator.setContentLengthSent(!chunked)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            p.arguments = ["-s", "--max-time", "20", "--limit-rate", "200k", "-o", "/dev/null",
                           "-H", "X-Auth-Token: \(token)", url(large)]
            try p.run()
            clients.append(p)
        }
        Thread.sleep(forTimeInterval: 0.5)
        let started = Date()
        emulator.stop()
        emulator.stop()
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        // Bytes already in kernel buffers may still arrive, so the clients' outcome is not
        // asserted; only that they end, and that nothing listens any more.
        for p in clients { p.waitUntilExit() }
        let refused = Process()
        refused.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        refused.arguments = ["-s", "--max-time", "20", "-o", "/dev/null", url(small)]
        try refused.run()
        refused.waitUntilExit()
        XCTAssertEqual(refused.terminationStatus, 7, "curl: failed to connect")
    }

    // MARK: sample exports

    func testSampleArchiveIsARealTarGz() throws {
        let r = try get(small)
        let file = root + "/download.tar.gz"
        try r.body.write(to: URL(fileURLWithPath: file))
        let listing = try run("/bin/tar", ["-tzf", file])
        XCTAssertTrue(listing.contains("log_dump_exp-small/var/log/syslog"), listing)
        XCTAssertTrue(listing.contains("log_dump_exp-small/bmc/sel.log"), listing)
    }

    func testSampleExportsAreDeterministic() throws {
        let again = try SampleExports.write([small.spec], into: root + "/again")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: again[0].path)), try data(small))
        XCTAssertEqual(again[0].sha256, small.sha256)
    }

    func testManifestListsExports() throws {
        let text = SampleExports.manifestJSON([small, large], endpoint: emulator.endpoint)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        XCTAssertEqual(json["endpoint"] as? String, emulator.endpoint)
        let entries = try XCTUnwrap(json["exports"] as? [[String: Any]])
        XCTAssertEqual(entries.map { $0["export_id"] as? String }, ["exp-small", "exp-large"])
        XCTAssertEqual(entries[1]["size"] as? Int, large.size)
        let sizeless = SampleExports.manifestJSON([small], endpoint: "x", includeSizes: false)
        XCTAssertFalse(sizeless.contains("size"))
    }

    // MARK: helpers

    private struct Response {
        var status: Int
        var headers: [(String, String)]
        var body: Data
        var stdout: String
        func header(_ name: String) -> String? {
            headers.last { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
        }
    }

    private func url(_ e: SampleExport) -> String {
        "\(emulator.endpoint)/v1/\(e.spec.projectID)/physicalservers/\(e.spec.serverID)/logs/exports/\(e.spec.exportID)/content"
    }

    private func data(_ e: SampleExport) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: e.path)) }

    private func get(_ e: SampleExport, _ extra: [String] = []) throws -> Response {
        try curl([url(e), "-H", "X-Auth-Token: \(token)"] + extra)
    }

    /// Runs curl with the headers and body going to files; a curl failure (such as the
    /// deliberate timeout) is not an error here, the caller checks what arrived.
    private func curl(_ args: [String], maxTime: Int = 20, bodyFile: Bool = true) throws -> Response {
        let id = UUID().uuidString
        let headerPath = root + "/h-\(id)", bodyPath = root + "/b-\(id)"
        var all = ["-s", "--max-time", String(maxTime), "-D", headerPath]
        if bodyFile { all += ["-o", bodyPath] }
        let stdout = try run("/usr/bin/curl", all + args, allowFailure: true)
        let headerText = (try? String(contentsOfFile: headerPath, encoding: .utf8)) ?? ""
        // The last block is the final response (curl writes one per response received).
        let block = headerText.components(separatedBy: "\r\n\r\n").last { !$0.isEmpty } ?? ""
        var lines = block.components(separatedBy: "\r\n")
        let statusLine = lines.isEmpty ? "" : lines.removeFirst()
        let status = statusLine.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        let headers = lines.compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let body = (try? Data(contentsOf: URL(fileURLWithPath: bodyPath))) ?? Data()
        try? FileManager.default.removeItem(atPath: headerPath)
        try? FileManager.default.removeItem(atPath: bodyPath)
        return Response(status: status, headers: headers, body: body, stdout: stdout)
    }

    private func run(_ tool: String, _ args: [String], allowFailure: Bool = false) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = args
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if !allowFailure && process.terminationStatus != 0 {
            XCTFail("\(tool) \(args) exited with \(process.terminationStatus)")
        }
        return String(decoding: out, as: UTF8.self)
    }
}
