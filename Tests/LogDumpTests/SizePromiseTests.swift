import LogDump
import LogDumpTestSupport
import XCTest

/// Bytes are exact or an error: an answer is held to the size the manifest promised,
/// and a 206 that carries less than asked is followed by a request for the rest.
final class SizePromiseTests: XCTestCase {
    let location = ReaderFixtures.location
    let bytes = ReaderFixtures.bytes(10_000)

    private func source(range: Bool = true, length: Bool = true) -> MemoryExportSource {
        let memory = ReaderFixtures.source(bytes, range: range, length: length)
        memory.add(bytes, at: location, validator: "\"v1\"")
        return memory
    }

    private func retrying(_ memory: MemoryExportSource) -> RetryingSource {
        RetryingSource(wrapping: memory, policy: RetryPolicy(deadline: .seconds(2), baseDelay: .milliseconds(1),
                                                             maxDelay: .milliseconds(5)))
    }

    private func request(_ range: Range<UInt64>?, promised: UInt64?) -> TransferRequest {
        TransferRequest(location: location, range: range, expectedSize: promised)
    }

    /// RFC 9110 lets a 206 carry less than asked: the rest is asked for, never taken as
    /// the end of the export.
    func testAShort206IsFollowedByARequestForTheRest() throws {
        for promised in [nil, UInt64(10_000)] {
            let memory = source()
            memory.script([.partial(max: 1_500), .partial(max: 700)])
            let sink = RecordingSink()
            try retrying(memory).transfer(request(1_000..<5_000, promised: promised), into: sink)
            XCTAssertEqual(sink.bytes, Array(bytes[1_000..<5_000]), "promised \(String(describing: promised))")
            XCTAssertEqual(memory.requestedRanges, [1_000..<5_000, 2_500..<5_000, 3_200..<5_000])
            XCTAssertEqual(sink.heads.map(\.bodyLength), [4_000], "the caller is told the whole length it gets")
        }
    }

    /// The last block of an export: a short 206 is followed up to the export's end.
    func testAShort206AtTheEndStopsAtTheTotal() throws {
        let memory = source()
        memory.script([.partial(max: 1_000)])
        let sink = RecordingSink()
        try retrying(memory).transfer(request(8_192..<16_384, promised: nil), into: sink)
        XCTAssertEqual(sink.bytes, Array(bytes[8_192...]))
        XCTAssertEqual(memory.requestedRanges, [8_192..<16_384, 9_192..<10_000])
    }

    /// A total (Content-Range's or Content-Length's) other than the promise fails at the
    /// head, before a byte reaches the caller, and is not retried.
    func testATotalOtherThanThePromiseFailsAtOnce() {
        for (range, length) in [(true, true), (false, true)] {
            for promised in [UInt64(9_999), 10_001] {
                let memory = source(range: range, length: length)
                let sink = RecordingSink()
                XCTAssertThrowsError(try retrying(memory).transfer(request(0..<4_096, promised: promised), into: sink)) { error in
                    guard case .sizeMismatch(promised, "10000 bytes", _)? = error as? RemoteError else {
                        return XCTFail("range \(range), promised \(promised): \(error)")
                    }
                    XCTAssertEqual((error as? RemoteError)?.errno, .io)
                }
                XCTAssertEqual(sink.bytes, [], "range \(range), promised \(promised)")
                XCTAssertEqual(memory.requestCount, 1, "not retried")
            }
        }
    }

    /// A whole body of no stated length that ends (cleanly) short of the promise, or
    /// runs on past it, fails: never a short or long file.
    func testAWholeBodyOfNoStatedLengthIsHeldToThePromise() {
        for (promised, server) in [(UInt64(12_000), "10000 bytes"), (UInt64(8_000), "more than 8000 bytes")] {
            let memory = source(range: false, length: false)
            let sink = RecordingSink()
            XCTAssertThrowsError(try retrying(memory).transfer(request(nil, promised: promised), into: sink)) { error in
                guard case .sizeMismatch(promised, server, _)? = error as? RemoteError else {
                    return XCTFail("promised \(promised): \(error)")
                }
            }
            XCTAssertLessThanOrEqual(sink.bytes.count, Int(promised))
        }
    }

    /// The promise kept: the same answers are exact.
    func testAKeptPromiseReadsExactly() throws {
        for (range, length) in [(true, true), (false, true), (false, false)] {
            let sink = RecordingSink()
            try retrying(source(range: range, length: length)).transfer(request(nil, promised: 10_000), into: sink)
            XCTAssertEqual(sink.bytes, bytes, "range \(range), length \(length)")
        }
    }

    /// 416 for bytes the manifest promised: the server has fewer. Past the promise (or
    /// with none), 416 is still the caller's end of file.
    func testA416WithinThePromiseIsAMismatch() {
        let memory = source()
        XCTAssertThrowsError(try retrying(memory).transfer(request(12_000..<16_000, promised: 20_000), into: RecordingSink())) { error in
            guard case .sizeMismatch(20_000, _, _)? = error as? RemoteError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try retrying(memory).transfer(request(12_000..<16_000, promised: nil), into: RecordingSink())) { error in
            XCTAssertTrue((error as? RemoteError)?.isRangeNotSatisfiable == true, "\(error)")
        }
    }

    /// Through the loader: a promise the server breaks fails the first block's read with
    /// EIO (the first reader learns it, not the last); a kept one reads exactly.
    func testTheLoaderHoldsFetchesToThePromise() throws {
        let memory = source()
        let loader = ReaderFixtures.loader(source: retrying(memory)) { $0.waitTimeout = .seconds(10) }
        defer { loader.shutdown() }
        loader.promise(size: 10_001, of: location)
        XCTAssertThrowsError(try loader.block(BlockKey(location, 0))) { XCTAssertEqual($0 as? Errno, .io) }
        loader.promise(size: 10_000, of: location)
        XCTAssertEqual(try loader.block(BlockKey(location, 0)), Array(bytes[0..<4_096]))
    }
}
