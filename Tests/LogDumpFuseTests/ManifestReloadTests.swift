import Foundation
import Glibc
import LogDumpEmulator
import XCTest

/// A running mount follows its manifest: replaced by rename, rewritten in place, or
/// reloaded on SIGHUP; a bad edit keeps the tree; open files read on to their end.
final class ManifestReloadTests: MountTestCase {
    /// A new export, in a directory `ls` has listed already, shows within 2 s of the
    /// rename and reads exactly; files that stay keep their inode numbers.
    func testRenamedManifestShowsANewExportAndKeepsInodes() throws {
        let harness = try makeHarness()
        let (kept, added) = (harness.exports[0], harness.exports[1])  // same exports/ directory
        try harness.writeManifest([ManifestItem(kept)])
        try harness.mount()
        let directory = harness.mounted((kept.mountRelativePath as NSString).deletingLastPathComponent)
        XCTAssertEqual(listing(harness, directory), ["\(kept.exportID).tar.gz"])
        let inodesBefore = inodes(harness, [kept.mountRelativePath, kept.projectID, "\(kept.projectID)/\(kept.serverID)"])

        try harness.replaceManifest([ManifestItem(kept), ManifestItem(added)])
        XCTAssertTrue(waitUntil(seconds: 2) { listing(harness, directory).contains("\(added.exportID).tar.gz") },
                      "the new export is not listed 2 s after the rename; daemon:\n\(harness.daemonOutput())")
        assertExact(harness, [kept, added], "after the reload")
        XCTAssertEqual(inodes(harness, [kept.mountRelativePath, kept.projectID, "\(kept.projectID)/\(kept.serverID)"]),
                       inodesBefore, "inode numbers changed over a reload")
        XCTAssertTrue(MountHarness.isMounted(harness.mountpoint))
    }

    /// A changed size shows in `stat` at once, though the kernel had cached the old one
    /// (attributes of sized files are kept for an hour).
    func testChangedSizeShowsAtOnce() throws {
        let harness = try makeHarness()
        let export = harness.exports[0]
        try harness.writeManifest([ManifestItem(export)])
        try harness.mount()
        let path = harness.mounted(export)
        XCTAssertEqual(harness.tools.run("stat", ["-c", "%s", path]).stdoutText, "\(export.size)\n")
        var bigger = ManifestItem(export)
        bigger.size = export.size + 1
        try harness.replaceManifest([bigger])
        XCTAssertTrue(waitUntil(seconds: 2) { harness.tools.run("stat", ["-c", "%s", path]).stdoutText == "\(export.size + 1)\n" },
                      "stat shows the old size 2 s after the rename; daemon:\n\(harness.daemonOutput())")
    }

    /// A manifest rewritten in place (not renamed) with a bad value: the tree stays as
    /// it was, and the daemon says once what is wrong. A good rewrite then applies.
    func testInvalidEditKeepsTheTreeWithOneWarning() throws {
        let harness = try makeHarness()
        try harness.writeManifest(harness.exports.map { ManifestItem($0) })
        try harness.mount()
        let before = listing(harness, harness.mountpoint)
        var broken = ManifestItem(harness.exports[0])
        broken.createdAt = "yesterday"
        try harness.writeManifest([broken])
        XCTAssertTrue(waitUntil(seconds: 2) { warnings(harness).count >= 1 }, "no warning; daemon:\n\(harness.daemonOutput())")
        usleep(500_000)  // time for a second warning, were there one
        XCTAssertEqual(warnings(harness).count, 1, "one warning per bad edit:\n\(harness.daemonOutput())")
        XCTAssertTrue(warnings(harness).first?.contains("created_at") == true, "the warning names the problem: \(warnings(harness))")
        XCTAssertEqual(listing(harness, harness.mountpoint), before)
        assertExact(harness, harness.exports, "after a bad edit")

        try harness.writeManifest([ManifestItem(harness.exports[0])])
        let gone = harness.exports[3].projectID
        XCTAssertTrue(waitUntil(seconds: 2) { !listing(harness, harness.mountpoint).contains(gone) },
                      "a good rewrite in place did not apply; daemon:\n\(harness.daemonOutput())")
    }

