import Foundation
import LogDumpEmulator
import XCTest

/// Every fault knob, seen from curl over loopback. Timings assert generous lower bounds
/// only: the machine is shared and noisy.
final class EmulatorFaultTests: XCTestCase {
    private var fixture: EmulatorFixture!
    private var emulator: Emulator { fixture.emulator }
    /// 2 MiB: larger than every fault offset and than the 1 MiB paced range.
    private var large: SampleExport { fixture.large }
    private var small: SampleExport { fixture.small }

    override func setUpWithError() throws {
        fixture = try EmulatorFixture(largePayloadBytes: 2 << 20)
    }

    override func tearDownWithError() throws {
        fixture?.close()
        fixture = nil
    }

    private func setFaults(_ change: (inout FaultPlan) -> Void) { emulator.setFaults(.with(change)) }

    // MARK: error statuses

    func testErrorRateOneAnswersEvery429WithRetryAfter() throws {
        setFaults {
            $0.errorRates = [429: 1.0]
            $0.retryAfter = "2"
        }
        for _ in 0..<3 {
            let r = try fixture.get(large)
            XCTAssertEqual(r.status, 429)
            XCTAssertEqual(r.header("Retry-After"), "2")
            XCTAssertEqual(r.json?["error_code"] as? String, "CDC.0429")
            XCTAssertEqual(r.json?["error_msg"] as? String, "Too many requests")
        }
    }

    func testRetryAfterOnlyOnInjected429And503() throws {
        setFaults {
            $0.errorRates = [500: 1.0]
            $0.retryAfter = "Wed, 21 Oct 2026 07:28:00 GMT"
        }
        let r = try fixture.get(small)
        XCTAssertEqual(r.status, 500)
        XCTAssertEqual(r.json?["error_code"] as? String, "CDC.0500")
        XCTAssertNil(r.header("Retry-After"))
        setFaults {
            $0.errorRates = [503: 1.0]
            $0.retryAfter = "Wed, 21 Oct 2026 07:28:00 GMT"
        }
        XCTAssertEqual(try fixture.get(small).header("Retry-After"), "Wed, 21 Oct 2026 07:28:00 GMT")
    }

