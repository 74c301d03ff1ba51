import Foundation
import Glibc
import XCTest

/// mount(8) runs logdumpfs as its helper /sbin/mount.fuse.logdumpfs, put there by
/// scripts/install: `mount -t fuse.logdumpfs` and fstab lines with `mount -a` mount, read
/// exact bytes, and `umount` ends the daemon.
final class MountHelperTests: MountTestCase {
    private static let helper = "/sbin/mount.fuse.logdumpfs"
    private var harness: MountHarness!
    private var detached: DetachedMounts!

    override func setUpWithError() throws {
        try super.setUpWithError()
        harness = try makeHarness()
        try harness.writeManifest()
        try MountHarness.goodToken.write(toFile: harness.directory + "/token", atomically: false, encoding: .utf8)
        detached = DetachedMounts(harness: harness)
        // Only a test's own helper is replaced: never a real installation.
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: Self.helper),
           !target.contains("logdumpfs-fusetest") {
            throw XCTSkip("\(Self.helper) is installed (-> \(target)): not replacing it")
        }
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        assertSucceeds(harness.tools.run(root.appendingPathComponent("scripts/install").path,
                                         ["--binary", try MountHarness.binaryPath(), "--bindir", harness.directory + "/bin",
                                          "--sbindir", "/sbin"], timeout: 60))
    }

    override func tearDown() {
        for problem in detached?.cleanUp() ?? [] { XCTFail("teardown: \(problem)") }
        if let harness, let target = try? FileManager.default.destinationOfSymbolicLink(atPath: Self.helper),
           target.hasPrefix(harness.directory) {
            unlink(Self.helper)
        }
        super.tearDown()
    }

    private var options: String {
        "ro,_netdev,allow_other,token_file=\(harness.directory)/token,cache_dir=\(harness.cacheDirectory),cache_size=64M"
    }

    func testMountTypeFuseLogdumpfsWithOptions() throws {
        let result = harness.tools.run("mount", ["-t", "fuse.logdumpfs", harness.manifestPath, harness.mountpoint,
                                                 "-o", options], timeout: 20)
        let mountedAtExit = MountHarness.isMounted(harness.mountpoint)
        assertSucceeds(result)
        XCTAssertTrue(mountedAtExit, "mount returned before the mount was live")
        try detached.assertServesExactBytes()
        try detached.unmountAndWaitForDaemon(using: ["umount", harness.mountpoint])
    }

    func testFstabLineWithMountAll() throws {
        let fstab = harness.directory + "/fstab"
        try "# a test's fstab\n\(harness.manifestPath) \(harness.mountpoint) fuse.logdumpfs \(options),nofail,x-systemd.automount 0 0\n"
            .write(toFile: fstab, atomically: false, encoding: .utf8)
        assertSucceeds(harness.tools.run("mount", ["-T", fstab, "-a"], timeout: 20))
        XCTAssertTrue(MountHarness.isMounted(harness.mountpoint))
        let daemons = detached.daemons()
        assertSucceeds(harness.tools.run("mount", ["-T", fstab, "-a"], timeout: 20), "mount -a again")
        XCTAssertEqual(detached.daemons(), daemons, "a second mount -a mounted again")
        try detached.assertServesExactBytes()
        try detached.unmountAndWaitForDaemon(using: ["umount", harness.mountpoint])
    }

    /// mount(8) passes `rw` unless `ro` is given: refused, saying so, and nothing mounted.
    func testReadWriteIsRefusedThroughMount() throws {
        let result = harness.tools.run("mount", ["-t", "fuse.logdumpfs", harness.manifestPath, harness.mountpoint,
                                                 "-o", "token_file=\(harness.directory)/token"], timeout: 20)
        assertFails(result, saying: "logdumpfs is read-only; mount it with -o ro")
        XCTAssertFalse(MountHarness.isMounted(harness.mountpoint))
    }
}
