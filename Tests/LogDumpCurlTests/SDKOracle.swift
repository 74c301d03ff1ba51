import Foundation
import XCTest

/// One request as a ScriptedServer received it.
struct CapturedRequest {
    var method: String
    /// The request target: path and query, as sent.
    var target: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    init(head: String, body: [UInt8]) {
        let lines = head.split(separator: "\r\n").map(String.init)
        let requestLine = (lines.first ?? "").split(separator: " ")
        method = requestLine.first.map(String.init) ?? ""
        target = requestLine.count > 1 ? String(requestLine[1]) : ""
        headers = lines.dropFirst().compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        self.body = body
    }

    /// The value of the header `name` (any case), if sent.
    subscript(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// Huawei Cloud's Python SDK as a verifier: scripts/oracle/resign.py, run with the venv
/// scripts/setup installs (.build-oracle), re-signs captured requests.
enum SDKOracle {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let python = repository.appendingPathComponent(".build-oracle/bin/python").path
    static let script = repository.appendingPathComponent("scripts/oracle/resign.py").path

    /// Skips the test, saying why, when the oracle's python cannot import the SDK.
    static func require() throws {
        let (status, output) = try run(["-c", "import huaweicloudsdkcore.signer.signer"], input: Data())
        if status != 0 {
            throw XCTSkip("the signing oracle is missing: \(python) cannot import huaweicloudsdkcore "
                          + "(run scripts/setup to install it): \(String(decoding: output, as: UTF8.self))")
        }
    }

    /// The Authorization the SDK computes for each of `requests` (nil where the request
    /// carried none), with `keys` mapping each access key to its secret key.
    static func authorizations(_ requests: [CapturedRequest], keys: [String: String]) throws -> [String?] {
        let input: [String: Any] = [
            "keys": keys,
            "requests": requests.map { request in
                ["method": request.method, "target": request.target,
                 "headers": request.headers.map { [$0.name, $0.value] },
                 "body_base64": Data(request.body).base64EncodedString()] as [String: Any]
            },
        ]
        let (status, output) = try run([script], input: try JSONSerialization.data(withJSONObject: input))
        guard status == 0,
              let answer = try JSONSerialization.jsonObject(with: output) as? [String: Any],
              let values = answer["authorizations"] as? [Any] else {
            throw OracleFailed(output: String(decoding: output, as: UTF8.self))
        }
        return values.map { $0 as? String }
    }

    struct OracleFailed: Error, CustomStringConvertible {
        var output: String
        var description: String { "scripts/oracle/resign.py failed: \(output)" }
    }

    /// Runs the oracle's python with `arguments`, `input` on its standard input; its exit
    /// status and what it wrote (output and errors). Killed after 60 seconds.
    private static func run(_ arguments: [String], input: Data) throws -> (Int32, Data) {
        guard FileManager.default.isExecutableFile(atPath: python) else { return (127, Data("no \(python)".utf8)) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = arguments
        process.currentDirectoryURL = repository
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stdout
        let ended = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in ended.signal() }
        try process.run()
        try stdin.fileHandleForWriting.write(contentsOf: input)
        try stdin.fileHandleForWriting.close()
        // The answer is a few KiB, less than a pipe holds: it is read once python ends.
        if ended.wait(timeout: .now() + 60) == .timedOut {
            process.terminate()
            _ = ended.wait(timeout: .now() + 5)
        }
        let output = try stdout.fileHandleForReading.readToEnd() ?? Data()
        return (process.terminationStatus, output)
    }
}
