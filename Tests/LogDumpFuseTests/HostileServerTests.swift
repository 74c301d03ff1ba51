import Foundation
import Glibc
import LogDumpEmulator
import XCTest

/// A hostile or sloppy server, through real mounts: every read gives the export's exact
/// bytes or fails (EIO, with one log line naming the export, the bytes and what the
/// server did); never a short, padded or different file with exit status 0.
final class HostileServerTests: MountTestCase {
    private static let options = ["--retry-deadline", "5", "--stall-timeout", "2"]

    /// The manifest's size is right and so is the server, whatever it supports: exact,
    /// so the checks below cannot simply fail everything.
    func testAKeptPromiseIsExactWhateverTheServerSupports() throws {
        for (range, length) in [(true, true), (false, true), (false, false)] {
            let harness = try mountedHarness(honoursRange: range, sendsContentLength: length,
                                             extraArguments: Self.options)
            assertExact(harness, [try Fixture.big], "(Range \(range), Content-Length \(length))")
            assertUnmounts(harness)
        }
    }

    /// The manifest promises more or fewer bytes than the server has: a 206's total, a
    /// 200's Content-Length, a chunked body that ends cleanly short of the promise or
    /// runs on past it. Each read fails, naming both sizes.
    func testASizeTheServerContradictsFailsTheRead() throws {
        let big = try Fixture.big
        for (range, length) in [(true, true), (false, true), (false, false)] {
            for promised in [big.size + 1000, big.size - 1000] {
                let harness = try makeHarness(honoursRange: range, sendsContentLength: length)
                var item = ManifestItem(big)
                item.size = promised
                try harness.writeManifest([item])
                try harness.mount(extraArguments: Self.options)
                let what = "(Range \(range), Content-Length \(length), manifest \(promised) of \(big.size))"
                assertFails(harness.tools.run("cat", [harness.mounted(big)], timeout: 60),
                            saying: "Input/output error", within: 30)
                let log = harness.daemonOutput()
                XCTAssertTrue(log.contains("the manifest \(promised) bytes"), "\(what) log:\n\(log)")
                XCTAssertTrue(log.contains(big.exportID), "\(what) the log names no export:\n\(log)")
                if length {
                    XCTAssertTrue(log.contains("gives the export \(big.size) bytes"), "\(what) log:\n\(log)")
                }
                assertUnmounts(harness)
            }
        }
    }

    /// The first reader learns of a wrong size: reading the first 4 KiB fails already,
    /// when the server says its size in every answer.
    func testTheFirstReaderLearnsOfAWrongSize() throws {
        let big = try Fixture.big
        let harness = try makeHarness()
        var item = ManifestItem(big)
        item.size = big.size + 1000
        try harness.writeManifest([item])
        try harness.mount(extraArguments: Self.options)
        assertFails(harness.tools.run("dd", ["if=\(harness.mounted(big))", "of=/dev/null", "bs=4k", "count=1"], timeout: 30),
                    saying: "Input/output error", within: 20)
    }

    /// RFC 9110 lets a 206 carry less than the range asked for: here 100,000 bytes of
    /// each block. The rest is asked for again, never taken as the end of the file.
    func testShort206sAreFollowedToTheExactBytes() throws {
        var plan = FaultPlan()
        plan.hostile.partialLimitBytes = 100_000
        for includeSizes in [true, false] {
            let harness = try mountedHarness(includeSizes: includeSizes, extraArguments: Self.options) { $0.faults = plan }
            let big = try Fixture.big
            assertExact(harness, [big], "(short 206s, sizes in the manifest: \(includeSizes))")
            XCTAssertGreaterThan(harness.emulator.contentRequestCount, big.size / 100_000, "the 206s were not short")
            assertUnmounts(harness)
        }
    }

    /// A gzip-encoded answer (identity was asked for) is not the archive: reads fail,
    /// with or without a size in the manifest, and the log says why.
    func testAnEncodedAnswerFails() throws {
        var plan = FaultPlan()
        plan.hostile.contentEncoding = "gzip"
        for includeSizes in [true, false] {
            let harness = try mountedHarness(includeSizes: includeSizes, extraArguments: Self.options) { $0.faults = plan }
            assertFails(harness.tools.run("cat", [harness.mounted(harness.exports[0])], timeout: 60),
                        saying: "Input/output error", within: 30)
            XCTAssertTrue(harness.daemonOutput().contains("Content-Encoding gzip"), harness.daemonOutput())
            assertUnmounts(harness)
        }
    }

    /// A proxy's error page in place of the archive (200, text/html): the size rule
    /// fails it, and the log gives the content type.
    func testAnErrorPageInPlaceOfTheArchiveFails() throws {
        let page = "<html><body>502 Bad Gateway (proxy)</body></html>\n"
        var plan = FaultPlan()
        plan.hostile.substituteBody = SubstituteBody(contentType: "text/html", body: page)
        let harness = try mountedHarness(extraArguments: Self.options) { $0.faults = plan }
        let export = harness.exports[0]
        assertFails(harness.tools.run("cat", [harness.mounted(export)], timeout: 60),
                    saying: "Input/output error", within: 30)
        let log = harness.daemonOutput()
        XCTAssertTrue(log.contains("Content-Type text/html"), log)
        XCTAssertTrue(log.contains("gives the export \(page.utf8.count) bytes, the manifest \(export.size) bytes"), log)
    }
}
