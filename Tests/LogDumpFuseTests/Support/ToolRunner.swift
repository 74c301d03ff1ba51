import Foundation
import Glibc

/// What one run of a command-line tool did.
struct ToolResult: CustomStringConvertible {
    let command: [String]
    /// The exit status; for a tool killed by a signal, 128 + the signal.
    let status: Int32
    let stdout: Data
    let stderr: String
    /// The tool outlived its timeout and was killed.
    let timedOut: Bool
    let elapsed: TimeInterval

    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    var succeeded: Bool { status == 0 && !timedOut }

    var description: String {
        let out = stdoutText.count > 2000 ? String(stdoutText.prefix(2000)) + "..." : stdoutText
        return "`\(command.joined(separator: " "))` -> status \(status)\(timedOut ? " (TIMED OUT, killed)" : "")"
            + " after \(String(format: "%.2f", elapsed)) s\nstdout: \(out)\nstderr: \(stderr)"
    }
}

/// A tool started and not yet waited for, so several can run at once.
final class RunningTool {
    let command: [String]
    let process: Process
    private let exited = DispatchSemaphore(value: 0)
    private let stdoutPath: String
    private let stderrPath: String
    private let stdoutIsCaptured: Bool
    private let started = Date()
    private let timeout: TimeInterval

    init(command: [String], process: Process, stdoutPath: String, stdoutIsCaptured: Bool,
         stderrPath: String, timeout: TimeInterval) {
        self.command = command
        self.process = process
        self.stdoutPath = stdoutPath
        self.stdoutIsCaptured = stdoutIsCaptured
        self.stderrPath = stderrPath
        self.timeout = timeout
        let exited = self.exited
        process.terminationHandler = { _ in exited.signal() }
    }

    /// What the tool has written to standard error so far.
    var stderrSoFar: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Waits for the tool until its timeout (counted from its start); past it, SIGKILLs it.
    func wait() -> ToolResult {
        let remaining = max(0, timeout - Date().timeIntervalSince(started))
        var timedOut = false
        if exited.wait(timeout: .now() + remaining) == .timedOut {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            // A FUSE wait is killable, so this is prompt unless the kernel itself is stuck.
            _ = exited.wait(timeout: .now() + 10)
        }
        let status: Int32
        if process.isRunning {
            status = -1
        } else {
            status = process.terminationReason == .uncaughtSignal
                ? 128 + process.terminationStatus : process.terminationStatus
        }
        let out = stdoutIsCaptured ? ((try? Data(contentsOf: URL(fileURLWithPath: stdoutPath))) ?? Data()) : Data()
        let err = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        if stdoutIsCaptured { unlink(stdoutPath) }
        unlink(stderrPath)
        return ToolResult(command: command, status: status, stdout: out, stderr: err,
                          timedOut: timedOut, elapsed: Date().timeIntervalSince(started))
    }
}

/// Runs real tools (ls, cp, dd, ...) as child processes, each with a timeout, its output
/// captured in files under `scratch` (no pipes, so a chatty tool cannot block).
final class ToolRunner {
    let scratch: String
    private var counter = 0

    init(scratch: String) { self.scratch = scratch }

    /// The default time any tool may take before it is killed and the test fails.
    static let defaultTimeout: TimeInterval = 60

    /// Runs `tool` (a name looked up in PATH, or a path) and waits for it.
    func run(_ tool: String, _ arguments: [String], stdoutTo: String? = nil, in directory: String? = nil,
             environment: [String: String]? = nil, timeout: TimeInterval = ToolRunner.defaultTimeout) -> ToolResult {
        do {
            return try start(tool, arguments, stdoutTo: stdoutTo, in: directory, environment: environment,
                             timeout: timeout).wait()
        } catch {
            return ToolResult(command: [tool] + arguments, status: -1, stdout: Data(),
                              stderr: "could not start: \(error)", timedOut: false, elapsed: 0)
        }
    }

    /// `environment`, kept from this machine's credentials: no test may pick up keys from
    /// the real ~/.huaweicloud or send a request to a real metadata service (only
    /// loopback is ever a test's target), so HOME and the metadata endpoint default to
    /// places of the test's own unless the test names them.
    static func isolated(_ environment: [String: String], home: String) -> [String: String] {
        var environment = environment
        environment["HOME", default: home]
        environment["LOGDUMPFS_METADATA_ENDPOINT", default: "http://127.0.0.1:1"]
        return environment
    }

    /// `sh -c script` with `arguments` as $1, $2...; for shell syntax such as `>>`.
    func shell(_ script: String, _ arguments: [String] = [], timeout: TimeInterval = ToolRunner.defaultTimeout) -> ToolResult {
        run("sh", ["-c", script, "sh"] + arguments, timeout: timeout)
    }

    /// Starts `tool` (in `directory`, if given); stdin is /dev/null, stdout goes to `stdoutTo` or is captured.
    func start(_ tool: String, _ arguments: [String], stdoutTo: String? = nil, in directory: String? = nil,
               environment: [String: String]? = nil, timeout: TimeInterval = ToolRunner.defaultTimeout) throws -> RunningTool {
        counter += 1
        let stdoutPath = stdoutTo ?? "\(scratch)/tool-\(counter).stdout"
        let stderrPath = "\(scratch)/tool-\(counter).stderr"
        for path in [stdoutPath, stderrPath] {
            // open(2), not FileManager.createFile: that replaces the path by renaming a
            // new file over it, which turns /dev/null into a regular file.
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw HarnessError("cannot create \(path)") }
            close(fd)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.resolve(tool))
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.environment = Self.isolated(environment ?? ["PATH": Self.searchPath, "LC_ALL": "C"], home: scratch)
        process.standardInput = FileHandle.nullDevice
        guard let outHandle = FileHandle(forWritingAtPath: stdoutPath),
              let errHandle = FileHandle(forWritingAtPath: stderrPath) else {
            throw HarnessError("cannot open the output files of \(tool)")
        }
        defer { try? outHandle.close(); try? errHandle.close() }
        process.standardOutput = outHandle
        process.standardError = errHandle
        let running = RunningTool(command: [tool] + arguments, process: process, stdoutPath: stdoutPath,
                                  stdoutIsCaptured: stdoutTo == nil, stderrPath: stderrPath, timeout: timeout)
        try process.run()
        return running
    }

    static let searchPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// The absolute path of `tool`, searched in `searchPath` unless it has a slash.
    static func resolve(_ tool: String) throws -> String {
        if tool.contains("/") { return tool }
        for directory in searchPath.split(separator: ":") {
            let candidate = "\(directory)/\(tool)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw HarnessError("\(tool) is not installed (searched \(searchPath))")
    }
}

/// A failure of the test harness itself (not of the filesystem under test).
struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
