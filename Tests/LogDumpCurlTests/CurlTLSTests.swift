import Foundation
import LogDump
import LogDumpTestSupport
import LogDumpCurl
import XCTest

/// TLS is always verified; --ca-file trusts a private CA. Served by `openssl s_server
/// -WWW` with a certificate for 127.0.0.1 signed by a CA made for the test.
final class CurlTLSTests: XCTestCase {
    private var directory = ""
    private var server: Process?
    private var port = 0
    private let body = Array((0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") else {
            throw XCTSkip("openssl is not installed: run scripts/setup")
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("logdumpfs-tls-\(UUID().uuidString)").path
        let content = "\(directory)/v1/p1/physicalservers/s1/logs/exports/e1/content"
        try FileManager.default.createDirectory(atPath: (content as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(body).write(to: URL(fileURLWithPath: content))
        try makeCertificates()
        try startServer()
    }

    override func tearDownWithError() throws {
        if let server, server.isRunning {
            server.terminate()
            server.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    private var location: ExportLocation {
        ExportLocation(endpoint: Endpoint(validated: "https://127.0.0.1:\(port)"),
                       key: ExportKey(projectID: "p1", serverID: "s1", exportID: "e1"))
    }

    func testUntrustedCertificateIsRefused() {
        let source = CurlExportSource(token: StaticToken("t"))
        XCTAssertThrowsError(try source.transfer(TransferRequest(location: location, range: nil), into: RecordingSink())) { error in
            guard case .network(let why) = error as? RemoteError else { return XCTFail("\(error)") }
            XCTAssertTrue(why.lowercased().contains("certificate"), why)
        }
    }

    func testPrivateCAFromCAFileIsTrusted() throws {
        var options = CurlOptions()
        options.caFile = "\(directory)/ca.pem"
        let sink = RecordingSink()
        try CurlExportSource(token: StaticToken("t"), options: options)
            .transfer(TransferRequest(location: location, range: nil), into: sink)
        XCTAssertEqual(sink.bytes, body)
    }

    private func makeCertificates() throws {
        let d = directory
        try run("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                                     "-subj", "/CN=logdumpfs test CA", "-keyout", "\(d)/ca.key", "-out", "\(d)/ca.pem"])
        try run("/usr/bin/openssl", ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                                     "-keyout", "\(d)/server.key", "-out", "\(d)/server.csr"])
        try "subjectAltName=IP:127.0.0.1\n".write(toFile: "\(d)/san.ext", atomically: false, encoding: .utf8)
        try run("/usr/bin/openssl", ["x509", "-req", "-in", "\(d)/server.csr", "-CA", "\(d)/ca.pem",
                                     "-CAkey", "\(d)/ca.key", "-CAcreateserial", "-days", "2",
                                     "-extfile", "\(d)/san.ext", "-out", "\(d)/server.pem"])
    }

    /// Starts s_server on a free port, retrying when another process took it first.
    private func startServer() throws {
        for _ in 0..<5 {
            port = Int.random(in: 20_000..<60_000)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = ["s_server", "-quiet", "-WWW", "-accept", "127.0.0.1:\(port)",
                                 "-cert", "\(directory)/server.pem", "-key", "\(directory)/server.key"]
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            server = process
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline, process.isRunning {
                if canConnect(port) { return }
                usleep(50_000)
            }
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
        XCTFail("openssl s_server did not start")
    }

    private func canConnect(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    private func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "CurlTLSTests", code: Int(process.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: "\(tool) \(arguments.first ?? "") failed"])
        }
    }
}
