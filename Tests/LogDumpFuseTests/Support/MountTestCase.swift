import Foundation
import Glibc
import LogDumpEmulator
import XCTest

/// Base class of the mount tests: skips loudly without /dev/fuse, hands out harnesses,
/// and tears every one of them down after each test, whether it passed or not.
class MountTestCase: XCTestCase {
    private var harnesses: [MountHarness] = []

    override func setUpWithError() throws {
        try super.setUpWithError()
        guard access("/dev/fuse", F_OK) == 0 else {
            let message = "*** /dev/fuse is missing: the LogDumpFuseTests mount tests are SKIPPED. Give the container the device (--device /dev/fuse) to run them. ***"
            FileHandle.standardError.write(Data((message + "\n").utf8))
            throw XCTSkip(message)
        }
        _ = try MountHarness.binaryPath()
    }

    override func tearDown() {
        for harness in harnesses {
            for problem in harness.cleanUp() { XCTFail("teardown: \(problem)") }
        }
        harnesses.removeAll()
        super.tearDown()
    }

    /// A fresh harness (temp dir, emulator), cleaned up after the test.
    func makeHarness(honoursRange: Bool = true, sendsContentLength: Bool = true,
                     configure: (inout EmulatorConfig) -> Void = { _ in }) throws -> MountHarness {
        let harness = try MountHarness(honoursRange: honoursRange, sendsContentLength: sendsContentLength,
                                       configure: configure)
        harnesses.append(harness)
        return harness
    }

    /// A harness with a manifest of every fixture export, mounted.
    func mountedHarness(includeSizes: Bool = true, honoursRange: Bool = true, sendsContentLength: Bool = true,
                        token: String = MountHarness.goodToken, extraArguments: [String] = [],
                        configure: (inout EmulatorConfig) -> Void = { _ in }) throws -> MountHarness {
        let harness = try makeHarness(honoursRange: honoursRange, sendsContentLength: sendsContentLength,
                                      configure: configure)
        try harness.writeManifest(includeSizes: includeSizes)
        try harness.mount(token: token, extraArguments: extraArguments)
        return harness
    }

    /// Asserts the tool exited 0 within its timeout; returns its result either way.
    @discardableResult
    func assertSucceeds(_ result: ToolResult, _ message: String = "",
                        file: StaticString = #filePath, line: UInt = #line) -> ToolResult {
        XCTAssertTrue(result.succeeded, "\(message) \(result)", file: file, line: line)
        return result
    }

    /// Asserts the tool failed (non-zero, not by timeout) and said `phrase` on stderr.
    func assertFails(_ result: ToolResult, saying phrase: String, within seconds: TimeInterval? = nil,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(result.timedOut, "expected a prompt failure: \(result)", file: file, line: line)
        XCTAssertNotEqual(result.status, 0, "expected a failure: \(result)", file: file, line: line)
        XCTAssertTrue(result.stderr.contains(phrase), "expected \"\(phrase)\" on stderr: \(result)", file: file, line: line)
        if let seconds {
            XCTAssertLessThan(result.elapsed, seconds, "took too long: \(result)", file: file, line: line)
        }
    }
}
