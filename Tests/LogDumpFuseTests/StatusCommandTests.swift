import Foundation
import Glibc
import LogDump
import LogDumpEmulator
import XCTest

/// `logdumpfs status` against a real mount: its figures during and after reads add up to
/// what the readers read, a warm read is all hits, and the control socket is private and
/// gone after unmount.
final class StatusCommandTests: MountTestCase {
    func testFiguresDuringAndAfterReadsAddUp() throws {
        var plan = FaultPlan()
        plan.bandwidthBytesPerSecond = 1 << 20 // the 5 MiB export takes seconds
        plan.errorBurst = ErrorBurst(status: 503, count: 2)
        plan.retryAfter = "0"
        let harness = try mountedHarness(extraArguments: ["--max-connections", "2"]) { $0.faults = plan }
        let big = try Fixture.big
        let socket = harness.cacheDirectory + "/control.sock"
        XCTAssertEqual(mode(socket), 0o600, "the control socket's mode")

        let reading = try harness.tools.start("dd", ["if=\(harness.mounted(big))", "of=/dev/null", "bs=1M"], timeout: 60)
        var during: StatisticsSnapshot?
        let deadline = Date().addingTimeInterval(30)
        while during == nil && Date() < deadline {
            let snapshot = try status(harness)
            if let transfer = snapshot.transfers.first(where: { $0.export == "/" + big.mountRelativePath }), transfer.bytes > 0 {
                during = snapshot
                XCTAssertEqual(transfer.size, UInt64(big.size), "the transfer's size")
            }
            usleep(100_000)
        }
        XCTAssertNotNil(during, "no transfer of \(big.mountRelativePath) with bytes seen in flight")
        assertSucceeds(reading.wait(), "the cold read")

        let cold = try status(harness)
        XCTAssertEqual(cold.served.total, big.size, "bytes served after one whole read: \(cold.served)")
        XCTAssertEqual(cold.served.memory + cold.served.disk + cold.served.network, cold.served.total)
        XCTAssertGreaterThan(cold.served.network, 0, "a cold read found everything cached?")
        XCTAssertEqual(cold.requests.first { $0.status == 503 }?.count, harness.emulator.statusCounts[503], "503s")
        XCTAssertEqual(cold.requests.first { $0.status == 503 }?.count, 2, "503s: \(cold.requests)")
        XCTAssertGreaterThanOrEqual(cold.retries, 2, "the 503s were not counted as retried")
        XCTAssertEqual(cold.readErrors, [])
        XCTAssertEqual(cold.transfers, [], "transfers still in flight after the read")
        XCTAssertEqual(cold.concurrency.first?.maximum, 4, "--max-connections 2, plus 2 for probes")
        XCTAssertEqual(cold.cache.diskBoundBytes, 10 << 30)

        // Past the page cache: the same file again is served from the caches alone.
        let warmRead = harness.tools.run("dd", ["if=\(harness.mounted(big))", "of=/dev/null", "bs=1M", "iflag=direct"], timeout: 60)
        assertSucceeds(warmRead, "the warm read")
        let warm = try status(harness)
        XCTAssertEqual(warm.served.total - cold.served.total, big.size, "bytes served by the second read")
        XCTAssertEqual(warm.served.network, cold.served.network, "the second read went to the network")

        let text = harness.tools.run(try MountHarness.binaryPath(), ["status", harness.mountpoint], timeout: 15)
        assertSucceeds(text, "status as text")
        XCTAssertTrue(text.stdoutText.contains("hit ratio"), text.stdoutText)
        XCTAssertTrue(text.stdoutText.contains("503 x2"), text.stdoutText)

        assertUnmounts(harness)
        XCTAssertEqual(access(socket, F_OK), -1, "the control socket outlived the mount")
        let record = MountRecord.file(for: MountRecord.canonical(harness.mountpoint), in: MountRecord.runDirectory())
        XCTAssertEqual(access(record, F_OK), -1, "the mount record outlived the mount")
    }

    /// A 401 answered by a renewed token, and a read the server cannot serve (404):
    /// each is counted where `status` shows it.
    func testRenewalsAndReadErrorsAreCounted() throws {
        let harness = try makeHarness()
        let gone = ManifestItem(projectID: Fixture.projectA, serverID: Fixture.server1, exportID: "20261106000000-dead",
                                size: 12345, createdAt: "2026-11-06T00:00:00Z")
        try harness.writeManifest(harness.exports.map { ManifestItem($0) } + [gone])
        let tokenFile = "\(harness.directory)/token"
        try "expired-token-2b8f\n".write(toFile: tokenFile, atomically: false, encoding: .utf8)
        try harness.mount(token: "unused", extraArguments: ["--token-command", "cat \(tokenFile)"])
        try "\(MountHarness.goodToken)\n".write(toFile: tokenFile, atomically: false, encoding: .utf8)

        let export = harness.exports[0]
        XCTAssertEqual(assertSucceeds(harness.tools.run("cat", [harness.mounted(export)], timeout: 30)).stdout, try export.bytes())
        assertFails(harness.tools.run("cat", [harness.mounted(gone.mountRelativePath)], timeout: 20),
                    saying: "No such file or directory", within: 10)
        let snapshot = try status(harness)
        XCTAssertEqual(snapshot.renewals, 1, "renewals")
        XCTAssertEqual(snapshot.requests.first { $0.status == 401 }?.count, 1, "401s: \(snapshot.requests)")
        XCTAssertEqual(snapshot.requests.first { $0.status == 404 }?.count, harness.emulator.statusCounts[404], "404s")
        XCTAssertEqual(snapshot.readErrors.map(\.name), ["ENOENT"], "errors: \(snapshot.readErrors)")
        XCTAssertEqual(snapshot.served.total, export.size)
    }

