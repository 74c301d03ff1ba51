import Foundation
import LogDumpEmulator
import XCTest

/// A temporary directory with two sample exports and an emulator serving them, driven
/// from outside with the curl command-line tool: what a real client gets on the wire.
/// Tests make one in setUp and `close()` it in tearDown, which runs also after a failure.
final class EmulatorFixture {
    static let token = "test-token-3f9a"

    let root: String
    let emulator: Emulator
    let small: SampleExport
    let large: SampleExport

    init(largePayloadBytes: Int = 6 << 20, configure: (inout EmulatorConfig) -> Void = { _ in }) throws {
        let root = FileManager.default.temporaryDirectory
            .appendingPathComponent("emulator-tests-\(UUID().uuidString)").path
        do {
            let exports = try SampleExports.write([
                SampleExportSpec(projectID: "proj1", serverID: "srv-a", exportID: "exp-small"),
                SampleExportSpec(projectID: "proj1", serverID: "srv-b", exportID: "exp-large",
                                 payloadBytes: largePayloadBytes),
            ], into: root + "/exports")
            var config = EmulatorConfig(root: root + "/exports", token: Self.token)
            configure(&config)
            emulator = Emulator(config)
            try emulator.start()
            (self.root, small, large) = (root, exports[0], exports[1])
        } catch {
            try? FileManager.default.removeItem(atPath: root)
            throw error
        }
    }

    /// Stops the emulator (closing every connection) and removes the directory.
    func close() {
        emulator.stop()
        try? FileManager.default.removeItem(atPath: root)
    }

    func url(_ e: SampleExport) -> String {
        "\(emulator.endpoint)/v1/\(e.spec.projectID)/physicalservers/\(e.spec.serverID)/logs/exports/\(e.spec.exportID)/content"
    }

    func data(_ e: SampleExport) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: e.path)) }

    /// A download with the static token.
    func get(_ e: SampleExport, _ extra: [String] = [], maxTime: Double = 20) throws -> CurlResult {
        try curl([url(e), "-H", "X-Auth-Token: \(Self.token)"] + extra, maxTime: maxTime)
    }

    /// A request to the admin endpoint, e.g. `admin("PUT", "faults", body: "{}")`.
    func admin(_ method: String, _ route: String, body: String? = nil) throws -> CurlResult {
        var args = [emulator.endpoint + "/_emulator/" + route, "-X", method]
        // No `Expect: 100-continue` wait for large bodies: the emulator answers at the end.
        if let body { args += ["--data-binary", body, "-H", "Expect:"] }
        return try curl(args)
    }

    /// `POST /v3/auth/tokens` with the body Huawei's documentation shows; `scope` is a JSON
    /// fragment, or nil for none.
    func login(name: String, password: String, domain: String,
               scope: String? = #"{"project": {"name": "cn-east-3"}}"#) throws -> CurlResult {
        let scopePart = scope.map { #", "scope": \#($0)"# } ?? ""
        return try postTokenRequest(#"{"auth": {"identity": {"methods": ["password"], "password": {"user": "#
            + #"{"name": "\#(name)", "password": "\#(password)", "domain": {"name": "\#(domain)"}}}}\#(scopePart)}}"#)
    }

    func postTokenRequest(_ body: String) throws -> CurlResult {
        try curl([emulator.endpoint + "/v3/auth/tokens", "--data-binary", body,
                  "-H", "Content-Type: application/json;charset=utf8"])
    }

    /// Runs curl with the headers and body going to files; a curl failure (such as a
    /// deliberate timeout) is not an error here: the caller checks `exitCode` and what arrived.
    func curl(_ args: [String], maxTime: Double = 20, bodyFile: Bool = true) throws -> CurlResult {
        let id = UUID().uuidString
        let headerPath = root + "/h-\(id)", bodyPath = root + "/b-\(id)"
        defer {
            try? FileManager.default.removeItem(atPath: headerPath)
            try? FileManager.default.removeItem(atPath: bodyPath)
        }
        var all = ["-s", "--max-time", String(maxTime), "-D", headerPath]
        if bodyFile { all += ["-o", bodyPath] }
        let (stdout, exitCode) = try run("/usr/bin/curl", all + args, allowFailure: true)
        let headerText = (try? String(contentsOfFile: headerPath, encoding: .utf8)) ?? ""
        // The last block is the final response (curl writes one per response received).
        let block = headerText.components(separatedBy: "\r\n\r\n").last { !$0.isEmpty } ?? ""
        var lines = block.components(separatedBy: "\r\n")
        let statusLine = lines.isEmpty ? "" : lines.removeFirst()
        let status = statusLine.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        let headers = lines.compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let body = (try? Data(contentsOf: URL(fileURLWithPath: bodyPath))) ?? Data()
        return CurlResult(status: status, headers: headers, body: body, stdout: stdout, exitCode: exitCode)
    }

    /// Runs a tool to its end; its standard output and exit status.
    @discardableResult
    func run(_ tool: String, _ args: [String], allowFailure: Bool = false) throws -> (String, Int32) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = args
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if !allowFailure && process.terminationStatus != 0 {
            XCTFail("\(tool) \(args) exited with \(process.terminationStatus)")
        }
        return (String(decoding: out, as: UTF8.self), process.terminationStatus)
    }

    /// Polls `condition` every 50 ms until it holds or `seconds` pass; whether it held.
    static func wait(upTo seconds: Double, for condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return try condition()
    }
}

/// What curl got: the final response's status and headers, the body, curl's exit code.
struct CurlResult {
    var status: Int
    var headers: [(String, String)]
    var body: Data
    var stdout: String
    /// 0, or curl's error: 7 refused, 18 partial file, 28 timeout, 56 receive failure (reset).
    var exitCode: Int32

    func header(_ name: String) -> String? {
        headers.last { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }

    /// The body as a JSON object, or nil.
    var json: [String: Any]? { try? JSONSerialization.jsonObject(with: body) as? [String: Any] }
}

extension FaultPlan {
    /// The default plan with some knobs turned: `FaultPlan.with { $0.latencyMilliseconds = 5 }`.
    static func with(_ change: (inout FaultPlan) -> Void) -> FaultPlan {
        var plan = FaultPlan()
        change(&plan)
        return plan
    }
}
