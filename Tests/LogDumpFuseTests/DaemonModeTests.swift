import Foundation
import Glibc
import XCTest

/// `mount --daemon` and `-o` twins: the command exits 0 only with the mount live, else
/// non-zero naming the reason; `umount` ends the detached daemon.
final class DaemonModeTests: MountTestCase {
    private var detached: DetachedMounts!

    override func tearDown() {
        for problem in detached?.cleanUp() ?? [] { XCTFail("teardown: \(problem)") }
        super.tearDown()
    }

    private func setUpHarness() throws -> MountHarness {
        let harness = try makeHarness()
        try harness.writeManifest()
        try MountHarness.goodToken.write(toFile: harness.directory + "/token", atomically: false, encoding: .utf8)
        detached = DetachedMounts(harness: harness)
        return harness
    }

    /// Options as mount(8) passes them: twins of flags, FUSE options, generic ones.
    private func options(_ harness: MountHarness) -> String {
        "ro,_netdev,nofail,allow_other,token_file=\(harness.directory)/token,cache_dir=\(harness.cacheDirectory),"
            + "cache-size=64M,max_connections=4,verbose,log_file=\(harness.directory)/daemon.log,x-systemd.requires=a.service"
    }

    func testDaemonExitsOnceMountedAndServesExactBytes() throws {
        let harness = try setUpHarness()
        let result = harness.tools.run(try MountHarness.binaryPath(),
                                       ["mount", harness.manifestPath, harness.mountpoint, "--daemon", "-o", options(harness)],
                                       environment: ["PATH": ToolRunner.searchPath], timeout: 20)
        let mountedAtExit = MountHarness.isMounted(harness.mountpoint)
        assertSucceeds(result)
        XCTAssertTrue(mountedAtExit, "the command exited before the mount was live")
        try detached.assertServesExactBytes()
        let busy = harness.tools.run(try MountHarness.binaryPath(),
                                     ["mount", harness.manifestPath, harness.mountpoint, "--daemon", "-o", options(harness)],
                                     environment: ["PATH": ToolRunner.searchPath], timeout: 20)
        assertFails(busy, saying: "is not empty")
        let log = try String(contentsOfFile: harness.directory + "/daemon.log", encoding: .utf8)
        XCTAssertTrue(log.contains("mounted on"), log)
        XCTAssertTrue(log.contains("debug:"), "-o verbose did not reach --verbose: \(log)")
        XCTAssertFalse(log.contains(MountHarness.goodToken))
        try detached.unmountAndWaitForDaemon(using: ["umount", harness.mountpoint])
    }

    /// Detached under systemd (standard error is the JOURNAL_STREAM), the log stays on
    /// standard error; elsewhere it leaves it once mounted (for syslog).
    func testDetachedLogStaysOnTheJournalOnly() throws {
        let harness = try setUpHarness()
        for journal in [true, false] {
            let stderr = harness.directory + "/stderr-\(journal)"
            let setJournal = journal ? "export JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2); " : ""
            let result = harness.tools.shell("exec 2>>\"$1\"; \(setJournal)shift; exec \"$@\"",
                                             [stderr, try MountHarness.binaryPath(), "mount", harness.manifestPath,
                                              harness.mountpoint, "--daemon", "-o",
                                              "ro,token_file=\(harness.directory)/token,cache_dir=\(harness.cacheDirectory)"],
                                             timeout: 20)
            assertSucceeds(result)
            try detached.unmountAndWaitForDaemon(using: ["umount", harness.mountpoint])
            let log = try String(contentsOfFile: stderr, encoding: .utf8)
            XCTAssertEqual(log.contains("unmounted"), journal, "journal \(journal): \(log)")
        }
    }

    /// The parent killed while it waits (Ctrl-C at the terminal): the daemon mounts anyway,
    /// and lives on to serve it.
    func testDaemonOutlivesItsParent() throws {
        let harness = try setUpHarness()
        // SIGPIPE as a terminal gives it: the test runner ignores it, and its children inherit that.
        let parent = try harness.tools.start("env", [
            "--default-signal=PIPE", try MountHarness.binaryPath(), "mount", harness.manifestPath, harness.mountpoint, "--daemon", "-o",
            "ro,token_command=sleep 1; cat \(harness.directory)/token,cache_dir=\(harness.cacheDirectory)",
        ], environment: ["PATH": ToolRunner.searchPath], timeout: 20)
        usleep(300_000)
        kill(parent.process.processIdentifier, SIGKILL)
        _ = parent.wait()
        let deadline = Date().addingTimeInterval(15)
        while !MountHarness.isMounted(harness.mountpoint) && Date() < deadline { usleep(50_000) }
        XCTAssertTrue(MountHarness.isMounted(harness.mountpoint), "not mounted within 15 s")
        usleep(300_000)
        try detached.assertServesExactBytes()
        try detached.unmountAndWaitForDaemon(using: ["umount", harness.mountpoint])
    }