    /// A removed export leaves `ls` (and `stat` of its path fails) while a `cat` that
    /// opened it before, slowed by the server, reads exact bytes to the end.
    func testRemovedExportVanishesWhileAnOpenCatReadsOn() throws {
        let harness = try makeHarness()
        let big = try Fixture.big
        try harness.writeManifest(harness.exports.map { ManifestItem($0) })
        try harness.mount()
        var slow = FaultPlan()
        slow.bandwidthBytesPerSecond = 256 << 10  // the 5 MiB export takes seconds, even fetched in parallel
        harness.emulator.setFaults(slow)
        let output = harness.directory + "/big.out"
        let cat = try harness.tools.start("cat", [harness.mounted(big)], stdoutTo: output, timeout: 60)
        XCTAssertTrue(waitUntil(seconds: 5) { fileSize(output) > 0 }, "cat read nothing")

        try harness.replaceManifest(harness.exports.filter { $0.exportID != big.exportID }.map { ManifestItem($0) })
        XCTAssertTrue(waitUntil(seconds: 2) { !listing(harness, harness.mountpoint).contains(big.projectID) },
                      "the removed export's project is still listed; daemon:\n\(harness.daemonOutput())")
        XCTAssertTrue(cat.process.isRunning, "cat ended before the export was removed: slow the server more")
        var info = stat()
        XCTAssertNotEqual(stat(harness.mounted(big), &info), 0, "stat of the removed path still succeeds")
        let result = cat.wait()
        XCTAssertTrue(result.succeeded, "cat: \(result)")
        let sum = harness.tools.run("sha256sum", [output])
        XCTAssertEqual(sum.stdoutText.prefix(64), Substring(big.sha256), "cat's bytes differ from the export")
    }

    /// SIGHUP reloads and leaves the mount up. The manifest is a symlink whose target
    /// lies in another directory, so the watcher does not see the edit: only SIGHUP does.
    func testSIGHUPReloadsAndDoesNotUnmount() throws {
        let harness = try makeHarness()
        let (kept, added) = (harness.exports[0], harness.exports[3])
        try FileManager.default.createDirectory(atPath: harness.directory + "/real", withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: harness.manifestPath, withDestinationPath: "real/manifest.json")
        try harness.writeManifest([ManifestItem(kept)])
        try harness.mount()
        try harness.writeManifest([ManifestItem(kept), ManifestItem(added)])
        usleep(300_000)
        XCTAssertFalse(listing(harness, harness.mountpoint).contains(added.projectID), "reloaded without SIGHUP")

        guard let daemon = harness.daemon else { return XCTFail("no daemon") }
        kill(daemon.processIdentifier, SIGHUP)
        XCTAssertTrue(waitUntil(seconds: 2) { listing(harness, harness.mountpoint).contains(added.projectID) },
                      "SIGHUP did not reload; daemon:\n\(harness.daemonOutput())")
        XCTAssertTrue(daemon.isRunning, "the daemon ended on SIGHUP")
        XCTAssertTrue(MountHarness.isMounted(harness.mountpoint), "SIGHUP unmounted")
        assertExact(harness, [kept, added], "after SIGHUP")
    }

    /// `/<project>/by-name/<name>` links to `../<server_id>`; the two servers sharing
    /// a name get their ID's first 8 characters appended; a `/` in a name becomes `_`.
    func testByNameLinksResolveAndDuplicatesAreTellable() throws {
        let harness = try makeHarness()
        let names = [Fixture.server1: "web", Fixture.server2: "web", Fixture.server3: "db/main"]
        try harness.writeManifest(harness.exports.map { export in
            var item = ManifestItem(export)
            item.serverName = names[export.serverID]
            return item
        })
        try harness.mount()
        let byName = harness.mounted("\(Fixture.projectA)/by-name")
        let web1 = "web~\(Fixture.server1.prefix(8))"
        let web2 = "web~\(Fixture.server2.prefix(8))"
        XCTAssertEqual(listing(harness, byName), [web2, web1].sorted())
        XCTAssertEqual(listing(harness, harness.mounted("\(Fixture.projectB)/by-name")), ["db_main"])
        let link = assertSucceeds(harness.tools.run("readlink", ["\(byName)/\(web1)"]))
        XCTAssertEqual(link.stdoutText, "../\(Fixture.server1)\n")
        let long = assertSucceeds(harness.tools.run("ls", ["-l", byName]))
        XCTAssertTrue(long.stdoutText.contains("\(web1) -> ../\(Fixture.server1)"), "ls -l: \(long.stdoutText)")
        let export = harness.exports[0]
        let through = assertSucceeds(harness.tools.shell("cd \"$1\"/exports && sha256sum \"$2\"",
                                                         ["\(byName)/\(web1)", "\(export.exportID).tar.gz"]))
        XCTAssertEqual(through.stdoutText.prefix(64), Substring(export.sha256))
    }

    // MARK: Helpers

    private func listing(_ harness: MountHarness, _ directory: String) -> [String] {
        let result = harness.tools.run("ls", ["-1", directory], timeout: 10)
        return result.succeeded ? result.stdoutText.split(separator: "\n").map(String.init) : []
    }

    private func inodes(_ harness: MountHarness, _ paths: [String]) -> [String] {
        harness.tools.run("stat", ["-c", "%i %n"] + paths.map { harness.mounted($0) }, timeout: 10)
            .stdoutText.split(separator: "\n").map(String.init)
    }

    private func warnings(_ harness: MountHarness) -> [String] {
        harness.daemonOutput().split(separator: "\n").filter { $0.contains("manifest not reloaded") }.map(String.init)
    }

    private func fileSize(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }

    private func waitUntil(seconds: TimeInterval, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() {
            if Date() > deadline { return false }
            usleep(50_000)
        }
        return true
    }
}
