import Foundation
import LogDump
import XCTest

/// Size probes of unsized exports run off the lookup's path: together, bounded, each with
/// its own deadline, and stopped with the mount.
final class SizeProbeTests: XCTestCase {
    private let endpoint = Endpoint(validated: "http://127.0.0.1:1")
    private let bytes = ReaderFixtures.bytes(10_000)

    private func entries(_ count: Int) -> [ExportEntry] {
        (0..<count).map { index in
            ExportEntry(key: ExportKey(projectID: "p1", serverID: "s1", exportID: "e\(index)"), endpoint: endpoint,
                        size: nil, createdAt: nil)
        }
    }

    private func makeFileSystem(_ entries: [ExportEntry], source: ProbeStallingSource,
                                probeTimeout: Duration) -> (FileSystem, BlockLoader) {
        for entry in entries { source.memory.add(bytes, at: entry.location) }
        let loader = ReaderFixtures.loader(source: source.memory)
        let fileSystem = FileSystem(catalog: Catalog(Manifest(endpoint: endpoint, entries: entries)),
                                    source: source, loader: loader, ownership: Ownership(uid: 0, gid: 0),
                                    probeTimeout: probeTimeout)
        return (fileSystem, loader)
    }

    private func exportsDirectory(_ fs: FileSystem) throws -> Inode {
        let project = try fs.lookup(parent: .root, name: "p1").inode
        let server = try fs.lookup(parent: project, name: "s1").inode
        return try fs.lookup(parent: server, name: "exports").inode
    }

    /// Looks up every file of the directory, as `ls -l` does; returns the attributes and
    /// the seconds it took.
    private func lookUpAll(_ fs: FileSystem, _ directory: Inode) throws -> ([Attributes], TimeInterval) {
        let started = Date()
        let files = try fs.readdir(directory).filter { $0.kind == .file }
        let attributes = try files.map { try fs.lookup(parent: directory, name: $0.name) }
        return (attributes, Date().timeIntervalSince(started))
    }

    /// 10 unsized exports behind a server that never answers: the listing takes about one
    /// probe deadline (1 s here), not one per file (10 s), and shows each at size 0.
    func testAListingBehindAStalledServerWaitsOneDeadline() throws {
        let source = ProbeStallingSource()
        source.stalls = true
        let (fs, loader) = makeFileSystem(entries(10), source: source, probeTimeout: .seconds(1))
        defer { fs.stop(); loader.shutdown() }
        let directory = try exportsDirectory(fs)
        let (attributes, elapsed) = try lookUpAll(fs, directory)
        XCTAssertEqual(attributes.count, 10)
        XCTAssertTrue(attributes.allSatisfy { !$0.sizeKnown && $0.size == 0 }, "\(attributes)")
        XCTAssertLessThan(elapsed, 3.5, "the lookups waited for the probes one after another")
        XCTAssertLessThanOrEqual(source.mostAtOnce, 8, "probes are bounded")
        XCTAssertGreaterThan(source.mostAtOnce, 1, "probes ran one at a time")

        // The failures are remembered: the next listing costs no wait and no request.
        XCTAssertTrue(source.waitUntilDone(10), "probes still running long after their deadline")
        let requests = source.requests
        XCTAssertEqual(requests, 10, "each export probed once")
        let (_, again) = try lookUpAll(fs, directory)
        XCTAssertLessThan(again, 0.5)
        XCTAssertEqual(source.requests, requests)
    }

    /// A server that answers: the first lookup probes the siblings too, once each, and
    /// every lookup gets its size.
    func testTheFirstLookupProbesItsSiblings() throws {
        let source = ProbeStallingSource()
        let (fs, loader) = makeFileSystem(entries(20), source: source, probeTimeout: .seconds(5))
        defer { fs.stop(); loader.shutdown() }
        let directory = try exportsDirectory(fs)
        XCTAssertEqual(try fs.lookup(parent: directory, name: "e7.tar.gz").size, 10_000)
        XCTAssertTrue(source.waitUntilDone(20), "one probe per unsized export of the directory, got \(source.requests)")
        XCTAssertTrue(source.waitUntilIdle())
        XCTAssertEqual(source.requests, 20, "one probe per unsized export of the directory")
        let (attributes, _) = try lookUpAll(fs, directory)
        XCTAssertTrue(attributes.allSatisfy { $0.sizeKnown && $0.size == 10_000 }, "\(attributes)")
        XCTAssertEqual(source.requests, 20, "sizes are remembered")
    }