    /// Not on a terminal, `--watch` prints a block a second, each apart, until Ctrl-C.
    func testWatchPrintsABlockEachSecondUntilInterrupted() throws {
        let harness = try mountedHarness()
        let output = "\(harness.directory)/watch.out"
        let watch = try harness.tools.start(try MountHarness.binaryPath(), ["status", harness.mountpoint, "--watch"],
                                            stdoutTo: output, timeout: 30)
        func blocks() -> Int {
            ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").components(separatedBy: "logdumpfs on ").count - 1
        }
        let deadline = Date().addingTimeInterval(15)
        while blocks() < 3 && Date() < deadline { usleep(100_000) }
        kill(watch.process.processIdentifier, SIGINT)
        let result = watch.wait()
        XCTAssertFalse(result.timedOut, "--watch did not stop on SIGINT")
        XCTAssertGreaterThanOrEqual(blocks(), 3, "blocks within 15 s")
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        XCTAssertTrue(text.contains("\n\nlogdumpfs on "), "blocks not set apart: \(text)")
        XCTAssertFalse(text.contains("\u{1B}["), "terminal codes written to a file")
    }

    /// A server that only throttles: its 429s are counted, the endpoint's limit is cut
    /// below its maximum, and the read's EIO is among the errors.
    func testThrottlingShowsIn429sAndTheLimit() throws {
        var plan = FaultPlan()
        plan.errorRates = [429: 1]
        let harness = try mountedHarness(extraArguments: ["--retry-deadline", "2"]) { $0.faults = plan }
        assertFails(harness.tools.run("cat", [harness.mounted(harness.exports[0])], timeout: 30),
                    saying: "Input/output error", within: 20)
        let snapshot = try status(harness)
        XCTAssertEqual(snapshot.throttled, harness.emulator.statusCounts[429], "429s")
        XCTAssertGreaterThan(snapshot.throttled, 0)
        let gauge = try XCTUnwrap(snapshot.concurrency.first)
        XCTAssertLessThan(gauge.limit, gauge.maximum, "the limit after 429s: \(snapshot.concurrency)")
        XCTAssertTrue(snapshot.readErrors.contains { $0.name == "EIO" }, "errors: \(snapshot.readErrors)")
    }

    /// A daemon killed outright leaves its socket and record; the next mount on the same
    /// cache and mountpoint replaces both, and `status` reaches it.
    func testNextMountReplacesACrashedDaemonsSocket() throws {
        let harness = try mountedHarness()
        XCTAssertNotNil(harness.signalDaemon(SIGKILL), "the daemon survived SIGKILL")
        assertSucceeds(harness.tools.run("fusermount3", ["-u", "-z", harness.mountpoint], timeout: 10))
        XCTAssertEqual(mode(harness.cacheDirectory + "/control.sock"), 0o600, "the crashed daemon's socket")
        try harness.mount()
        XCTAssertEqual(try status(harness).served.total, 0)
    }

    /// Without a disk cache the socket lives in the run directory, and goes with the mount.
    func testWithoutDiskCacheTheSocketIsInTheRunDirectory() throws {
        let harness = try mountedHarness(extraArguments: ["--cache-size", "0"])
        let export = harness.exports[0]
        assertSucceeds(harness.tools.run("cat", [harness.mounted(export)], timeout: 30))
        let snapshot = try status(harness)
        XCTAssertEqual(snapshot.served.total, export.size)
        XCTAssertNil(snapshot.cache.diskBoundBytes)
        let record = MountRecord.file(for: MountRecord.canonical(harness.mountpoint), in: MountRecord.runDirectory())
        let socket = record.replacingOccurrences(of: ".json", with: ".sock")
        XCTAssertEqual(mode(socket), 0o600, "the control socket in the run directory")
        assertUnmounts(harness)
        XCTAssertEqual(access(socket, F_OK), -1, "the control socket outlived the mount")
        XCTAssertEqual(access(record, F_OK), -1, "the mount record outlived the mount")
    }

    func testStatusOfAnotherDirectoryFailsInOneSentence() throws {
        let harness = try makeHarness()
        let result = harness.tools.run(try MountHarness.binaryPath(), ["status", harness.mountpoint], timeout: 15)
        assertFails(result, saying: "is not a logdumpfs mount", within: 10)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "not one sentence: \(result.stderr)")
    }

    private func status(_ harness: MountHarness, file: StaticString = #filePath, line: UInt = #line) throws -> StatisticsSnapshot {
        let result = harness.tools.run(try MountHarness.binaryPath(), ["status", harness.mountpoint, "--json"], timeout: 15)
        assertSucceeds(result, "status --json", file: file, line: line)
        return try StatisticsSnapshot.parse(result.stdoutText)
    }
}
