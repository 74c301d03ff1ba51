import Foundation
import Synchronization
@testable import LogDump
import XCTest

/// A temp directory per test, removed afterwards, for token files, counters and scripts.
class TokenTestCase: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "logdumpfs-token-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
    }

    override func tearDownWithError() throws {
        Files.remove(directory)
    }

    /// Polls `condition` every 20 ms until it holds or `timeout` passes; the time it took.
    func waitFor(_ timeout: Duration, _ condition: () throws -> Bool) rethrows -> Duration? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < timeout {
            if try condition() { return ContinuousClock.now - start }
            usleep(20_000)
        }
        return nil
    }

    /// The RemoteError `body` throws, or a failure when it throws none.
    func remoteError<T>(_ body: () throws(RemoteError) -> T, file: StaticString = #filePath,
                        line: UInt = #line) -> RemoteError? {
        do {
            let value = try body()
            XCTFail("expected a RemoteError, got \(value)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    /// Runs `body` on `count` threads of their own at once (concurrentPerform would use
    /// only as many as there are cores) and returns what each got, within 60 seconds.
    func concurrently<T: Sendable>(_ count: Int, _ body: @Sendable @escaping () -> T) -> [T] {
        let results = Mutex<[T]>([])
        let group = DispatchGroup()
        let start = DispatchSemaphore(value: 0)
        for _ in 0..<count {
            group.enter()
            Thread.detachNewThread {
                start.wait()
                let result = body()
                results.withLock { $0.append(result) }
                group.leave()
            }
        }
        for _ in 0..<count { start.signal() }
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success, "threads did not finish")
        return results.withLock { $0 }
    }
}
