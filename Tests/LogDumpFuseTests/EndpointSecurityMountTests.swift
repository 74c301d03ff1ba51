import Foundation
import LogDumpTestSupport
import XCTest

/// What a mount does about its endpoints' security: a certificate it cannot verify fails
/// reads at once with a log line naming the endpoint and --ca-file (and is reported at
/// mount, before any read); with --ca-file the same reads are exact. Plain HTTP to another
/// host is warned about at mount.
final class EndpointSecurityMountTests: MountTestCase {
    func testUntrustedCertificateFailsReadsAtOnceAndCAFileMakesThemExact() throws {
        guard TLSTestServer.isAvailable else { throw XCTSkip("openssl is not installed: run scripts/setup") }
        let harness = try makeHarness()
        let export = harness.exports[0]
        let server = try TLSTestServer(files: [
            TLSTestServer.contentPath(project: export.projectID, server: export.serverID, export: export.exportID):
                Array(try export.bytes()),
        ])
        defer { server.stop() }
        try #"{"endpoint": "\#(server.endpoint)", "exports": [{"project_id": "\#(export.projectID)", "server_id": "\#(export.serverID)", "export_id": "\#(export.exportID)", "size": \#(export.size)}]}"#
            .write(toFile: harness.manifestPath, atomically: false, encoding: .utf8)

        try harness.mount()
        // Reported at mount, by the background check, before any read.
        XCTAssertTrue(waitFor(within: 10) { harness.daemonOutput().contains("reads will fail") }, harness.daemonOutput())
        let checkLine = harness.daemonOutput().split(separator: "\n").first { $0.contains("reads will fail") } ?? ""
        XCTAssertTrue(checkLine.contains(server.endpoint) && checkLine.contains("--ca-file"), String(checkLine))

        assertFails(harness.tools.run("cat", [harness.mounted(export)], timeout: 30),
                    saying: "Input/output error", within: 5)
        let failures = harness.daemonOutput().split(separator: "\n").filter { $0.contains("reading") && $0.contains("failed") }
        XCTAssertFalse(failures.isEmpty, harness.daemonOutput())
        for line in failures {
            XCTAssertTrue(line.contains(server.endpoint) && line.contains("--ca-file") && line.contains("certificate"), String(line))
        }
        XCTAssertEqual(harness.unmount(), [])

        try harness.mount(extraArguments: ["--ca-file", server.caFile])
        let result = assertSucceeds(harness.tools.run("cat", [harness.mounted(export)], timeout: 30))
        XCTAssertEqual(result.stdout, try export.bytes())
        XCTAssertFalse(harness.daemonOutput().contains("reads will fail"), harness.daemonOutput())
    }

    /// No request is made (sizes are known, nothing is read): the warning comes from the
    /// manifest alone, and names the remote endpoint but not the loopback one.
    func testPlainHTTPToAnotherHostIsWarnedAtMount() throws {
        let harness = try makeHarness()
        let local = harness.exports[0], remote = harness.exports[1]
        let remoteEndpoint = "http://192.0.2.1:9"
        let entry = { (export: FixtureExport, endpoint: String) in
            #"{"project_id": "\#(export.projectID)", "server_id": "\#(export.serverID)", "export_id": "\#(export.exportID)", "size": \#(export.size), "endpoint": "\#(endpoint)"}"#
        }
        try #"{"exports": [\#(entry(local, harness.emulator.endpoint)), \#(entry(remote, remoteEndpoint))]}"#
            .write(toFile: harness.manifestPath, atomically: false, encoding: .utf8)
        try harness.mount()
        let warnings = harness.daemonOutput().split(separator: "\n").filter { $0.contains("plain HTTP") }
        XCTAssertEqual(warnings.count, 1, harness.daemonOutput())
        XCTAssertTrue(warnings.first?.contains("warning: \(remoteEndpoint): plain HTTP to another host") == true, harness.daemonOutput())
        XCTAssertFalse(warnings.first?.contains(harness.emulator.endpoint) == true, harness.daemonOutput())
        assertSucceeds(harness.tools.run("stat", [harness.mounted(remote)], timeout: 10))
    }

    private func waitFor(within seconds: TimeInterval, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }
}
