import Foundation
import Glibc
import LogDumpEmulator
import XCTest

/// The fault matrix: a flaky, throttling or absent server, through real mounts. A
/// transient fault still gives the exact bytes; a permanent one gives the documented
/// errno within the retry deadline, with the server's reason in the log.
final class FaultMatrixTests: MountTestCase {
    /// Small blocks: the 5 MiB export takes 20 requests, so that fault rates bite.
    private static let options = ["--block-size", "256K", "--stall-timeout", "1", "--retry-deadline", "30"]
    /// Bytes per second per response: 8 connections take about 2.5 s for the 5 MiB export.
    private static let slow = 256 << 10

    func testThrottlingWithRetryAfter() throws {
        var plan = FaultPlan()
        plan.errorRates = [429: 0.3]
        plan.retryAfter = "1"
        let harness = try readsExactly(through: plan)
        XCTAssertGreaterThan(harness.emulator.statusCounts[429] ?? 0, 0, "no 429 was sent")
    }

    /// Every request is throttled for two seconds: the read waits it out.
    func testThrottlingUntilTheServerRelents() throws {
        var plan = FaultPlan()
        plan.errorRates = [429: 1]
        plan.retryAfter = "1"
        let harness = try mountedHarness(extraArguments: Self.options) { $0.faults = plan }
        let big = try Fixture.big
        let copy = try harness.tools.start("cp", [harness.mounted(big), "\(harness.directory)/copy"], timeout: 90)
        usleep(2_000_000)
        harness.emulator.setFaults(FaultPlan())
        assertSucceeds(copy.wait())
        assertCopyExact("\(harness.directory)/copy", big, harness)
        XCTAssertGreaterThan(harness.emulator.statusCounts[429] ?? 0, 1)
    }

    func testABurstOf500s() throws {
        var plan = FaultPlan()
        plan.errorBurst = ErrorBurst(status: 500, count: 5)
        let harness = try readsExactly(through: plan)
        XCTAssertEqual(harness.emulator.statusCounts[500], 5)
    }

    func testOtherServerErrors() throws {
        var plan = FaultPlan()
        plan.errorRates = [502: 0.2, 503: 0.2, 504: 0.2]
        try readsExactly(through: plan)
    }

    /// Every body is cut 100 KiB in (a ranged retry resumes there); without Range, half
    /// the bodies are cut at random offsets (a retry starts over and skips what it has).
    func testResets() throws {
        try readsExactly(through: bodyFault(.reset, afterBytes: 100 << 10, rate: 1), expectRetries: true)
        try readsExactly(through: bodyFault(.reset, rate: 0.5), honoursRange: false)
    }

    func testTruncatedBodies() throws {
        try readsExactly(through: bodyFault(.truncate, afterBytes: 100 << 10, rate: 1), expectRetries: true)
        try readsExactly(through: bodyFault(.truncate, rate: 0.5), honoursRange: false)
    }

    func testStalls() throws {
        try readsExactly(through: bodyFault(.stall, afterBytes: 100 << 10, rate: 0.2), expectRetries: true)
    }

    /// A throttled server that never relents: EIO once the deadline passes, promptly,
    /// and a log line with the status, error_code and error_msg.
    func testPermanentThrottlingIsEIOAfterTheDeadline() throws {
        var plan = FaultPlan()
        plan.errorRates = [503: 1]
        plan.retryAfter = "1"
        let harness = try mountedHarness(extraArguments: ["--retry-deadline", "3"]) { $0.faults = plan }
        let result = harness.tools.run("cat", [harness.mounted(try Fixture.big)], timeout: 60)
        assertFails(result, saying: "Input/output error", within: 20)
        XCTAssertGreaterThan(result.elapsed, 2.5, "gave up before the deadline")
        let log = harness.daemonOutput()
        XCTAssertTrue(log.contains("HTTP 503 CDC.0503"), log)
        XCTAssertGreaterThan(harness.emulator.statusCounts[503] ?? 0, 1, "not retried")
    }

    /// The emulator is stopped a moment into the copy and started again on the same
    /// port two seconds later: the copy completes, exact.
    func testServerKilledAndRestartedMidRead() throws {
        var plan = FaultPlan()
        plan.bandwidthBytesPerSecond = Self.slow
        let harness = try mountedHarness(extraArguments: Self.options) { $0.faults = plan }
        let big = try Fixture.big
        let copy = try harness.tools.start("cp", [harness.mounted(big), "\(harness.directory)/copy"], timeout: 90)
        usleep(800_000)
        XCTAssertTrue(copy.process.isRunning, "the copy ended before the server was stopped")
        harness.emulator.stop()
        usleep(2_000_000)
        try harness.emulator.start()
        assertSucceeds(copy.wait())
        assertCopyExact("\(harness.directory)/copy", big, harness)
    }

    /// No server when the mount comes up: the tree is there, reads fail with EIO after
    /// the deadline, and work by themselves once the server is back.
    func testServerDownAtMountTime() throws {
        let harness = try makeHarness()
        harness.emulator.stop()
        try harness.writeManifest()
        try harness.mount(extraArguments: ["--retry-deadline", "2"])
        let export = harness.exports[0]
        assertSucceeds(harness.tools.run("ls", ["-l", harness.mounted(export)], timeout: 10))
        assertFails(harness.tools.run("cat", [harness.mounted(export)], timeout: 60),
                    saying: "Input/output error", within: 20)
        try harness.emulator.start()
        let result = assertSucceeds(harness.tools.run("cat", [harness.mounted(export)], timeout: 60))
        XCTAssertEqual(result.stdout, try export.bytes())
    }

