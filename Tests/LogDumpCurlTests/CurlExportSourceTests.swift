import Foundation
import LogDump
import LogDumpTestSupport
import LogDumpCurl
import LogDumpEmulator
import XCTest

/// CurlExportSource against the emulator on loopback.
final class CurlExportSourceTests: XCTestCase {
    static let token = "secret-token-123"
    let key = ExportKey(projectID: "proj", serverID: "srv-1", exportID: "exp-1")
    /// Larger than curl's 16 KiB write chunks and than one socket read.
    let fileBytes: [UInt8] = (0..<(3 * 1024 * 1024 + 17)).map { UInt8(truncatingIfNeeded: ($0 &* 2654435761) >> 13) }

    var root: URL!
    var emulator: Emulator?

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("curl-tests-\(UUID().uuidString)")
        let dir = root.appendingPathComponent("proj/srv-1")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(fileBytes).write(to: dir.appendingPathComponent("exp-1.tar.gz"))
        try Data().write(to: dir.appendingPathComponent("empty.tar.gz"))
    }

    override func tearDownWithError() throws {
        emulator?.stop()
        emulator = nil
        try? FileManager.default.removeItem(at: root)
    }

    /// Starts the emulator and returns where `exportID` lives on it.
    func start(honoursRange: Bool = true, sendsContentLength: Bool = true,
               exportID: String = "exp-1") throws -> ExportLocation {
        var config = EmulatorConfig(root: root.path, token: Self.token)
        config.honoursRange = honoursRange
        config.sendsContentLength = sendsContentLength
        let emulator = Emulator(config)
        self.emulator = emulator
        _ = try emulator.start()
        let key = ExportKey(projectID: "proj", serverID: "srv-1", exportID: exportID)
        return ExportLocation(endpoint: Endpoint(validated: emulator.endpoint), key: key)
    }

    func source(token: String = token) -> CurlExportSource {
        CurlExportSource(token: StaticToken(token))
    }

    func expectRemoteError(_ body: () throws(RemoteError) -> Void,
                           file: StaticString = #filePath, line: UInt = #line) -> RemoteError? {
        do {
            try body()
            XCTFail("expected a RemoteError", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    func testWholeBodyIs200WithExactBytes() throws {
        let location = try start()
        let sink = RecordingSink()
        try source().transfer(TransferRequest(location: location, range: nil), into: sink)
        XCTAssertEqual(sink.bytes, fileBytes)
        XCTAssertEqual(sink.beginCount, 1)
        let head = try XCTUnwrap(sink.head)
        XCTAssertEqual(head.bodyOffset, 0)
        XCTAssertEqual(head.bodyLength, UInt64(fileBytes.count))
        XCTAssertEqual(head.totalSize, UInt64(fileBytes.count))
        XCTAssertFalse(head.rangeHonoured)
    }

    func testRangeIsAnswered206WithExactlyThoseBytes() throws {
        let location = try start()
        let sink = RecordingSink()
        try source().transfer(TransferRequest(location: location, range: 1_000_000..<1_300_001), into: sink)
        XCTAssertEqual(sink.bytes, Array(fileBytes[1_000_000..<1_300_001]))
        let head = try XCTUnwrap(sink.head)
        XCTAssertEqual(head.bodyOffset, 1_000_000)
        XCTAssertEqual(head.bodyLength, 300_001)
        XCTAssertEqual(head.totalSize, UInt64(fileBytes.count))
        XCTAssertTrue(head.rangeHonoured)
    }

    func testIgnoredRangeGives200FromOffsetZero() throws {
        let location = try start(honoursRange: false)
        let sink = RecordingSink()
        try source().transfer(TransferRequest(location: location, range: 4096..<8192), into: sink)
        let head = try XCTUnwrap(sink.head)
        XCTAssertEqual(head.bodyOffset, 0)
        XCTAssertFalse(head.rangeHonoured)
        XCTAssertEqual(head.totalSize, UInt64(fileBytes.count))
        XCTAssertEqual(sink.bytes, fileBytes)
    }

    func testChunkedBodyWithoutContentLengthIsComplete() throws {
        let location = try start(honoursRange: false, sendsContentLength: false)
        let sink = RecordingSink()
        try source().transfer(TransferRequest(location: location, range: nil), into: sink)
        let head = try XCTUnwrap(sink.head)
        XCTAssertNil(head.bodyLength)
        XCTAssertNil(head.totalSize)
        XCTAssertEqual(sink.bytes, fileBytes)
    }

    func testEmptyRangeAnswersWithoutARequest() throws {
        let location = try start()
        let sink = RecordingSink()
        try source().transfer(TransferRequest(location: location, range: 500..<500), into: sink)
        XCTAssertEqual(sink.head?.bodyOffset, 500)
        XCTAssertEqual(sink.head?.bodyLength, 0)
        XCTAssertTrue(sink.bytes.isEmpty)
        XCTAssertEqual(emulator?.contentRequestCount, 0)
    }

    func testSinkStoppingEarlyIsNotAnError() throws {
        let location = try start()
        let source = source()
        let early = StoppingSink(after: 100_000)
        try source.transfer(TransferRequest(location: location, range: nil), into: early)
        XCTAssertGreaterThanOrEqual(early.bytes.count, 100_000)
        XCTAssertLessThan(early.bytes.count, fileBytes.count)
        XCTAssertEqual(early.bytes, Array(fileBytes.prefix(early.bytes.count)))

        let headOnly = StoppingSink(after: 0)
        try source.transfer(TransferRequest(location: location, range: nil), into: headOnly)
        XCTAssertNotNil(headOnly.head)
        XCTAssertTrue(headOnly.bytes.isEmpty)

        // The handle is still good afterwards.
        let sink = RecordingSink()
        try source.transfer(TransferRequest(location: location, range: 10..<20), into: sink)
        XCTAssertEqual(sink.bytes, Array(fileBytes[10..<20]))
    }

    /// What a resumed transfer sends: the rest of the export, on condition it is unchanged.
    func testIfRangeGetsTheRestOfTheSameVersionAndAllOfANewOne() throws {
        let location = try start()
        let source = source()
        let first = RecordingSink()
        try source.transfer(TransferRequest(location: location, range: 0..<10), into: first)
        let validator = try XCTUnwrap(first.head?.validator)
        let same = RecordingSink()
        try source.transfer(TransferRequest(location: location, range: 1_000..<TransferRequest.toEnd,
                                            ifRange: validator), into: same)
        XCTAssertEqual(same.head?.rangeHonoured, true)
        XCTAssertEqual(same.bytes, Array(fileBytes[1_000...]))
        let changed = RecordingSink()
        try source.transfer(TransferRequest(location: location, range: 1_000..<2_000, ifRange: "\"stale\""),
                            into: changed)
        XCTAssertEqual(changed.head?.rangeHonoured, false)
        XCTAssertEqual(changed.bytes, fileBytes)
    }

    func testWrongTokenIs401WithServerMessageAndNoToken() throws {
        let location = try start()
        let wrong = "wrong-token-XYZ"
        let sink = RecordingSink()
        let error = expectRemoteError { () throws(RemoteError) in
            try source(token: wrong).transfer(TransferRequest(location: location, range: 0..<10), into: sink)
        }
        guard case .http(401, let code, let message, _)? = error else {
            return XCTFail("expected HTTP 401, got \(String(describing: error))")
        }
        XCTAssertNotNil(code)
        XCTAssertNotNil(message)
        XCTAssertEqual(error?.errno, .accessDenied)
        let text = String(describing: error!)
        XCTAssertTrue(text.contains(message!), text)
        XCTAssertFalse(text.contains(wrong), text)
        XCTAssertFalse(text.contains(Self.token), text)
        XCTAssertNil(sink.head)
    }

    func testMissingExportIs404AndENOENT() throws {
        let location = try start(exportID: "gone")
        let error = expectRemoteError { () throws(RemoteError) in
            try source().transfer(TransferRequest(location: location, range: nil), into: RecordingSink())
        }
        guard case .http(404, _, _, _)? = error else { return XCTFail("expected 404, got \(String(describing: error))") }
        XCTAssertEqual(error?.errno, .noEntry)
    }

    func testRangePastTheEndIs416() throws {
        let location = try start()
        let size = UInt64(fileBytes.count)
        let error = expectRemoteError { () throws(RemoteError) in
            try source().transfer(TransferRequest(location: location, range: size..<(size + 10)), into: RecordingSink())
        }
        XCTAssertEqual(error?.isRangeNotSatisfiable, true, String(describing: error))
    }

    func testProbeSizeWithRange() throws {
        let location = try start()
        XCTAssertEqual(try source().probeSize(location, timeout: .seconds(5)), UInt64(fileBytes.count))
    }

    func testProbeSizeWhenRangeIgnored() throws {
        let location = try start(honoursRange: false)
        XCTAssertEqual(try source().probeSize(location, timeout: .seconds(5)), UInt64(fileBytes.count))
    }

    func testProbeSizeWithoutRangeOrContentLengthIsUnknown() throws {
        let location = try start(honoursRange: false, sendsContentLength: false)
        XCTAssertNil(try source().probeSize(location, timeout: .seconds(5)))
    }

    func testProbeSizeOfEmptyExportIsZero() throws {
        let location = try start(exportID: "empty")
        XCTAssertEqual(try source().probeSize(location, timeout: .seconds(5)), 0)
    }

    func testClosedPortIsANetworkErrorQuickly() throws {
        let port = try closedPort()
        let location = ExportLocation(endpoint: Endpoint(validated: "http://127.0.0.1:\(port)"), key: key)
        let started = ContinuousClock.now
        let error = expectRemoteError { () throws(RemoteError) in
            try source().transfer(TransferRequest(location: location, range: 0..<10), into: RecordingSink())
        }
        guard case .network(let why)? = error else { return XCTFail("expected .network, got \(String(describing: error))") }
        XCTAssertTrue(why.contains("127.0.0.1"), why)
        XCTAssertFalse(why.contains(Self.token), why)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(2))
    }

    func testEightThreadsGetExactBytes() throws {
        let location = try start()
        let source = source()
        let size = fileBytes.count
        let expected = fileBytes
        let failures = LockedFailures()
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for round in 0..<6 {
                let lower = (worker * 131_071 + round * 524_287) % (size - 1)
                let upper = min(size, lower + 200_000 + worker * 1000)
                let sink = RecordingSink()
                do {
                    try source.transfer(TransferRequest(location: location,
                                                        range: UInt64(lower)..<UInt64(upper)), into: sink)
                    if sink.bytes != Array(expected[lower..<upper]) {
                        failures.add("worker \(worker) round \(round): wrong bytes")
                    }
                } catch {
                    failures.add("worker \(worker) round \(round): \(error)")
                }
            }
        }
        XCTAssertEqual(failures.all, [])
        XCTAssertEqual(emulator?.contentRequestCount, 48)
    }

    /// A loopback port nobody listens on: bind one, learn it, close it.
    private func closedPort() throws -> Int {
        guard let (fd, port) = bindLoopback() else { throw XCTSkip("cannot bind a loopback port") }
        close(fd)
        return port
    }
}

/// Failures gathered from several threads.
final class LockedFailures: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ item: String) { lock.withLock { items.append(item) } }
    var all: [String] { lock.withLock { items } }
}
