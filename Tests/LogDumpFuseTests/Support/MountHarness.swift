import Foundation
import Glibc
import LogDump
import LogDumpEmulator

/// One entry of a test manifest.
struct ManifestItem {
    var projectID: String
    var serverID: String
    var exportID: String
    var size: Int?
    var createdAt: String?
    var serverName: String?

    init(_ export: FixtureExport, includeSize: Bool = true) {
        projectID = export.projectID
        serverID = export.serverID
        exportID = export.exportID
        size = includeSize ? export.size : nil
        createdAt = export.createdAt
    }

    init(projectID: String, serverID: String, exportID: String, size: Int? = nil, createdAt: String? = nil) {
        self.projectID = projectID
        self.serverID = serverID
        self.exportID = exportID
        self.size = size
        self.createdAt = createdAt
    }

    var mountRelativePath: String { "\(projectID)/\(serverID)/exports/\(exportID).tar.gz" }
}

/// A fresh temp dir (`exports/`, `manifest.json`, `mnt/`), an emulator serving
/// `exports/` on loopback, and the `logdumpfs mount` daemon as a child process.
/// `cleanUp()` always leaves nothing behind: no daemon, no mount, no emulator, no dir.
final class MountHarness {
    static let goodToken = "tok-3f9a1c7e5b2d4a6f8e0c"

    let directory: String
    let exportsDirectory: String
    let manifestPath: String
    let mountpoint: String
    /// The disk cache every mount of this harness shares, so a remount finds its blocks.
    var cacheDirectory: String { directory + "/cache" }
    let exports: [FixtureExport]
    let emulator: Emulator
    let tools: ToolRunner
    private(set) var daemon: Process?
    private var daemonExited: DispatchSemaphore?
    private var daemonRuns = 0
    private(set) var daemonStderrPath = ""

    /// Links every fixture export into `exports/` and starts the emulator with the switches given.
    init(honoursRange: Bool = true, sendsContentLength: Bool = true,
         configure: (inout EmulatorConfig) -> Void = { _ in }) throws {
        exports = try Fixture.exports()
        directory = makeTempDirectory(prefix: "logdumpfs-fusetest")
        exportsDirectory = directory + "/exports"
        manifestPath = directory + "/manifest.json"
        mountpoint = directory + "/mnt"
        tools = ToolRunner(scratch: directory)
        let fm = FileManager.default
        try fm.createDirectory(atPath: mountpoint, withIntermediateDirectories: false)
        for export in exports {
            let target = "\(exportsDirectory)/\(export.emulatorRelativePath)"
            try fm.createDirectory(atPath: (target as NSString).deletingLastPathComponent,
                                   withIntermediateDirectories: true)
            try fm.linkItem(atPath: export.fixturePath, toPath: target)
        }
        var config = EmulatorConfig(root: exportsDirectory, token: Self.goodToken)
        config.honoursRange = honoursRange
        config.sendsContentLength = sendsContentLength
        configure(&config)
        emulator = Emulator(config)
        try emulator.start()
    }

    /// The mount path of a file or directory relative to the mountpoint.
    func mounted(_ relative: String) -> String { relative.isEmpty ? mountpoint : "\(mountpoint)/\(relative)" }
    func mounted(_ export: FixtureExport) -> String { mounted(export.mountRelativePath) }

    // MARK: Manifest

    func writeManifest(includeSizes: Bool = true) throws {
        try writeManifest(exports.map { ManifestItem($0, includeSize: includeSizes) })
    }

    /// Writes the manifest beside and renames it over `manifest.json`, as editors do.
    func replaceManifest(_ items: [ManifestItem]) throws {
        try writeManifest(items, to: manifestPath + ".new")
        guard rename(manifestPath + ".new", manifestPath) == 0 else {
            throw HarnessError("cannot rename the new manifest: \(String(cString: strerror(errno)))")
        }
    }

    /// Writes `manifest.json` in place (through a symlink, if it is one).
    func writeManifest(_ items: [ManifestItem]) throws {
        try writeManifest(items, to: manifestPath)
    }

    private func writeManifest(_ items: [ManifestItem], to path: String) throws {
        func quoted(_ s: String) -> String { "\"\(s)\"" }  // the test ids need no escaping
        let entries = items.map { item in
            var fields = ["\"project_id\": \(quoted(item.projectID))", "\"server_id\": \(quoted(item.serverID))",
                          "\"export_id\": \(quoted(item.exportID))"]
            if let size = item.size { fields.append("\"size\": \(size)") }
            if let createdAt = item.createdAt { fields.append("\"created_at\": \(quoted(createdAt))") }
            if let name = item.serverName { fields.append("\"server_name\": \(quoted(name))") }
            return "    {" + fields.joined(separator: ", ") + "}"
        }
        let json = "{\n  \"endpoint\": \(quoted(emulator.endpoint)),\n  \"exports\": [\n"
            + entries.joined(separator: ",\n") + "\n  ]\n}\n"
        try json.write(toFile: path, atomically: false, encoding: .utf8)
    }

    // MARK: The daemon

