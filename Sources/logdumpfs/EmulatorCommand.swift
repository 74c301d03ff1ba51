import ArgumentParser
import Foundation
import Glibc
import LogDumpEmulator

struct EmulatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulator",
        abstract: "Serve the CloudDC download API on loopback from a directory of exports.",
        discussion: """
        Files are laid out as ROOT/<project_id>/<server_id>/<export_id>.tar.gz. With --samples,
        sample exports are written there first and a manifest is printed. Runs until Ctrl-C.
        The token it accepts is read from --token-file, else LOGDUMPFS_TOKEN.
        """
    )

    @Option(help: "The directory of exports.")
    var root: String

    @Option(help: "The port to listen on (0: any free port).")
    var port: Int = 0

    @Option(help: "A file holding the one token the emulator accepts.")
    var tokenFile: String?

    @Flag(help: "Write the sample exports into --root first.")
    var samples = false

    @Flag(help: "Ignore Range headers: always answer 200 with the whole body.")
    var noRange = false

    @Flag(help: "Send no Content-Length (chunked bodies).")
    var noContentLength = false

    func run() throws {
        let signals = SignalWatcher.blockTerminationSignals()
        let token = try Preflight.token(file: tokenFile)
        var exports: [SampleExport] = []
        if samples { exports = try SampleExports.write(SampleExports.demo, into: root) }
        var config = EmulatorConfig(root: root, token: token)
        config.port = port
        config.honoursRange = !noRange
        config.sendsContentLength = !noContentLength
        let emulator = Emulator(config)
        _ = try emulator.start()
        print("emulator serving \(root) at \(emulator.endpoint)")
        if samples { print(SampleExports.manifestJSON(exports, endpoint: emulator.endpoint)) }
        fflush(nil) // all streams: stdout is not concurrency-safe to name
        let stopped = DispatchSemaphore(value: 0)
        signals.start { _ in stopped.signal() }
        stopped.wait()
        emulator.stop()
    }
}
