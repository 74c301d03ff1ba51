import Foundation

/// `openssl s_server -WWW` serving files over TLS on 127.0.0.1, with a certificate for
/// 127.0.0.1 signed by a CA made for the test (`caFile`): an HTTPS endpoint that only
/// `--ca-file` makes trusted. It ignores Range and answers each request with the whole
/// file. Shared by the curl source's tests and the mount tests.
public final class TLSTestServer {
    /// A temp directory holding the certificates and the served tree; `stop()` removes it.
    public let directory: String
    public private(set) var port = 0
    private var server: Process?

    public var caFile: String { "\(directory)/ca.pem" }
    public var endpoint: String { "https://127.0.0.1:\(port)" }

    /// Whether openssl is installed (scripts/setup installs it).
    public static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") }

    /// Where an export's bytes are served, relative to the root: the content URL's path.
    public static func contentPath(project: String, server: String, export: String) -> String {
        "v1/\(project)/physicalservers/\(server)/logs/exports/\(export)/content"
    }

    /// Serves `files` (path relative to the root, bytes) once the server listens.
    public init(files: [String: [UInt8]]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("logdumpfs-tls-\(UUID().uuidString)").path
        do {
            for (path, bytes) in files {
                let full = "\(directory)/\(path)"
                try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                        withIntermediateDirectories: true)
                try Data(bytes).write(to: URL(fileURLWithPath: full))
            }
            try makeCertificates()
            try start()
        } catch {
            stop()
            throw error
        }
    }

    /// Ends the server and removes its directory.
    public func stop() {
        if let server, server.isRunning {
            server.terminate()
            server.waitUntilExit()
        }
        server = nil
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func makeCertificates() throws {
        let d = directory
        try run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                 "-subj", "/CN=logdumpfs test CA", "-keyout", "\(d)/ca.key", "-out", "\(d)/ca.pem"])
        try run(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                 "-keyout", "\(d)/server.key", "-out", "\(d)/server.csr"])
        try "subjectAltName=IP:127.0.0.1\n".write(toFile: "\(d)/san.ext", atomically: false, encoding: .utf8)
        try run(["x509", "-req", "-in", "\(d)/server.csr", "-CA", "\(d)/ca.pem",
                 "-CAkey", "\(d)/ca.key", "-CAcreateserial", "-days", "2",
                 "-extfile", "\(d)/san.ext", "-out", "\(d)/server.pem"])
    }

    /// Starts s_server on a free port, retrying when another process took it first.
    private func start() throws {
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
        throw TLSTestServerError("openssl s_server did not start")
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

    private func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TLSTestServerError("openssl \(arguments.first ?? "") failed with status \(process.terminationStatus)")
        }
    }
}

public struct TLSTestServerError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