    func testEachFailureBeforeMountingIsReportedWithNonZeroStatus() throws {
        let harness = try setUpHarness()
        let binary = try MountHarness.binaryPath()
        let full = harness.directory + "/full"
        try FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: false)
        try Data().write(to: URL(fileURLWithPath: full + "/held"))
        let cases: [(arguments: [String], environment: [String: String], phrase: String)] = [
            (["mount", harness.directory + "/nope.json", harness.mountpoint], [:], "nope.json: cannot read"),
            (["mount", harness.manifestPath, harness.mountpoint], [:], "no credentials"),
            (["mount", harness.manifestPath, harness.directory + "/missing"], [:], "missing: No such file or directory"),
            (["mount", harness.manifestPath, full], [:], "is not empty"),
            (["mount", harness.manifestPath, harness.mountpoint, "-o", "rw"], [:], "-o rw: logdumpfs is read-only"),
            (["mount", harness.manifestPath, harness.mountpoint, "-o", "colour=red"], [:], "-o colour=red: unknown mount option"),
            (["mount", harness.manifestPath, harness.mountpoint, "-o", "token_file=\(harness.directory)/none"], [:], "token file \(harness.directory)/none"),
        ]
        for (arguments, environment, phrase) in cases {
            let result = harness.tools.run(binary, arguments + ["--daemon", "--cache-dir", harness.cacheDirectory],
                                           environment: ["PATH": ToolRunner.searchPath].merging(environment) { $1 },
                                           timeout: 20)
            assertFails(result, saying: phrase)
            XCTAssertFalse(MountHarness.isMounted(harness.mountpoint), "\(arguments): mounted")
            XCTAssertEqual(detached.daemons(), [], "\(arguments): a daemon lingers")
        }
    }
}

/// Mounts whose daemon detached: found by their mountpoint in /proc, and always ended.
struct DetachedMounts {
    let harness: MountHarness

    /// Processes of logdumpfs (by whichever name) serving this harness's mountpoint.
    func daemons() -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid_t($0) }.filter { pid in
            guard pid != getpid(), let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return arguments.contains(harness.mountpoint) && arguments.contains { $0.contains("logdumpfs") }
        }.sorted()
    }

    /// Reads the first export through the mount and compares it byte for byte.
    func assertServesExactBytes(file: StaticString = #filePath, line: UInt = #line) throws {
        let export = harness.exports[0]
        let result = harness.tools.run("cmp", [export.fixturePath, harness.mounted(export)], timeout: 60)
        XCTAssertTrue(result.succeeded, "\(result)", file: file, line: line)
    }

    /// Unmounts with `command` and waits for every daemon to exit.
    func unmountAndWaitForDaemon(using command: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertFalse(daemons().isEmpty, "no daemon serves the mount", file: file, line: line)
        let result = harness.tools.run(command[0], Array(command.dropFirst()), timeout: 20)
        XCTAssertTrue(result.succeeded, "\(result)", file: file, line: line)
        XCTAssertFalse(MountHarness.isMounted(harness.mountpoint), file: file, line: line)
        XCTAssertTrue(waitForNoDaemon(timeout: 10), "the daemon outlived its mount by 10 s: \(daemons())",
                      file: file, line: line)
    }

    func waitForNoDaemon(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !daemons().isEmpty {
            if Date() > deadline { return false }
            usleep(50_000)
        }
        return true
    }

    /// Unmounts what is left and kills what still runs; returns what went wrong.
    func cleanUp() -> [String] {
        var problems: [String] = []
        if MountHarness.isMounted(harness.mountpoint) {
            problems.append("\(harness.mountpoint) was left mounted")
            _ = harness.tools.run("umount", ["-l", harness.mountpoint], timeout: 10)
        }
        if !waitForNoDaemon(timeout: 10) {
            problems.append("daemons left running: \(daemons())")
            for pid in daemons() { kill(pid, SIGKILL) }
            _ = waitForNoDaemon(timeout: 10)
        }
        return problems
    }
}
