import Foundation
import LogDump
import XCTest

/// A reader whose process is interrupted gets EINTR at once, and the transfer it waited
/// for stops unless another reader still wants it.
final class InterruptionTests: XCTestCase {
    private let bytes = ReaderFixtures.bytes(16 * 4096)

    func testAnInterruptedReaderGetsEINTRAndItsTransferStops() throws {
        let source = StallingSource(bytes: bytes)
        let loader = ReaderFixtures.loader(source: source) { $0.workers = 2 }
        defer { source.release(); loader.shutdown() }
        let interruption = ReadInterruption()
        let read = startRead(loader, at: 0, interruption)
        XCTAssertTrue(source.waitUntilStalled(count: 1), "the transfer never stalled")

        interruption.interrupt()
        XCTAssertEqual(read.wait(seconds: 1), .failure(.interrupted), "the interrupted read did not end at once")
        XCTAssertTrue(source.waitUntilCancelled(count: 1), "nobody wants the block, yet its transfer went on")

        source.release()
        let again = try ExportReader(location: ReaderFixtures.location, size: UInt64(bytes.count), loader: loader)
            .read(at: 0, count: 4096)
        XCTAssertEqual(Array(again), Array(bytes[0..<4096]), "the block is fetched again, whole")
    }

    func testATransferAnotherReaderWaitsForGoesOn() throws {
        let source = StallingSource(bytes: bytes)
        let loader = ReaderFixtures.loader(source: source) { $0.workers = 2 }
        defer { source.release(); loader.shutdown() }
        let interrupted = ReadInterruption()
        let first = startRead(loader, at: 0, interrupted)
        XCTAssertTrue(source.waitUntilStalled(count: 1))
        let second = startRead(loader, at: 100, nil)
        usleep(100_000) // the second reader joins the same flight

        interrupted.interrupt()
        XCTAssertEqual(first.wait(seconds: 1), .failure(.interrupted))
        usleep(300_000)
        XCTAssertEqual(source.cancelledCount, 0, "the transfer stopped although a reader waits for it")
        source.release()
        XCTAssertTrue(second.wait(seconds: 10) == .success(Array(bytes[100..<4096])), "the other reader did not get its bytes")
        XCTAssertEqual(source.requestsFromStart, 1, "block 0 was fetched again")
    }

    func testAnInterruptedExactRangeReadStopsItsTransfer() throws {
        let source = StallingSource(bytes: bytes, free: 1)
        let loader = ReaderFixtures.loader(source: source) { $0.workers = 2 }
        defer { source.release(); loader.shutdown() }
        _ = try loader.block(BlockKey(ReaderFixtures.location, 0)) // learns that Range is honoured
        let interruption = ReadInterruption()
        let result = Outcome()
        Thread.detachNewThread {
            do throws(Errno) {
                let got = try loader.read(ReaderFixtures.location, range: 40_000..<41_000, interruption: interruption)
                result.set(.success(got?.array ?? []))
            } catch { result.set(.failure(error)) }
        }
        XCTAssertTrue(source.waitUntilStalled(count: 1))
        interruption.interrupt()
        XCTAssertEqual(result.wait(seconds: 1), .failure(.interrupted))
        XCTAssertTrue(source.waitUntilCancelled(count: 1))
    }

    /// A range read still queued (the one fetch thread is stalled) when the loader shuts
    /// down gets EIO then, not at its deadline.
    func testAQueuedRangeReadEndsAtShutdown() throws {
        let source = StallingSource(bytes: bytes, free: 1)
        let loader = ReaderFixtures.loader(source: source) {
            $0.workers = 1
            $0.waitTimeout = .seconds(120)
        }
        defer { source.release() }
        _ = try loader.block(BlockKey(ReaderFixtures.location, 0)) // learns that Range is honoured
        let stalled = startRead(loader, at: 4096, nil, count: 4096) // takes the one fetch thread
        XCTAssertTrue(source.waitUntilStalled(count: 1))
        let queued = Outcome()
        Thread.detachNewThread {
            do throws(Errno) {
                let got = try loader.read(ReaderFixtures.location, range: 40_000..<41_000)
                queued.set(.success(got?.array ?? []))
            } catch { queued.set(.failure(error)) }
        }
        usleep(200_000) // queued behind the stalled transfer
        loader.shutdown()
        XCTAssertEqual(queued.wait(seconds: 30), .failure(.io), "the queued range read was not ended by the shutdown")
        XCTAssertEqual(stalled.wait(seconds: 30), .failure(.io))
    }

    private func startRead(_ loader: BlockLoader, at offset: UInt64, _ interruption: ReadInterruption?,
                           count: Int? = nil) -> Outcome {
        let reader = ExportReader(location: ReaderFixtures.location, size: UInt64(bytes.count), loader: loader)
        let outcome = Outcome()
        Thread.detachNewThread {
            do throws(Errno) {
                let count = count ?? 4096 - Int(offset)
                outcome.set(.success(Array(try reader.read(at: offset, count: count, interruption: interruption))))
            } catch { outcome.set(.failure(error)) }
        }
        return outcome
    }
}

/// A read's result, handed from its thread to the test.
private final class Outcome: @unchecked Sendable {
    private let condition = NSCondition()
    private var result: Result<[UInt8], Errno>?

    func set(_ value: Result<[UInt8], Errno>) {
        condition.withLock { result = value; condition.broadcast() }
    }

    /// The result, or nil when none came within `seconds`.
    func wait(seconds: Double) -> Result<[UInt8], Errno>? {
        condition.withLock {
            let deadline = Date().addingTimeInterval(seconds)
            while result == nil && condition.wait(until: deadline) {}
            return result
        }
    }
}
