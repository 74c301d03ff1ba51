import Foundation
import LogDumpEmulator
import XCTest

/// The admin endpoint under /_emulator/: faults, token and counters over HTTP.
final class EmulatorAdminTests: XCTestCase {
    private var fixture: EmulatorFixture!
    private var emulator: Emulator { fixture.emulator }

    override func setUpWithError() throws {
        fixture = try EmulatorFixture(largePayloadBytes: 0) {
            $0.iamUser = IAMUser(name: "u", domain: "d", password: "p")
        }
    }

    override func tearDownWithError() throws {
        fixture?.close()
        fixture = nil
    }

    // MARK: faults

    func testPutThenGetFaultsRoundTrips() throws {
        let json = """
            {"error_rates": {"429": 0.25, "503": 0.5}, "error_burst": {"status": 502, "count": 4},
             "retry_after": "7", "latency_ms": 15, "bandwidth_bytes_per_second": 1000000,
             "body_fault": {"kind": "reset", "after_bytes": 4096, "rate": 0.75},
             "token_lifetime_seconds": 60, "seed": 99}
            """
        var expected = FaultPlan()
        expected.errorRates = [429: 0.25, 503: 0.5]
        expected.errorBurst = ErrorBurst(status: 502, count: 4)
        expected.retryAfter = "7"
        expected.latencyMilliseconds = 15
        expected.bandwidthBytesPerSecond = 1_000_000
        expected.bodyFault = BodyFault(kind: .reset, afterBytes: 4096, rate: 0.75)
        expected.tokenLifetimeSeconds = 60
        expected.seed = 99

        let put = try fixture.admin("PUT", "faults", body: json)
        XCTAssertEqual(put.status, 200)
        XCTAssertEqual(try FaultPlan(json: put.body), expected, "answers the plan now in force")
        XCTAssertEqual(emulator.faults, expected)
        let get = try fixture.admin("GET", "faults")
        XCTAssertEqual(get.status, 200)
        XCTAssertEqual(try FaultPlan(json: get.body), expected)
        XCTAssertEqual((get.json?["error_rates"] as? [String: Double])?["503"], 0.5, "string keys")
    }