    func testBurstOfThree500sThenServes() throws {
        setFaults { $0.errorBurst = ErrorBurst(status: 500, count: 3) }
        for i in 0..<3 {
            XCTAssertEqual(try fixture.get(small).status, 500, "request \(i)")
            XCTAssertEqual(emulator.faults.errorBurst?.count ?? 0, 2 - i, "counts down")
        }
        let r = try fixture.get(small)
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.body, try fixture.data(small))
        XCTAssertNil(emulator.faults.errorBurst, "spent")
    }

    func testSeededRatesGiveTheSameSequence() throws {
        func statuses(seed: UInt64) throws -> [String] {
            setFaults {
                $0.errorRates = [429: 0.3, 500: 0.3]
                $0.seed = seed
            }
            // One curl, 24 requests on one connection: statuses in order.
            var args = ["-H", "X-Auth-Token: \(EmulatorFixture.token)", "-w", "%{http_code}\n"]
            for _ in 0..<24 { args += [fixture.url(small), "-o", "/dev/null"] }
            return try fixture.curl(args, bodyFile: false).stdout.split(separator: "\n").map(String.init)
        }
        let first = try statuses(seed: 42)
        XCTAssertEqual(first.count, 24)
        XCTAssertEqual(Set(first), ["200", "429", "500"], "\(first)")
        XCTAssertEqual(try statuses(seed: 42), first, "same seed, same faults")
        XCTAssertNotEqual(try statuses(seed: 43), first, "another seed, other faults")
    }

    // MARK: latency and bandwidth

    func testLatencyDelaysEachContentGET() throws {
        setFaults { $0.latencyMilliseconds = 400 }
        for _ in 0..<2 {
            let r = try fixture.get(small, ["-w", "%{time_total}"])
            XCTAssertEqual(r.status, 200)
            XCTAssertGreaterThanOrEqual(Double(r.stdout) ?? 0, 0.38)
        }
    }

    func testBandwidthCapPacesTheBody() throws {
        let whole = try fixture.data(large)
        for chunked in [false, true] {
            emulator.setContentLengthSent(!chunked)
            setFaults { $0.bandwidthBytesPerSecond = 4 << 20 }
            let r = try fixture.get(large, ["-H", "Range: bytes=0-1048575", "-w", "%{time_total}"])
            XCTAssertEqual(r.status, 206)
            XCTAssertEqual(r.body, whole.prefix(1 << 20), "chunked: \(chunked)")
            XCTAssertGreaterThanOrEqual(Double(r.stdout) ?? 0, 0.2, "1 MiB at 4 MiB/s, chunked: \(chunked)")
        }
    }

    // MARK: body faults

    func testStallSendsNBytesThenNothing() throws {
        setFaults { $0.bodyFault = BodyFault(kind: .stall, afterBytes: 100_000) }
        let r = try fixture.get(large, maxTime: 2)
        XCTAssertEqual(r.exitCode, 28, "curl: timeout")
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.body, try fixture.data(large).prefix(100_000))
    }

    /// Also a restart mid-read: the emulator closed the connection first, so its port has a
    /// connection in TIME_WAIT, and binding it again must still work.
    func testStalledConnectionEndsWhenTheEmulatorStopsAndARestartServesAgain() throws {
        let port = emulator.port
        setFaults { $0.bodyFault = BodyFault(kind: .stall, afterBytes: 1000) }
        let client = Process()
        client.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        client.arguments = ["-s", "--max-time", "30", "-o", "/dev/null",
                            "-H", "X-Auth-Token: \(EmulatorFixture.token)", fixture.url(large)]
        try client.run()
        defer { if client.isRunning { client.terminate() } }
        XCTAssertTrue(EmulatorFixture.wait(upTo: 10) { emulator.contentRequestCount == 1 })
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertTrue(client.isRunning, "stalled, not closed")
        emulator.stop()
        XCTAssertTrue(EmulatorFixture.wait(upTo: 10) { !client.isRunning }, "stop() closes stalled connections")

        XCTAssertEqual(try emulator.start(), port)
        emulator.setFaults(FaultPlan())
        let r = try fixture.get(large)
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.body, try fixture.data(large))
    }

    func testResetAfterNBytes() throws {
        setFaults { $0.bodyFault = BodyFault(kind: .reset, afterBytes: 100_000) }
        let r = try fixture.get(large)
        XCTAssertEqual(r.exitCode, 56, "curl: failure receiving data (connection reset)")
        XCTAssertEqual(r.body, try fixture.data(large).prefix(100_000))
    }

    func testTruncateClosesBeforeTheBodyEnds() throws {
        let whole = try fixture.data(large)
        for chunked in [false, true] {
            emulator.setContentLengthSent(!chunked)
            setFaults { $0.bodyFault = BodyFault(kind: .truncate, afterBytes: 100_000) }
            let r = try fixture.get(large)
            XCTAssertEqual(r.exitCode, 18, "curl: partial file, chunked: \(chunked)")
            XCTAssertEqual(r.body, whole.prefix(100_000), "chunked: \(chunked)")
        }
        // After a partial Range body too, counted within the body.
        emulator.setContentLengthSent(true)
        let part = try fixture.get(large, ["-H", "Range: bytes=1000-"])
        XCTAssertEqual(part.exitCode, 18)
        XCTAssertEqual(part.body, whole[1000..<101_000])
    }

    func testBodyNoLongerThanTheOffsetIsSentWhole() throws {
        setFaults { $0.bodyFault = BodyFault(kind: .reset, afterBytes: small.size) }
        let r = try fixture.get(small)
        XCTAssertEqual(r.exitCode, 0)
        XCTAssertEqual(r.body, try fixture.data(small))
    }

    func testRandomOffsetStaysWithinTheBody() throws {
        var offsets: Set<Int> = []
        for seed in UInt64(1)...12 {
            setFaults {
                $0.bodyFault = BodyFault(kind: .truncate)
                $0.seed = seed
            }
            let r = try fixture.get(small)
            XCTAssertEqual(r.exitCode, 18, "seed \(seed)")
            XCTAssertLessThan(r.body.count, small.size, "seed \(seed)")
            offsets.insert(r.body.count)
        }
        XCTAssertGreaterThan(offsets.count, 3, "offsets vary: \(offsets.sorted())")
    }

    func testBodyFaultRateAffectsAShareOfBodies() throws {
        setFaults { $0.bodyFault = BodyFault(kind: .truncate, afterBytes: 10, rate: 0.5) }
        var outcomes: [Int32] = []
        for _ in 0..<16 { outcomes.append(try fixture.get(small).exitCode) }
        XCTAssertEqual(Set(outcomes), [0, 18], "\(outcomes)")
    }

    // MARK: what faults leave alone

    // MARK: hostile answers

    /// Each 206 carries at most the limit, and its Content-Range says so.
    func testPartialLimitShortensEach206() throws {
        setFaults { $0.hostile.partialLimitBytes = 1000 }
        let r = try fixture.get(large, ["-H", "Range: bytes=5000-99999"])
        XCTAssertEqual(r.status, 206)
        XCTAssertEqual(r.header("Content-Range"), "bytes 5000-5999/\(large.size)")
        XCTAssertEqual(r.body, try fixture.data(large)[5000..<6000])
    }

    /// gzip whatever was asked (identity, a range): curl --compressed decodes the archive.
    func testContentEncodingGzipSendsTheArchiveEncoded() throws {
        setFaults { $0.hostile.contentEncoding = "gzip" }
        let raw = try fixture.get(large, ["-H", "Accept-Encoding: identity", "-H", "Range: bytes=0-99"])
        XCTAssertEqual(raw.status, 200)
        XCTAssertEqual(raw.header("Content-Encoding"), "gzip")
        XCTAssertNotEqual(raw.body, try fixture.data(large))
        let decoded = try fixture.get(large, ["--compressed"])
        XCTAssertEqual(decoded.exitCode, 0)
        XCTAssertEqual(decoded.body, try fixture.data(large))
    }

    /// A proxy's error page, 200, in place of the archive.
    func testSubstituteBodyReplacesTheArchive() throws {
        setFaults { $0.hostile.substituteBody = SubstituteBody(contentType: "text/html", body: "<html>oops</html>") }
        let r = try fixture.get(large, ["-H", "Range: bytes=0-99"])
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.header("Content-Type"), "text/html")
        XCTAssertEqual(String(decoding: r.body, as: UTF8.self), "<html>oops</html>")
    }

    func testFaultsSpareAdminIAMAndHEAD() throws {
        fixture.close()
        fixture = try EmulatorFixture(largePayloadBytes: 0) {
            $0.iamUser = IAMUser(name: "u", domain: "d", password: "p")
            $0.faults.errorRates = [500: 1.0]
            $0.faults.bodyFault = BodyFault(kind: .truncate, afterBytes: 1)
        }
        XCTAssertEqual(try fixture.get(small).status, 500, "faults from the config apply at once")
        XCTAssertEqual(try fixture.get(small, ["-I"]).status, 200, "HEAD")
        XCTAssertEqual(try fixture.admin("GET", "stats").status, 200)
        XCTAssertEqual(try fixture.admin("GET", "faults").status, 200)
        XCTAssertEqual(try fixture.login(name: "u", password: "p", domain: "d").status, 201)

        setFaults { $0.latencyMilliseconds = 30_000 }
        XCTAssertEqual(try fixture.curl([emulator.endpoint + "/_emulator/stats"], maxTime: 10).status, 200,
                       "the admin endpoint is not delayed")
    }
}