    /// The token expires mid-copy. A new one was issued (IAM) before the old one stopped
    /// working, and the token command now prints it: the first 401 runs the command, the
    /// request is replayed, and the copy completes.
    func testTokenExpiringMidCopy() throws {
        let user = IAMUser(name: "backup", domain: "acme", password: "pw-51c2")
        var plan = FaultPlan()
        plan.bandwidthBytesPerSecond = Self.slow
        let harness = try makeHarness { $0.iamUser = user; $0.faults = plan }
        try harness.writeManifest()
        let tokenFile = "\(harness.directory)/token"
        try "\(MountHarness.goodToken)\n".write(toFile: tokenFile, atomically: false, encoding: .utf8)
        try harness.mount(extraArguments: Self.options + ["--token-command", "cat \(tokenFile)"])
        let big = try Fixture.big
        let copy = try harness.tools.start("cp", [harness.mounted(big), "\(harness.directory)/copy"], timeout: 90)
        usleep(800_000)
        XCTAssertTrue(copy.process.isRunning, "the copy ended before the token expired")
        // Renamed into place, so that the command never prints half a token.
        try login(user, harness).write(toFile: tokenFile + ".new", atomically: false, encoding: .utf8)
        XCTAssertEqual(rename(tokenFile + ".new", tokenFile), 0)
        harness.emulator.setToken("a-token-nobody-has")  // the old one expires
        assertSucceeds(copy.wait())
        assertCopyExact("\(harness.directory)/copy", big, harness)
        XCTAssertGreaterThan(harness.emulator.statusCounts[401] ?? 0, 0, "the old token never expired mid-copy")
    }

    /// A token the server keeps refusing after renewal: EACCES at once, with the
    /// server's reason in the log.
    func testPersistentRejectionIsEACCES() throws {
        let harness = try makeHarness()
        try harness.writeManifest()
        let tokenFile = "\(harness.directory)/token"
        try "revoked-token-7d2a\n".write(toFile: tokenFile, atomically: false, encoding: .utf8)
        try harness.mount(extraArguments: ["--token-file", tokenFile])
        assertFails(harness.tools.run("cat", [harness.mounted(harness.exports[0])], timeout: 30),
                    saying: "Permission denied", within: 10)
        XCTAssertTrue(harness.daemonOutput().contains("CDC.0401"), harness.daemonOutput())
    }

    // MARK: Helpers

    /// Mounts with `plan` in force and checks `sha256sum` of the big export through the
    /// mount; with `expectRetries`, that the server saw more requests than blocks.
    @discardableResult
    private func readsExactly(through plan: FaultPlan, honoursRange: Bool = true, expectRetries: Bool = false,
                              file: StaticString = #filePath, line: UInt = #line) throws -> MountHarness {
        let harness = try mountedHarness(honoursRange: honoursRange, sendsContentLength: honoursRange,
                                         extraArguments: Self.options) { $0.faults = plan }
        let big = try Fixture.big
        assertExact(harness, [big], "through the faults", timeout: 120, file: file, line: line)
        if expectRetries && honoursRange {
            let blocks = (big.size + (256 << 10) - 1) / (256 << 10)
            XCTAssertGreaterThan(harness.emulator.contentRequestCount, blocks, "no fault hit a body", file: file, line: line)
        }
        return harness
    }

    private func bodyFault(_ kind: BodyFault.Kind, afterBytes: Int? = nil, rate: Double) -> FaultPlan {
        var plan = FaultPlan()
        plan.bodyFault = BodyFault(kind: kind, afterBytes: afterBytes, rate: rate)
        return plan
    }

    /// A copy made through the mount has the source's bytes.
    private func assertCopyExact(_ path: String, _ export: FixtureExport, _ harness: MountHarness,
                                 file: StaticString = #filePath, line: UInt = #line) {
        let sum = assertSucceeds(harness.tools.run("sha256sum", [path], timeout: 120), file: file, line: line)
        XCTAssertEqual(sum.stdoutText.split(separator: " ").first.map(String.init), export.sha256,
                       "\(path)\n\(harness.daemonOutput().suffix(3000))", file: file, line: line)
    }

    /// A token from the emulator's IAM endpoint, got with the curl tool.
    private func login(_ user: IAMUser, _ harness: MountHarness) throws -> String {
        let body = #"{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"\#(user.name)","password":"\#(user.password)","domain":{"name":"\#(user.domain)"}}}}}}"#
        let result = assertSucceeds(harness.tools.run("curl", ["-sS", "-D", "-", "-o", "/dev/null", "-X", "POST",
                                                               "-H", "Content-Type: application/json", "--data", body,
                                                               "\(harness.emulator.endpoint)/v3/auth/tokens"], timeout: 10))
        let header = result.stdoutText.split(separator: "\r\n").first { $0.lowercased().hasPrefix("x-subject-token:") }
        return try XCTUnwrap(header?.split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces))
    }
}
