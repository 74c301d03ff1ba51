import LogDump
import LogDumpTestSupport
import XCTest

/// A body broken off mid-way is resumed, not fetched again: the retry asks for the
/// missing bytes only, and the caller sees one head and one continuous body.
final class RetryResumeTests: XCTestCase {
    let location = ReaderFixtures.location
    let bytes = ReaderFixtures.bytes(10_000)

    func source(range: Bool = true, length: Bool = true, validator: String? = "\"v1\"") -> MemoryExportSource {
        let memory = ReaderFixtures.source(bytes, range: range, length: length)
        memory.add(bytes, at: location, validator: validator)
        return memory
    }

    func retrying(_ memory: MemoryExportSource) -> RetryingSource {
        RetryingSource(wrapping: memory, policy: RetryPolicy(deadline: .seconds(2), baseDelay: .milliseconds(1),
                                                             maxDelay: .milliseconds(5)))
    }

    func testACutRangeResumesWithExactlyTheMissingBytes() throws {
        let memory = source()
        memory.script([.cut(after: 3_000), .cut(after: 2_500)])
        let sink = RecordingSink()
        try retrying(memory).transfer(TransferRequest(location: location, range: 1_000..<9_000), into: sink)
        XCTAssertEqual(sink.bytes, Array(bytes[1_000..<9_000]))
        XCTAssertEqual(sink.heads.map(\.bodyOffset), [1_000], "one begin")
        XCTAssertEqual(memory.requestedRanges, [1_000..<9_000, 4_000..<9_000, 6_500..<9_000])
        XCTAssertEqual(memory.requestedIfRanges, [nil, "\"v1\"", "\"v1\""])
    }

    /// A whole body broken off is resumed from where it stopped: up to the promised end,
    /// or (without Content-Length) to whatever end there is. A break after the last byte
    /// needs no retry, or, when the end was unknown, finds it (416) and is done.
    func testACutWholeBodyResumesFromWhereItStopped() throws {
        let cases: [(length: Bool, cut: Int, ranges: [Range<UInt64>?])] = [
            (true, 4_321, [nil, 4_321..<10_000]),
            (false, 4_321, [nil, 4_321..<TransferRequest.toEnd]),
            (true, 10_000, [nil]),
            (false, 10_000, [nil, 10_000..<TransferRequest.toEnd]),
        ]
        for (length, cut, ranges) in cases {
            let memory = source(length: length)
            memory.script([.cut(after: cut)])
            let sink = RecordingSink()
            try retrying(memory).transfer(TransferRequest(location: location, range: nil), into: sink)
            XCTAssertEqual(sink.bytes, bytes, "length \(length), cut after \(cut)")
            XCTAssertEqual(sink.heads.count, 1)
            XCTAssertEqual(memory.requestedRanges, ranges, "length \(length), cut after \(cut)")
        }
    }

    /// A server that ignores Range sends the whole body again: what the caller has
    /// already had is skipped.
    func testAServerWithoutRangeRestartsAndTheRepeatIsDiscarded() throws {
        let memory = source(range: false)
        memory.script([.cut(after: 2_500), .cut(after: 7_000)])
        let sink = RecordingSink()
        try retrying(memory).transfer(TransferRequest(location: location, range: 4_096..<8_192), into: sink)
        XCTAssertEqual(sink.bytes, bytes, "the whole body, as the first answer (200) promised")
        XCTAssertEqual(sink.heads.map(\.rangeHonoured), [false])
        XCTAssertEqual(memory.requestCount, 3)
    }

    /// A 206 broken off, then a 200 (Range dropped this time): skipped up to where the
    /// caller is, and stopped at the end of the range it asked for.
    func testARestartedWholeBodyIsCutToTheRange() throws {
        let memory = source()
        memory.script([.cut(after: 1_000), .ignoreRange])
        let sink = RecordingSink()
        try retrying(memory).transfer(TransferRequest(location: location, range: 2_000..<6_000), into: sink)
        XCTAssertEqual(sink.bytes, Array(bytes[2_000..<6_000]))
        XCTAssertEqual(sink.heads.map(\.bodyOffset), [2_000])
        XCTAssertEqual(memory.bytesSent, 1_000 + 7_000, "the whole body stopped one chunk past the range")
    }

    func testNeitherAnswerWithAValidatorStillResumes() throws {
        let memory = source(range: false, validator: nil)
        memory.script([.cut(after: 5_000)])
        let sink = RecordingSink()
        try retrying(memory).transfer(TransferRequest(location: location, range: nil), into: sink)
        XCTAssertEqual(sink.bytes, bytes)
        XCTAssertEqual(memory.requestedIfRanges, [nil, nil])
    }

    /// The export is replaced while it is being read: If-Range makes the server send the
    /// new version whole, and old and new bytes must never be stitched together.
    func testAValidatorChangeMidTransferFails() {
        let memory = source()
        memory.script([.cut(after: 3_000)])
        let replacement = ReaderFixtures.bytes(12_000, seed: 7)
        let sink = RecordingSink()
        sink.onReceive = { received in
            if received == 3_000 { memory.add(replacement, at: self.location, validator: "\"v2\"") }
        }
        var failure: RemoteError?
        do {
            try retrying(memory).transfer(TransferRequest(location: location, range: nil), into: sink)
        } catch {
            failure = error
        }
        guard case .exportChanged(let why)? = failure else { return XCTFail("got \(String(describing: failure))") }
        XCTAssertTrue(why.contains("\"v1\"") && why.contains("\"v2\""), why)
        XCTAssertFalse(RetryPolicy().isRetryable(failure!))
        XCTAssertEqual(sink.bytes, Array(bytes[0..<3_000]), "no byte of the new version")
        XCTAssertEqual(memory.requestCount, 2, "not retried")
    }

    /// The reader path end to end: blocks through a loader whose every other request is
    /// broken off or refused still come out exact, with and without Range.
    func testALoaderReadsExactBytesThroughAFlakyServer() throws {
        for honoursRange in [true, false] {
            let memory = source(range: honoursRange)
            memory.script(Array(repeating: [.cut(after: 1_500), .none, .fail(.http(status: 503, code: nil, message: nil)),
                                            .none], count: 10).flatMap { $0 })
            let loader = ReaderFixtures.loader(source: retrying(memory)) { $0.workers = 2 }
            defer { loader.shutdown() }
            let reader = ExportReader(location: location, size: UInt64(bytes.count), loader: loader)
            XCTAssertEqual(try ReaderFixtures.readAll(reader, step: 3_000), bytes, "Range honoured: \(honoursRange)")
        }
    }
}
