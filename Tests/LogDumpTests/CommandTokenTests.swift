import Foundation
@testable import LogDump
import XCTest

/// --token-command: run at start and after a 401, once however many ask at the same time;
/// failures say the command, status and stderr's first line, never what it printed.
final class CommandTokenTests: TokenTestCase {
    func testTokenIsTheTrimmedOutput() throws {
        XCTAssertEqual(try CommandToken(command: "printf '  tok-1\\n\\n'").currentToken(), "tok-1")
    }

    func testFailureNamesCommandStatusAndFirstLineOfStderrButNotStdout() {
        let command = "printf 'SECRET-%s\\n' OUT; echo 'vault: permission denied' >&2; echo more >&2; exit 3"
        let error = remoteError { () throws(RemoteError) in try CommandToken(command: command) }
        let text = (error?.description ?? "no error")
        XCTAssertEqual(error?.errno, .accessDenied, text)
        XCTAssertTrue(text.contains(command.quotedForLog()), text)
        XCTAssertTrue(text.hasSuffix("exited with status 3: vault: permission denied"), text)
        XCTAssertFalse(text.contains("SECRET-OUT"), text)
    }

    func testEmptyOrMultiLineOutputIsRefusedWithoutQuotingIt() {
        for command in ["true", "printf 'SECRET-%s\\nSECRET-%s\\n' A B"] {
            let error = remoteError { () throws(RemoteError) in try CommandToken(command: command) }
            let text = (error?.description ?? "no error")
            XCTAssertTrue(text.contains("its output"), text)
            XCTAssertFalse(text.contains("SECRET-A"), text)
        }
    }

    func testTimeLimitKillsTheCommandAndReapsIt() throws {
        let pidFile = directory + "/pid"
        let started = ContinuousClock.now
        let error = remoteError { () throws(RemoteError) in
            try CommandToken(command: "echo $$ > \(pidFile); sleep 30; echo late", timeLimit: .milliseconds(500))
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5))
        XCTAssertTrue((error?.description ?? "no error").contains("did not finish within"), (error?.description ?? "no error"))
        let pid = try XCTUnwrap(Int32(String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        XCTAssertEqual(kill(pid, 0), -1, "the command still exists (running or a zombie)")
        XCTAssertEqual(errno, ESRCH)
    }

    func testBackgroundChildHoldingTheOutputDoesNotHangIt() {
        let started = ContinuousClock.now
        let error = remoteError { () throws(RemoteError) in
            try CommandToken(command: "sleep 30 & echo tok", timeLimit: .milliseconds(500))
        }
        XCTAssertNotNil(error)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5))
    }

    func testLargeOutputOnBothStreamsDoesNotDeadlock() throws {
        // Far more than a pipe holds on each stream, stderr first: read one after the
        // other, the command would block on a full pipe until the time limit.
        let command = "head -c 300000 /dev/zero | tr '\\0' x >&2; head -c 1000 /dev/zero | tr '\\0' y"
        let started = ContinuousClock.now
        let token = try CommandToken(command: command, timeLimit: .seconds(20)).currentToken()
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(10))
        XCTAssertEqual(token, String(repeating: "y", count: 1000), "stdout is the token, stderr is not")
    }

    func testOutputTooLongForATokenIsRefused() {
        let error = remoteError { () throws(RemoteError) in try CommandToken(command: "head -c 100000 /dev/zero | tr '\\0' y") }
        XCTAssertTrue((error?.description ?? "no error").contains("more than 64 KiB"), (error?.description ?? "no error"))
    }

    func testConcurrentRenewalsRunTheCommandOnce() throws {
        let counter = directory + "/runs"
        let source = try CommandToken(command: "echo run >> \(counter); sleep 0.3; echo tok-$(wc -l < \(counter))")
        XCTAssertEqual(try source.currentToken(), "tok-1")
        let tokens = concurrently(8) { (try? source.renewed(after: "tok-1")) ?? "failed" }
        XCTAssertEqual(tokens, Array(repeating: "tok-2", count: 8))
        XCTAssertEqual(try String(contentsOfFile: counter, encoding: .utf8), "run\nrun\n")
        XCTAssertEqual(try source.currentToken(), "tok-2")
    }

    func testFailedRenewalIsSharedAndKeepsTheToken() throws {
        let flag = directory + "/broken"
        let counter = directory + "/runs"
        let source = try CommandToken(command: "echo run >> \(counter); sleep 0.3; test ! -e \(flag) && echo tok")
        try Data().write(to: URL(fileURLWithPath: flag))
        let outcomes = concurrently(4) { () -> String in
            do { return try source.renewed(after: "tok") } catch { return "\(error)" }
        }
        XCTAssertEqual(outcomes.count, 4)
        XCTAssertTrue(outcomes.allSatisfy { $0.contains("exited with status 1") }, "\(outcomes)")
        XCTAssertEqual(try String(contentsOfFile: counter, encoding: .utf8), "run\nrun\n")
        XCTAssertEqual(try source.currentToken(), "tok")
    }

    func testStaticTokenCannotRenew() throws {
        XCTAssertEqual(try StaticToken("tok").renewed(after: "tok"), "tok")
    }
}