    /// A lookup waits no longer than its probe's deadline; the probe goes on, and its
    /// answer serves the next lookup.
    func testALateAnswerServesTheNextLookup() throws {
        let source = ProbeStallingSource()
        source.stalls = true
        let (fs, loader) = makeFileSystem(entries(1), source: source, probeTimeout: .seconds(30))
        defer { fs.stop(); loader.shutdown() }
        let directory = try exportsDirectory(fs)
        let lookup = Thread.run { try? fs.lookup(parent: directory, name: "e0.tar.gz") }
        XCTAssertTrue(source.waitUntilRunning(1))
        source.stalls = false
        XCTAssertEqual(lookup.wait(seconds: 10)??.size, 10_000)
    }

    /// Stopping the mount cancels running probes, and lookups waiting for them return.
    func testStopEndsRunningProbes() throws {
        let source = ProbeStallingSource()
        source.stalls = true
        let (fs, loader) = makeFileSystem(entries(10), source: source, probeTimeout: .seconds(60))
        defer { loader.shutdown() }
        let directory = try exportsDirectory(fs)
        let lookup = Thread.run { try? fs.lookup(parent: directory, name: "e0.tar.gz") }
        XCTAssertTrue(source.waitUntilRunning(8))
        let started = Date()
        fs.stop()
        XCTAssertLessThan(Date().timeIntervalSince(started), 3)
        XCTAssertTrue(source.waitUntilIdle(seconds: 1), "probes still running after stop")
        XCTAssertEqual(source.requests, 8, "probes not started are dropped")
        XCTAssertEqual(lookup.wait(seconds: 2)??.sizeKnown, false)
    }
}

/// Answers probes from memory, or (while `stalls`) holds each until its timeout passes,
/// then fails it, as a blackholed server does; a cancelled probe ends at once. Counts
/// probes running at once.
final class ProbeStallingSource: ExportSource, @unchecked Sendable {
    let memory = MemoryExportSource()
    private let condition = NSCondition()
    private var stalling = false
    private var running = 0
    private var most = 0
    private var started = 0

    var stalls: Bool {
        get { condition.withLock { stalling } }
        set { condition.withLock { stalling = newValue; condition.broadcast() } }
    }

    var requests: Int { condition.withLock { started } }
    var mostAtOnce: Int { condition.withLock { most } }

    func waitUntilRunning(_ count: Int, seconds: TimeInterval = 10) -> Bool { waitUntil(seconds) { self.running >= count } }
    func waitUntilIdle(seconds: TimeInterval = 10) -> Bool { waitUntil(seconds) { self.running == 0 } }
    func waitUntilDone(_ count: Int) -> Bool { waitUntil(10) { self.started >= count && self.running == 0 } }

    private func waitUntil(_ seconds: TimeInterval, _ done: () -> Bool) -> Bool {
        condition.withLock {
            let deadline = Date().addingTimeInterval(seconds)
            while !done() && condition.wait(until: deadline) {}
            return done()
        }
    }

    func transfer(_ request: TransferRequest, into sink: TransferSink) throws(RemoteError) {
        let end = Date().addingTimeInterval(request.timeout.map { Double($0.components.seconds) } ?? 30)
        let stalled = condition.withLock {
            started += 1
            running += 1
            most = max(most, running)
            condition.broadcast()
            while stalling && !sink.isCancelled && Date() < end {
                _ = condition.wait(until: Date().addingTimeInterval(0.01))
            }
            return stalling
        }
        defer { condition.withLock { running -= 1; condition.broadcast() } }
        if sink.isCancelled { return }
        if stalled { throw .timedOut("no answer") }
        try memory.transfer(request, into: sink)
    }
}

/// A value computed on a thread of its own.
final class ThreadResult<T: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var value: T?

    fileprivate func set(_ value: T) { condition.withLock { self.value = value; condition.broadcast() } }

    /// The value, or nil when it is not there within `seconds`.
    func wait(seconds: TimeInterval) -> T? {
        condition.withLock {
            let deadline = Date().addingTimeInterval(seconds)
            while value == nil && condition.wait(until: deadline) {}
            return value
        }
    }
}

extension Thread {
    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) -> ThreadResult<T> {
        let result = ThreadResult<T>()
        Thread.detachNewThread { result.set(body()) }
        return result
    }
}
