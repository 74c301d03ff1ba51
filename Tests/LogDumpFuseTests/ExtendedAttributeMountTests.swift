import Foundation
import Glibc
import LogDumpEmulator
import XCTest

/// Per-file facts as read-only extended attributes, seen through getfattr and setfattr
/// on a real mount: nothing from the server before a read, the server's file name, the
/// validator and the cached bytes after one.
final class ExtendedAttributeMountTests: MountTestCase {
    private static let fileName = "user.clouddc.filename"
    private static let cachedBytes = "user.logdumpfs.cached_bytes"
    private static let etag = "user.logdumpfs.etag"

    func testGetfattrShowsTheServersFileNameOnceRead() throws {
        let harness = try mountedHarness()
        let big = try Fixture.big
        let file = harness.mounted(big)

        let before = assertSucceeds(getfattrDump(harness, file)).stdoutText
        XCTAssertTrue(before.contains("\(Self.cachedBytes)=\"0\""), before)
        XCTAssertFalse(before.contains(Self.fileName), "a file name before any download: \(before)")
        XCTAssertFalse(before.contains(Self.etag), "a validator before any download: \(before)")

        let copy = "\(harness.directory)/copy"
        assertSucceeds(harness.tools.run("cat", [file], stdoutTo: copy, timeout: 60))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: copy)), try big.bytes(), "the copy differs")

        let after = assertSucceeds(getfattrDump(harness, file)).stdoutText
        let expectedName = ServerSerial.downloadName(server: big.serverID)
        XCTAssertTrue(after.contains("\(Self.fileName)=\"\(expectedName)\""), after)
        XCTAssertTrue(after.contains(Self.etag), after)
        XCTAssertEqual(value(harness, Self.fileName, of: file), expectedName)
        // The last block may reach the cache a moment after its bytes reached the reader.
        let deadline = Date().addingTimeInterval(10)
        while value(harness, Self.cachedBytes, of: file) != String(big.size), Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTAssertEqual(value(harness, Self.cachedBytes, of: file), String(big.size))
        XCTAssertEqual(value(harness, Self.etag, of: file), try emulatorETag(harness, big))
    }

    func testAttributesAreReadOnlyAndUnknownNamesAbsent() throws {
        let harness = try mountedHarness()
        let export = try Fixture.exports()[0]
        let file = harness.mounted(export)
        assertSucceeds(harness.tools.run("cat", [file], stdoutTo: "/dev/null", timeout: 60))

        let set = harness.tools.run("setfattr", ["-n", "user.note", "-v", "x", file])
        XCTAssertNotEqual(set.status, 0, "\(set)")
        XCTAssertTrue(set.stderr.contains("Read-only file system"), "\(set)")
        let remove = harness.tools.run("setfattr", ["-x", Self.fileName, file])
        XCTAssertNotEqual(remove.status, 0, "\(remove)")
        XCTAssertEqual(value(harness, Self.fileName, of: file), ServerSerial.downloadName(server: export.serverID))

        for name in ["security.selinux", "system.posix_acl_access", "user.other", "trusted.x"] {
            XCTAssertEqual(xattrCalls(harness, ["get \(name) 0"], path: file), ["-1 \(ENODATA)"], name)
        }
    }

    /// getxattr and listxattr with size 0 give the length; a buffer too small gets ERANGE.
    func testSizeProbeConvention() throws {
        let harness = try mountedHarness()
        let export = try Fixture.exports()[0]
        let file = harness.mounted(export)
        assertSucceeds(harness.tools.run("cat", [file], stdoutTo: "/dev/null", timeout: 60))
        let expected = ServerSerial.downloadName(server: export.serverID)

        let answers = xattrCalls(harness, ["get \(Self.fileName) 0", "get \(Self.fileName) 3",
                                           "get \(Self.fileName) 256", "list - 0", "list - 4", "list - 4096"], path: file)
        let names = [Self.cachedBytes, Self.etag, Self.fileName]
        let listLength = names.map { $0.utf8.count + 1 }.reduce(0, +)
        XCTAssertEqual(answers, ["\(expected.utf8.count)", "-1 \(ERANGE)", "\(expected.utf8.count) \(expected)",
                                 "\(listLength)", "-1 \(ERANGE)", "\(listLength) \(names.joined(separator: ","))"])
    }

    func testDirectoriesHaveNone() throws {
        let harness = try mountedHarness()
        let export = try Fixture.exports()[0]
        let directory = harness.mounted("\(export.projectID)/\(export.serverID)/exports")
        assertSucceeds(harness.tools.run("ls", ["-l", directory]))
        for path in [harness.mountpoint, directory] {
            let dump = assertSucceeds(getfattrDump(harness, path))
            XCTAssertEqual(dump.stdoutText, "", path)
            XCTAssertEqual(xattrCalls(harness, ["list - 0"], path: path), ["0"], path)
        }
    }

    // MARK: Helpers

    private func getfattrDump(_ harness: MountHarness, _ path: String) -> ToolResult {
        harness.tools.run("getfattr", ["--absolute-names", "-d", "-m", "-", path])
    }

    /// One attribute's value as getfattr prints it alone; nil when it fails.
    private func value(_ harness: MountHarness, _ name: String, of path: String) -> String? {
        let result = harness.tools.run("getfattr", ["--absolute-names", "--only-values", "-n", name, path])
        return result.succeeded ? result.stdoutText : nil
    }

    /// Calls getxattr(2) or listxattr(2) with buffers of the sizes given (`get NAME SIZE`,
    /// `list - SIZE`), through Python's ctypes: one line per call, `LENGTH [VALUE]` (the
    /// names of a list comma-separated) or `-1 ERRNO`.
    private func xattrCalls(_ harness: MountHarness, _ calls: [String], path: String) -> [String] {
        let script = """
        import ctypes, sys
        libc = ctypes.CDLL(None, use_errno=True)
        path = sys.argv[1].encode()
        for call in sys.argv[2:]:
            kind, name, size = call.split()
            size = int(size)
            buffer = ctypes.create_string_buffer(size) if size else None
            if kind == "get":
                n = libc.getxattr(path, name.encode(), buffer, ctypes.c_size_t(size))
            else:
                n = libc.listxattr(path, buffer, ctypes.c_size_t(size))
            if n < 0:
                print(-1, ctypes.get_errno())
            elif size == 0:
                print(n)
            else:
                raw = buffer.raw[:n]
                print(n, raw.decode() if kind == "get" else ",".join(x.decode() for x in raw.split(b"\\0") if x))
        """
        let result = harness.tools.run("python3", ["-c", script, path] + calls)
        XCTAssertTrue(result.succeeded, "\(result)")
        return result.stdoutText.split(separator: "\n").map(String.init)
    }

    /// The ETag the emulator makes of the archive it serves: from its size and mtime.
    private func emulatorETag(_ harness: MountHarness, _ export: FixtureExport) throws -> String {
        var st = Glibc.stat()
        let path = "\(harness.exportsDirectory)/\(export.emulatorRelativePath)"
        guard lstat(path, &st) == 0 else { throw HarnessError("cannot stat \(path)") }
        let parts = [Int(st.st_size), Int(st.st_mtim.tv_sec), Int(st.st_mtim.tv_nsec)].map { String($0, radix: 16) }
        return "\"\(parts.joined(separator: "-"))\""
    }
}