    func testAbsentKeysTakeDefaults() throws {
        emulator.setFaults(.with { $0.errorRates = [500: 1] })
        XCTAssertEqual(try fixture.admin("PUT", "faults", body: #"{"latency_ms": 5}"#).status, 200)
        var expected = FaultPlan()
        expected.latencyMilliseconds = 5
        XCTAssertEqual(emulator.faults, expected)
        let json = try XCTUnwrap(fixture.admin("GET", "faults").json)
        XCTAssertEqual(json["seed"] as? Int, 1)
        XCTAssertEqual(json["token_lifetime_seconds"] as? Int, 86400)
        XCTAssertEqual((json["error_rates"] as? [String: Any])?.count, 0)
    }

    func testBadPlansAnswer400NamingTheProblemAndKeepThePlan() throws {
        let kept = FaultPlan.with { $0.latencyMilliseconds = 3 }
        emulator.setFaults(kept)
        let cases: [(String, String)] = [
            ("{", "not valid JSON"),
            ("[1, 2]", "expected an object"),
            (#"{"latency": 5}"#, #"unknown key "latency""#),
            (#"{"error_rates": {"429": 1.5}}"#, #"error_rates["429"]: 1.5 is not a probability"#),
            (#"{"error_rates": {"500": -0.1}}"#, #"error_rates["500"]: -0.1 is not a probability"#),
            (#"{"error_rates": {"429": 0.7, "503": 0.7}}"#, "add up to"),
            (#"{"error_rates": {"teapot": 0.1}}"#, #"error_rates["teapot"]: not an HTTP error status"#),
            (#"{"error_rates": {"429": "often"}}"#, #"error_rates["429"]: expected a number"#),
            (#"{"error_burst": {"status": 200, "count": 1}}"#, "error_burst.status: 200 is not an HTTP error status"),
            (#"{"error_burst": {"status": 500}}"#, #"error_burst: missing "count""#),
            (#"{"body_fault": {"kind": "explode"}}"#, #"body_fault.kind: "explode" is not one of stall, reset, truncate"#),
            (#"{"body_fault": {"kind": "stall", "rate": 2}}"#, "body_fault.rate: 2.0 is not a probability"),
            (#"{"body_fault": {"kind": "reset", "after": 3}}"#, #"body_fault: unknown key "after""#),
            (#"{"body_fault": {"kind": "reset", "after_bytes": -3}}"#, "body_fault.after_bytes: -3 is negative"),
            (#"{"latency_ms": "slow"}"#, "latency_ms: expected a whole number"),
            (#"{"seed": -1}"#, "seed: must be a whole number"),
            (#"{"retry_after": "1\r\nX-Evil: 1"}"#, "retry_after:"),
            (#"{"hostile": {"partial_limit_bytes": 0}}"#, "hostile.partial_limit_bytes: 0 is not a positive number"),
            (#"{"hostile": {"content_encoding": "br"}}"#, #"hostile.content_encoding: "br" is not one of gzip"#),
            (#"{"hostile": {"substitute_body": {"body": "x"}}}"#, #"missing "content_type""#),
            (#"{"hostile": {"lie": 1}}"#, #"hostile: unknown key "lie""#),
        ]
        for (body, problem) in cases {
            let r = try fixture.admin("PUT", "faults", body: body)
            XCTAssertEqual(r.status, 400, body)
            XCTAssertEqual(r.json?["error_code"] as? String, "EMU.0400", body)
            let message = r.json?["error_msg"] as? String ?? ""
            XCTAssertTrue(message.contains(problem), "\(body): \(message)")
        }
        XCTAssertEqual(emulator.faults, kept)
        XCTAssertEqual(try FaultPlan(json: fixture.admin("GET", "faults").body), kept)
    }

    func testOversizedBodyAnswers413() throws {
        let padding = String(repeating: " ", count: 64 * 1024)
        let r = try fixture.admin("PUT", "faults", body: #"{"seed": 5}"# + padding)
        XCTAssertEqual(r.status, 413)
        XCTAssertEqual(r.json?["error_code"] as? String, "EMU.0413")
        XCTAssertEqual(emulator.faults, FaultPlan())
    }

    func testUnknownRoutesAndMethods() throws {
        XCTAssertEqual(try fixture.admin("GET", "nothing").status, 404)
        let r = try fixture.admin("DELETE", "faults")
        XCTAssertEqual(r.status, 405)
        XCTAssertEqual(r.header("Allow"), "GET, PUT")
        XCTAssertEqual(try fixture.admin("GET", "token").status, 405, "the token is never shown")
    }

    // MARK: token

    func testPutTokenReplacesTheStaticToken() throws {
        XCTAssertEqual(try fixture.admin("PUT", "token", body: "fresh-token-1\n").status, 204)
        let old = try fixture.get(fixture.small)
        XCTAssertEqual(old.status, 401)
        XCTAssertEqual(old.json?["error_code"] as? String, "CDC.0401")
        let new = try fixture.curl([fixture.url(fixture.small), "-H", "X-Auth-Token: fresh-token-1"])
        XCTAssertEqual(new.status, 200)
        XCTAssertEqual(try fixture.admin("PUT", "token", body: " \n").status, 400)
        XCTAssertEqual(try fixture.admin("PUT", "token", body: "two words").status, 400)
    }

    func testSetTokenMakesTheOldToken401() throws {
        XCTAssertEqual(try fixture.get(fixture.small).status, 200)
        emulator.setToken("rotated")
        XCTAssertEqual(try fixture.get(fixture.small).status, 401)
        XCTAssertEqual(try fixture.curl([fixture.url(fixture.small), "-H", "X-Auth-Token: rotated"]).status, 200)
    }

    // MARK: counters

    func testStatsCountContentAndIAMRequestsByStatus() throws {
        let small = fixture.small
        _ = try fixture.get(small)                                          // 200
        _ = try fixture.get(small, ["-H", "Range: bytes=0-9"])              // 206
        _ = try fixture.get(small, ["-H", "Range: bytes=\(small.size)-"])   // 416
        _ = try fixture.curl([fixture.url(small)])                          // 401
        _ = try fixture.curl([fixture.url(small).replacingOccurrences(of: "exp-small", with: "gone"),
                              "-H", "X-Auth-Token: \(EmulatorFixture.token)"])  // 404
        _ = try fixture.get(small, ["-I"])                                  // HEAD: not a content GET
        emulator.setFaults(.with { $0.errorBurst = ErrorBurst(status: 429, count: 2) })
        _ = try fixture.get(small)
        _ = try fixture.get(small)
        for password in ["p", "wrong"] { _ = try fixture.login(name: "u", password: password, domain: "d") }

        let stats = try XCTUnwrap(fixture.admin("GET", "stats").json)
        XCTAssertEqual(stats["content_requests"] as? Int, 7)
        XCTAssertEqual(stats["iam_requests"] as? Int, 2)
        XCTAssertEqual(stats["statuses"] as? [String: Int],
                       ["200": 1, "206": 1, "416": 1, "401": 1, "404": 1, "429": 2])
        XCTAssertEqual(emulator.statusCounts, [200: 1, 206: 1, 416: 1, 401: 1, 404: 1, 429: 2])
        XCTAssertEqual(emulator.iamRequestCount, 2)

        emulator.resetCounters()
        let zero = try XCTUnwrap(fixture.admin("GET", "stats").json)
        XCTAssertEqual(zero["content_requests"] as? Int, 0)
        XCTAssertEqual(zero["iam_requests"] as? Int, 0)
        XCTAssertEqual((zero["statuses"] as? [String: Int])?.count, 0)
    }
}
