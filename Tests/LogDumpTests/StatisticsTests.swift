import Foundation
import Glibc
import LogDump
import XCTest

/// The statistics' counters, their snapshot's JSON and text, the loader's counting by
/// tier, and the control socket on a real unix socket.
final class StatisticsTests: XCTestCase {
    func testCountersAddUpAcrossThreads() {
        let statistics = Statistics()
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for _ in 0..<1000 {
                statistics.served(3, from: ServedTier(rawValue: thread % 3)!)
                statistics.answered(status: thread % 2 == 0 ? 206 : 503)
            }
            statistics.retried()
            statistics.renewed()
            statistics.failedRead(thread % 2 == 0 ? .io : .interrupted)
        }
        let snapshot = statistics.snapshot()
        XCTAssertEqual(snapshot.served, ServedBytes(memory: 9000, disk: 9000, network: 6000))
        XCTAssertEqual(snapshot.served.total, 24_000)
        XCTAssertEqual(snapshot.served.hitRatio, 0.75)
        XCTAssertEqual(snapshot.requests, [RequestCount(status: 206, count: 4000), RequestCount(status: 503, count: 4000)])
        XCTAssertEqual(snapshot.retries, 8)
        XCTAssertEqual(snapshot.renewals, 8)
        XCTAssertEqual(snapshot.readErrors.map(\.name), ["EINTR", "EIO"])
        XCTAssertEqual(snapshot.readErrors.map(\.count), [4, 4])
    }

    func testTransfersInFlightShowProgressAndLeave() {
        let statistics = Statistics()
        let first = statistics.beginTransfer(of: "/p/s/exports/e.tar.gz", size: nil)
        let second = statistics.beginTransfer(of: "/p/s/exports/f.tar.gz", size: 100)
        first.learned(size: 1000)
        first.received(250)
        second.received(10)
        var transfers = statistics.snapshot().transfers
        XCTAssertEqual(transfers.map(\.export), ["/p/s/exports/e.tar.gz", "/p/s/exports/f.tar.gz"])
        XCTAssertEqual(transfers.map(\.bytes), [250, 10])
        XCTAssertEqual(transfers.map(\.size), [1000, 100])
        statistics.endTransfer(first)
        transfers = statistics.snapshot().transfers
        XCTAssertEqual(transfers.map(\.export), ["/p/s/exports/f.tar.gz"])
    }

    func testSnapshotJSONHasSnakeCaseKeysAndRoundTrips() throws {
        let statistics = Statistics()
        statistics.served(100, from: .network)
        statistics.answered(status: 429)
        var snapshot = statistics.snapshot()
        snapshot.mountpoint = "/mnt/logs"
        snapshot.concurrency = [ConcurrencyGauge(endpoint: "http://127.0.0.1:1", limit: 4, maximum: 10, inFlight: 2)]
        snapshot.cache.memoryBytes = 1 << 20
        snapshot.cache.memoryBoundBytes = 256 << 20
        let json = snapshot.json()
        for key in ["\"network_bytes\":100", "\"memory_bytes\":1048576", "\"memory_bound_bytes\":268435456",
                    "\"in_flight\":2", "\"status\":429", "\"uptime_seconds\"", "\"read_errors\":[]"] {
            XCTAssertTrue(json.contains(key), "\(key) missing from \(json)")
        }
        XCTAssertEqual(try StatisticsSnapshot.parse(json), snapshot)
        XCTAssertEqual(snapshot.throttled, 1)
    }

    func testTextShowsUnitsAndRatio() {
        var snapshot = StatisticsSnapshot()
        snapshot.served = ServedBytes(memory: 3 << 20, disk: 0, network: 1 << 20)
        snapshot.cache.diskBytes = 5 << 30
        snapshot.cache.diskBoundBytes = 20 << 30
        let text = snapshot.text()
        XCTAssertTrue(text.contains("served       4.0 MiB: memory 3.0 MiB, disk 0 B, network 1.0 MiB; hit ratio 75.0%"), text)
        XCTAssertTrue(text.contains("disk 5.0 GiB of 20 GiB"), text)
    }

    /// A cold read is served from the network (or memory, where readahead got there
    /// first); a second read of the same bytes from memory alone.
    func testLoaderCountsBytesByTier() throws {
        let bytes = ReaderFixtures.bytes(20 * 4096 + 7)
        let statistics = Statistics()
        var options = LoaderOptions()
        options.blockSize = 4096
        let loader = BlockLoader(source: ReaderFixtures.source(bytes), cache: MemoryBlockCache(capacity: 1 << 20),
                                 options: options, statistics: statistics)
        defer { loader.shutdown() }
        let reader = ExportReader(location: ReaderFixtures.location, size: UInt64(bytes.count), loader: loader)
        XCTAssertEqual(try ReaderFixtures.readAll(reader, step: 1000), bytes)
        let cold = statistics.snapshot().served
        XCTAssertEqual(cold.total, bytes.count)
        XCTAssertGreaterThan(cold.network, 0)
        XCTAssertEqual(try ReaderFixtures.readAll(reader, step: 1000), bytes)
        let warm = statistics.snapshot().served
        XCTAssertEqual(warm.total, 2 * bytes.count)
        XCTAssertEqual(warm.network, cold.network, "the second read went to the network")
    }

    func testControlSocketAnswersIsPrivateAndIsRemoved() throws {
        let directory = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/control.sock"
        // A crashed daemon's socket is replaced; anything else is left alone.
        let stale = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8) }
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(stale, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        close(stale)
        let server = try ControlSocket(path: path) { "{\"retries\": 7}" }
        var status = stat()
        XCTAssertEqual(stat(path, &status), 0)
        XCTAssertEqual(status.st_mode & 0o777, 0o600)
        XCTAssertEqual(try ControlSocket.query(path), "{\"retries\": 7}\n")
        XCTAssertEqual(try ControlSocket.query(path), "{\"retries\": 7}\n", "a second connection")
        server.stop()
        XCTAssertNotEqual(access(path, F_OK), 0, "the socket is still there after stop")
        XCTAssertThrowsError(try ControlSocket.query(path)) { error in
            XCTAssertTrue("\(error)".contains("refused the connection"), "\(error)")
        }

        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("mine".utf8)))
        XCTAssertThrowsError(try ControlSocket(path: path) { "" }) { error in
            XCTAssertTrue("\(error)".contains("something else is there"), "\(error)")
        }
        XCTAssertEqual(FileManager.default.contents(atPath: path), Data("mine".utf8))
    }

    /// A record left by a daemon killed outright is removed when the next is written.
    func testRecordsOfDeadDaemonsAreRemoved() throws {
        let directory = makeTemporaryDirectory() + "/run"
        defer { try? FileManager.default.removeItem(atPath: (directory as NSString).deletingLastPathComponent) }
        let dead = try MountRecord(mountpoint: "/mnt/a", socket: "/c/control.sock", pid: Int32.max).write(in: directory)
        var status = stat()
        XCTAssertEqual(stat(directory, &status), 0)
        XCTAssertEqual(status.st_mode & 0o777, 0o700, "the run directory's mode")
        let live = try MountRecord(mountpoint: "/mnt/b", socket: "/d/control.sock", pid: getpid()).write(in: directory)
        XCTAssertEqual(access(dead, F_OK), -1, "the dead daemon's record is still there")
        XCTAssertEqual(access(live, F_OK), 0)
        _ = try MountRecord(mountpoint: "/mnt/c", socket: "/e/control.sock", pid: getpid()).write(in: directory)
        XCTAssertEqual(access(live, F_OK), 0, "a live daemon's record was removed")
    }

    private func makeTemporaryDirectory() -> String {
        var template = Array("/tmp/logdumpfs-stats-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }
}
