import Foundation
import LogDumpEmulator
import XCTest

/// The emulator seen from outside, through the curl command-line tool: what a real
/// client would get on the wire.
final class EmulatorTests: XCTestCase {
    private var fixture: EmulatorFixture!
    private var root: String { fixture.root }
    private var emulator: Emulator { fixture.emulator }
    private var small: SampleExport { fixture.small }
    private var large: SampleExport { fixture.large }
    private let token = EmulatorFixture.token

    override func setUpWithError() throws {
        fixture = try EmulatorFixture()
    }

    override func tearDownWithError() throws {
        fixture?.close()
        fixture = nil
    }

    // MARK: 200 and Range

    func testWholeBodyMatchesFileWithDocumentedHeaders() throws {
        let r = try get(large)
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.body, try data(large))
        XCTAssertEqual(r.header("Content-Length"), String(large.size))
        XCTAssertEqual(r.header("Content-Disposition"),
                       "attachment; filename=\"\(ServerSerial.of(server: large.spec.serverID))-dump.tar.gz\"")
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
        XCTAssertEqual(try curl([url(small)]).exitCode, 7, "curl: failed to connect")
    }

    func testRestartAfterStopServesOnTheSamePort() throws {
        let port = emulator.port
        XCTAssertEqual(try get(small).status, 200)
        emulator.stop()
        XCTAssertEqual(try get(small).exitCode, 7, "a stopped emulator refuses connections")
        XCTAssertEqual(try emulator.start(), port)
        let again = try get(small)
        XCTAssertEqual(again.status, 200)
        XCTAssertEqual(again.body, try data(small))
        XCTAssertEqual(emulator.contentRequestCount, 2, "counters carry over a restart")
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

    private func url(_ e: SampleExport) -> String { fixture.url(e) }
    private func data(_ e: SampleExport) throws -> Data { try fixture.data(e) }
    private func get(_ e: SampleExport, _ extra: [String] = []) throws -> CurlResult { try fixture.get(e, extra) }

    private func curl(_ args: [String], bodyFile: Bool = true) throws -> CurlResult {
        try fixture.curl(args, bodyFile: bodyFile)
    }

    private func run(_ tool: String, _ args: [String], allowFailure: Bool = false) throws -> String {
        try fixture.run(tool, args, allowFailure: allowFailure).0
    }
}
