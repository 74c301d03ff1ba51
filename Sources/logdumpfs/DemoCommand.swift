import ArgumentParser
import Foundation
import Glibc
import LogDump
import LogDumpEmulator

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Start the bundled emulator with sample exports and mount them.",
        discussion: """
        Writes a few real .tar.gz log exports to a temporary directory, serves them with the
        emulator on loopback, writes their manifest and mounts it in the foreground. Press
        Ctrl-C to unmount; the temporary files are removed.
        """
    )

    @Argument(help: "An empty directory to mount on (default: a new one under /tmp).")
    var mountpoint: String?

    @Flag(help: "Log each fetch and decision.")
    var verbose = false

    func run() throws {
        let signals = SignalWatcher.blockTerminationSignals()
        if verbose { Log.threshold = .debug }
        let work = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let mountpoint = self.mountpoint ?? "\(work)/mnt"
        if self.mountpoint == nil { try FileManager.default.createDirectory(atPath: mountpoint, withIntermediateDirectories: true) }

        let token = UUID().uuidString
        let exports = try SampleExports.write(SampleExports.demo, into: "\(work)/exports")
        let emulator = Emulator(EmulatorConfig(root: "\(work)/exports", token: token))
        _ = try emulator.start()
        defer { emulator.stop() }
        let manifestPath = "\(work)/manifest.json"
        try SampleExports.manifestJSON(exports, endpoint: emulator.endpoint)
            .write(toFile: manifestPath, atomically: false, encoding: .utf8)

        let manifest = try Manifest.load(contentsOf: manifestPath)
        try Preflight.checkMountpoint(mountpoint)
        try Preflight.checkFuseDevice()
        let first = exports[0].spec
        let binary = absolute(CommandLine.arguments[0])
        print("""
        logdumpfs demo: \(exports.count) sample exports served by the emulator at \(emulator.endpoint)
        manifest: \(manifestPath)
        mounted on: \(mountpoint)

        Try, in another terminal:
          ls -lR \(mountpoint)
          tar -tzvf \(mountpoint)/\(first.projectID)/\(first.serverID)/exports/\(first.exportID).tar.gz
          sha256sum \(mountpoint)/*/*/exports/*.tar.gz

        Request a new export of a server and watch it appear in the mount (it follows its
        manifest; this terminal logs the reload):
          export LOGDUMPFS_TOKEN=\(token)
          \(binary) servers \(first.projectID) --endpoint \(emulator.endpoint)
          \(binary) export \(first.projectID) \(first.serverID) --manifest \(manifestPath)
          ls -l \(mountpoint)/\(first.projectID)/\(first.serverID)/exports

        Press Ctrl-C (or run fusermount3 -u \(mountpoint)) to unmount and end the demo.
        """)
        fflush(nil) // all streams: stdout is not concurrency-safe to name
        let daemon = Daemon(manifest: manifest, manifestPath: manifestPath, mountpoint: mountpoint,
                            authorizer: TokenAuthorizer(StaticToken(token)),
                            mountOptions: MountOptions(ownership: Ownership(uid: getuid(), gid: getgid())),
                            memoryCacheSize: 240 << 20, cacheDirectory: "\(work)/cache", cacheSize: 256 << 20)
        try daemon.run(signals: signals)
    }

    private func makeTemporaryDirectory() throws -> String {
        var template = Array("/tmp/logdumpfs-demo-XXXXXX".utf8CString)
        guard let path = mkdtemp(&template) else { throw Preflight.Failure("cannot create a temporary directory: \(String(cString: strerror(errno)))") }
        return String(cString: path)
    }
}
