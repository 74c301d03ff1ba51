import Foundation
import Glibc
@testable import LogDump
import XCTest

/// A manifest path that is not a file of sane size is refused with one sentence, at
/// once: not read until memory runs out, not waited on.
final class ManifestFileTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "logdump-manifest-file-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func assertRefused(_ path: String, limit: Int = ManifestFile.maximumSize, saying message: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        let started = Date()
        XCTAssertThrowsError(try Manifest.load(contentsOf: path, limit: limit), file: file, line: line) { error in
            XCTAssertEqual("\(error)", "\(path): \(message)", file: file, line: line)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "not refused promptly", file: file, line: line)
    }

    func testAnEndlessDeviceIsRefused() {
        assertRefused("/dev/zero", saying: "must be a regular file, not a character device")
    }

    func testADirectoryIsRefused() {
        assertRefused(directory, saying: "must be a regular file, not a directory")
    }

    /// A FIFO without a writer would block a plain open(2) for ever.
    func testAFIFOIsRefusedWithoutWaitingForAWriter() {
        let fifo = directory + "/fifo.json"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        assertRefused(fifo, saying: "must be a regular file, not a FIFO")
    }

    func testASocketIsRefused() throws {
        let path = directory + "/socket.json"
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        XCTAssertEqual(bound, 0, String(cString: strerror(errno)))
        assertRefused(path, saying: "must be a regular file, not a socket")
    }

    /// A sparse file one byte over 1 GiB: refused by its size, without reading it.
    func testAFileOverTheLimitIsRefusedByItsSize() throws {
        let path = directory + "/huge.json"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: nil))
        XCTAssertEqual(truncate(path, off_t(ManifestFile.maximumSize + 1)), 0)
        assertRefused(path, saying: "must be at most 1 GiB, found 1073741825 bytes")
    }

    func testAFileAtTheLimitIsRead() throws {
        let path = directory + "/exports.json"
        let json = #"{"exports": []}"#
        try json.write(toFile: path, atomically: false, encoding: .utf8)
        XCTAssertEqual(try Manifest.load(contentsOf: path, limit: json.utf8.count).entries.count, 0)
        assertRefused(path, limit: json.utf8.count - 1, saying: "must be at most 14 bytes, found 15 bytes")
    }

    /// procfs files report size 0: reading itself stops at the limit.
    func testReadingStopsAtTheLimitWhenTheSizeIsNotTold() {
        var info = stat()
        XCTAssertEqual(stat("/proc/self/maps", &info), 0)
        XCTAssertEqual(info.st_size, 0, "the premise: procfs does not tell the size")
        assertRefused("/proc/self/maps", limit: 64, saying: "must be at most 64 bytes, found more")
    }
}