    /// Starts `logdumpfs mount manifest mnt` (LOGDUMPFS_TOKEN `token`, or `environment`
    /// instead when given: credentials never on the command line) and waits until the
    /// kernel lists the mount; throws with the daemon's stderr if it does not.
    func mount(token: String = MountHarness.goodToken, extraArguments: [String] = [],
               environment: [String: String]? = nil, timeout: TimeInterval = 15) throws {
        guard daemon == nil else { throw HarnessError("a daemon is already running") }
        let binary = try Self.binaryPath()
        daemonRuns += 1
        daemonStderrPath = "\(directory)/daemon-\(daemonRuns).stderr"
        try Data().write(to: URL(fileURLWithPath: daemonStderrPath))
        guard let stderrHandle = FileHandle(forWritingAtPath: daemonStderrPath) else {
            throw HarnessError("cannot open \(daemonStderrPath)")
        }
        defer { try? stderrHandle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        // A cache of this test's own, unless the test names one: never the machine's default.
        let cache = extraArguments.contains("--cache-dir") ? [] : ["--cache-dir", cacheDirectory]
        process.arguments = ["mount", manifestPath, mountpoint] + cache + extraArguments
        process.environment = ToolRunner.isolated(environment ?? ["PATH": ToolRunner.searchPath, "LOGDUMPFS_TOKEN": token],
                                                  home: directory)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stderrHandle
        process.standardError = stderrHandle
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        daemon = process
        daemonExited = exited

        let deadline = Date().addingTimeInterval(timeout)
        while !Self.isMounted(mountpoint) {
            if !process.isRunning {
                throw HarnessError("logdumpfs exited (status \(process.terminationStatus)) before mounting; its output:\n\(daemonOutput())")
            }
            if Date() > deadline {
                throw HarnessError("\(mountpoint) was not mounted within \(timeout) s; logdumpfs said:\n\(daemonOutput())")
            }
            usleep(50_000)
        }
    }

    /// What the daemon wrote to stdout and stderr in its latest run.
    func daemonOutput() -> String {
        (try? String(contentsOfFile: daemonStderrPath, encoding: .utf8)) ?? "(no output file)"
    }

    /// Sends `signal` to the daemon (0: none, only wait) and waits up to `timeout` for it
    /// to exit. Returns its exit status, or nil when it did not exit in time (it is then
    /// still running).
    func signalDaemon(_ signal: Int32, timeout: TimeInterval = 10) -> Int32? {
        guard let daemon, let daemonExited else { return nil }
        kill(daemon.processIdentifier, signal)
        guard daemonExited.wait(timeout: .now() + timeout) == .success else { return nil }
        self.daemon = nil
        self.daemonExited = nil
        return daemon.terminationReason == .uncaughtSignal ? 128 + daemon.terminationStatus : daemon.terminationStatus
    }

    /// SIGTERM, then SIGKILL; then whatever still holds the mountpoint is detached.
    /// Returns what went wrong on the way (empty when the daemon unmounted cleanly).
    func unmount() -> [String] {
        var problems: [String] = []
        if daemon != nil {
            if let status = signalDaemon(SIGTERM, timeout: 10) {
                if status != 0 { problems.append("logdumpfs exited with status \(status) after SIGTERM:\n\(daemonOutput())") }
            } else {
                problems.append("logdumpfs did not exit within 10 s of SIGTERM; killing it")
                if signalDaemon(SIGKILL, timeout: 10) == nil { problems.append("logdumpfs survived SIGKILL for 10 s") }
            }
        }
        if Self.isMounted(mountpoint) {
            problems.append("\(mountpoint) was still mounted after the daemon ended; detaching it")
            for command in [["fusermount3", "-u", "-z", mountpoint], ["umount", "-l", mountpoint]] where Self.isMounted(mountpoint) {
                _ = tools.run(command[0], Array(command.dropFirst()), timeout: 10)
            }
            if Self.isMounted(mountpoint) { problems.append("\(mountpoint) could not be unmounted") }
        }
        return problems
    }

    /// Unmounts, stops the emulator and removes the temp dir (unless something is still
    /// mounted in it). Returns what went wrong; safe to call more than once.
    func cleanUp() -> [String] {
        var problems = unmount()
        emulator.stop()
        // A daemon killed outright leaves its `status` record; the next mount would prune it.
        unlink(MountRecord.file(for: MountRecord.canonical(mountpoint), in: MountRecord.runDirectory()))
        if Self.isMounted(mountpoint) {
            problems.append("left \(directory) in place: \(mountpoint) is still mounted")
        } else if FileManager.default.fileExists(atPath: directory) {
            do { try FileManager.default.removeItem(atPath: directory) } catch {
                problems.append("could not remove \(directory): \(error)")
            }
        }
        return problems
    }

    // MARK: System state

    /// Whether /proc/mounts lists a fuse.logdumpfs mount on `path` (read without
    /// touching the mount itself).
    static func isMounted(_ path: String) -> Bool {
        mountTable().contains { $0.mountpoint == path && $0.type == "fuse.logdumpfs" }
    }

    static func mountTable() -> [(mountpoint: String, type: String)] {
        guard let text = try? String(contentsOfFile: "/proc/mounts", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count >= 3 else { return nil }
            // /proc/mounts escapes space, tab, newline and backslash as octal.
            let point = String(fields[1]).replacingOccurrences(of: "\\040", with: " ")
                .replacingOccurrences(of: "\\011", with: "\t").replacingOccurrences(of: "\\012", with: "\n")
                .replacingOccurrences(of: "\\134", with: "\\")
            return (point, String(fields[2]))
        }
    }

    /// `<package root>/.build/debug/logdumpfs`, or $LOGDUMPFS_BINARY.
    static func binaryPath() throws -> String {
        if let path = ProcessInfo.processInfo.environment["LOGDUMPFS_BINARY"], !path.isEmpty {
            guard access(path, X_OK) == 0 else { throw HarnessError("LOGDUMPFS_BINARY=\(path) is not an executable file") }
            return path
        }
        // #filePath is <root>/Tests/LogDumpFuseTests/Support/MountHarness.swift.
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { root.deleteLastPathComponent() }
        let path = root.appendingPathComponent(".build/debug/logdumpfs").path
        guard access(path, X_OK) == 0 else {
            throw HarnessError("\(path) does not exist: run `swift build` first (or set LOGDUMPFS_BINARY)")
        }
        return path
    }
}
