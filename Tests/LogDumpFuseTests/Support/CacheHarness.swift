import Foundation
import Glibc
import XCTest

/// What the disk cache tests need beyond mounting: the cache's files, byte flips, a
/// crash of the daemon, the `logdumpfs cache` commands, and exports made on the spot.
extension MountHarness {
    /// Every `<cache>/exports/<id>/<index>.blk`, sorted by export directory then index.
    func blockFiles(in cache: String? = nil) -> [String] {
        let exports = (cache ?? cacheDirectory) + "/exports"
        let fm = FileManager.default
        let ids = ((try? fm.contentsOfDirectory(atPath: exports)) ?? []).sorted()
        return ids.flatMap { id -> [String] in
            let names = (try? fm.contentsOfDirectory(atPath: "\(exports)/\(id)")) ?? []
            return names.compactMap { name -> (Int, String)? in
                guard name.hasSuffix(".blk"), let index = Int(name.dropLast(4)) else { return nil }
                return (index, "\(exports)/\(id)/\(name)")
            }.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// The block files of the export directory holding the most blocks (the biggest export).
    func blockFilesOfBiggestExport(in cache: String? = nil) -> [String] {
        let byDirectory = Dictionary(grouping: blockFiles(in: cache)) { ($0 as NSString).deletingLastPathComponent }
        let biggest = byDirectory.max { $0.value.count < $1.value.count }?.value ?? []
        return biggest.sorted { Self.blockIndex($0) < Self.blockIndex($1) }
    }

    static func blockIndex(_ path: String) -> Int {
        Int(((path as NSString).lastPathComponent as NSString).deletingPathExtension) ?? -1
    }

    /// Inverts the byte at `offset` of `path` (in place, with pread/pwrite).
    func flipByte(_ path: String, at offset: Int) throws {
        let fd = open(path, O_RDWR)
        guard fd >= 0 else { throw HarnessError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var byte: UInt8 = 0
        guard pread(fd, &byte, 1, off_t(offset)) == 1 else { throw HarnessError("cannot read byte \(offset) of \(path)") }
        byte ^= 0xFF
        guard pwrite(fd, &byte, 1, off_t(offset)) == 1 else { throw HarnessError("cannot write byte \(offset) of \(path)") }
    }

    /// SIGKILLs the daemon (a crash), then detaches the mount it leaves behind. Returns
    /// what went wrong (empty when the daemon died and the mountpoint is free again).
    func crashDaemon() -> [String] {
        var problems: [String] = []
        if daemon != nil, signalDaemon(SIGKILL, timeout: 10) == nil {
            problems.append("logdumpfs survived SIGKILL for 10 s")
        }
        for command in [["fusermount3", "-u", "-z", mountpoint], ["umount", "-l", mountpoint]] where Self.isMounted(mountpoint) {
            _ = tools.run(command[0], Array(command.dropFirst()), timeout: 10)
        }
        if Self.isMounted(mountpoint) { problems.append("\(mountpoint) could not be detached after the crash") }
        return problems
    }

    /// `logdumpfs ARGUMENTS` (e.g. `cache stats --cache-dir D`), token in the environment.
    func logdumpfs(_ arguments: [String], timeout: TimeInterval = 20) throws -> ToolResult {
        tools.run(try Self.binaryPath(), arguments,
                  environment: ["PATH": ToolRunner.searchPath, "LC_ALL": "C", "LOGDUMPFS_TOKEN": Self.goodToken],
                  timeout: timeout)
    }

    /// Adds an export of `bytes` random bytes (not a real archive: the filesystem does not
    /// care) to what the emulator serves; list it with `writeManifest(exports + [it])`.
    func addRandomExport(bytes: Int, exportID: String = "20261106120000-b1g0") throws -> FixtureExport {
        let path = "\(directory)/random-\(exportID).bin"
        let made = tools.run("head", ["-c", String(bytes), "/dev/urandom"], stdoutTo: path, timeout: 30)
        guard made.succeeded else { throw HarnessError("could not make \(path): \(made)") }
        let sum = tools.run("sha256sum", [path], timeout: 30)
        guard sum.succeeded, let sha = sum.stdoutText.split(separator: " ").first else {
            throw HarnessError("sha256sum failed: \(sum)")
        }
        let export = FixtureExport(projectID: Fixture.projectB, serverID: Fixture.server3, exportID: exportID,
                                   createdAt: "2026-11-06T12:00:00Z", createdAtEpoch: 1_793_966_400,
                                   size: bytes, sha256: String(sha), fixturePath: path)
        let target = "\(exportsDirectory)/\(export.emulatorRelativePath)"
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try FileManager.default.linkItem(atPath: path, toPath: target)
        return export
    }

    /// How many lines of the daemon's latest output contain `phrase`.
    func daemonLines(containing phrase: String) -> [String] {
        daemonOutput().split(separator: "\n").map(String.init).filter { $0.contains(phrase) }
    }

    /// `du -s --block-size=1 path`: the bytes the tree takes on disk, or nil.
    func diskUsage(_ path: String, runner: ToolRunner? = nil) -> Int? {
        // du may complain about a file deleted under it (exit 1) and still print the total.
        let result = (runner ?? tools).run("du", ["-s", "--block-size=1", path], timeout: 10)
        return result.stdoutText.split(whereSeparator: { $0 == "\t" || $0 == " " }).first.flatMap { Int($0) }
    }
}

extension MountTestCase {
    /// `sha256sum` of every export of the harness, read through the mount, equals the sources'.
    func assertExact(_ harness: MountHarness, _ message: String, timeout: TimeInterval = 40,
                     file: StaticString = #filePath, line: UInt = #line) {
        assertExact(harness, harness.exports, message, timeout: timeout, file: file, line: line)
    }

    /// `sha256sum` of the exports read through the mount equals the sources'.
    func assertExact(_ harness: MountHarness, _ exports: [FixtureExport]? = nil, _ message: String = "",
                     timeout: TimeInterval = 40, file: StaticString = #filePath, line: UInt = #line) {
        let list = exports ?? harness.exports
        let result = harness.tools.run("sha256sum", list.map { harness.mounted($0) }, timeout: timeout)
        assertSucceeds(result, "sha256sum through the mount \(message)", file: file, line: line)
        let expected = list.map { "\($0.sha256)  \(harness.mounted($0))\n" }.joined()
        XCTAssertEqual(result.stdoutText, expected, "bytes through the mount differ from the source \(message)",
                       file: file, line: line)
    }

    /// Unmounts with SIGTERM and fails the test on any problem.
    func assertUnmounts(_ harness: MountHarness, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(harness.unmount(), [], "unmount", file: file, line: line)
    }

    /// The permission bits of `path` (lstat), or -1.
    func mode(_ path: String) -> Int {
        var info = stat()
        guard lstat(path, &info) == 0 else { return -1 }
        return Int(info.st_mode & 0o7777)
    }
}
