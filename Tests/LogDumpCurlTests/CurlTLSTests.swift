import Foundation
import LogDump
import LogDumpTestSupport
import LogDumpCurl
import XCTest

/// TLS is always verified; --ca-file trusts a private CA; a certificate that cannot be
/// verified is a permanent failure that names the endpoint and --ca-file.
final class CurlTLSTests: XCTestCase {
    private var server: TLSTestServer?
    private let body = Array((0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })

    override func setUpWithError() throws {
        guard TLSTestServer.isAvailable else { throw XCTSkip("openssl is not installed: run scripts/setup") }
        server = try TLSTestServer(files: [TLSTestServer.contentPath(project: "p1", server: "s1", export: "e1"): body])
    }

    override func tearDown() {
        server?.stop()
        server = nil
    }

    private func location(host: String = "127.0.0.1") -> ExportLocation {
        ExportLocation(endpoint: Endpoint(validated: "https://\(host):\(server!.port)"),
                       key: ExportKey(projectID: "p1", serverID: "s1", exportID: "e1"))
    }

    private func transferError(_ source: any ExportSource, host: String = "127.0.0.1") -> RemoteError? {
        do {
            try source.transfer(TransferRequest(location: location(host: host), range: nil), into: RecordingSink())
            return nil
        } catch {
            return error
        }
    }

    func testUntrustedCertificateIsATLSErrorNamingTheEndpointAndCAFile() {
        let error = transferError(CurlExportSource(token: StaticToken("t")))
        guard case .tls(let why)? = error else { return XCTFail("\(String(describing: error))") }
        XCTAssertTrue(why.contains("https://127.0.0.1:\(server!.port)"), why)
        XCTAssertTrue(why.contains("--ca-file"), why)
        XCTAssertTrue(why.lowercased().contains("certificate"), why)
        XCTAssertEqual(error?.errno, .io)
    }

    /// The certificate is for 127.0.0.1: reached as localhost, even a trusted CA does not help.
    func testWrongNameIsATLSError() {
        var options = CurlOptions()
        options.caFile = server!.caFile
        let error = transferError(CurlExportSource(token: StaticToken("t"), options: options), host: "localhost")
        guard case .tls(let why)? = error else { return XCTFail("\(String(describing: error))") }
        XCTAssertTrue(why.contains("https://localhost:\(server!.port)"), why)
    }

    /// Not retried: the default minute of retries ends at the first attempt.
    func testUntrustedCertificateIsNotRetried() {
        let started = Date()
        let source = RetryingSource(wrapping: CurlExportSource(token: StaticToken("t")), policy: RetryPolicy(deadline: .seconds(60)))
        guard case .tls? = transferError(source) else { return XCTFail("not a TLS error") }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }

    func testPrivateCAFromCAFileIsTrusted() throws {
        var options = CurlOptions()
        options.caFile = server!.caFile
        let sink = RecordingSink()
        try CurlExportSource(token: StaticToken("t"), options: options)
            .transfer(TransferRequest(location: location(), range: nil), into: sink)
        XCTAssertEqual(sink.bytes, body)
    }
}
