import ArgumentParser
import Foundation
import LogDump
import LogDumpCurl

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Request log exports of servers, follow them, and add them to a manifest.",
        discussion: """
        Requests an export of each server's logs (--concurrency at a time) and
        follows it until it completes, fails, or --timeout passes. Each
        completed export is added to the manifest at once, with its created_at,
        its size when the download endpoint tells it, and the server's name when
        the listing gave it (--all-servers); a mount of that manifest shows it.
        The manifest is created (with the endpoint) if it does not exist.

        Progress goes to standard error: when it is a terminal, one bar per
        server redrawn in place; otherwise one timestamped line per change. The
        summary goes to standard output. Ctrl-C stops following at once; what
        completed stays in the manifest. The exit status is 0 when every export
        completed, 1 when one failed or timed out, 130 when interrupted.

        The endpoint is --endpoint, else the manifest's top-level endpoint.
        \(tokenFlagsHelp)
        """
    )

    @Argument(help: "The project's ID.")
    var project: String

    @Argument(help: "The servers' IDs (or --all-servers).")
    var servers: [String] = []

    @Flag(help: "Export every server of the project (all pages of the listing).")
    var allServers = false

    @Option(help: "The export manifest to add the exports to (created if absent).")
    var manifest: String

    @Option(help: ArgumentHelp("The CloudDC endpoint, e.g. https://clouddc.cn-east-3.myhuaweicloud.com.",
                               valueName: "url"))
    var endpoint: String?

    @Option(help: ArgumentHelp("How long to follow the exports, in seconds.", valueName: "seconds"))
    var timeout: Double = 1800

    @Option(help: "How many exports to request and follow at once (1...64).")
    var concurrency = 4

    @Option(help: ArgumentHelp("How often to ask each export's status, in seconds.", valueName: "seconds"))
    var pollInterval: Double = 2

    @OptionGroup(title: "Credentials and TLS")
    var server: ServerFlags

    /// Each size probe, retries included.
    static let probeTimeout: Duration = .seconds(10)

    func validate() throws {
        guard allServers != !servers.isEmpty else {
            throw ValidationError(allServers ? "give server IDs or --all-servers, not both"
                                             : "give at least one server ID, or --all-servers")
        }
        guard (1...64).contains(concurrency) else { throw ValidationError("--concurrency must be 1...64, not \(concurrency)") }
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds") }
        guard pollInterval > 0, pollInterval.isFinite else { throw ValidationError("--poll-interval must be a positive number of seconds") }
        for id in [project] + servers {
            if let problem = ExportKey.problem(with: id) { throw ValidationError("ID \(id.quotedForLog()): \(problem)") }
        }
    }

    func run() throws {
        let signals = SignalWatcher.blockTerminationSignals()
        let endpoint = try resolvedEndpoint()
        var curl = CurlOptions()
        curl.caFile = server.caFile
        let credentials = try server.credentialChoice()
        Preflight.warnAboutProject(of: credentials, using: [project])
        let authorizer = try Preflight.authorizer(credentials, curl: curl)
        if let warning = EndpointCheck.cleartextWarning([endpoint], sending: authorizer.carries) { Log.warning(warning) }
        let api = CurlCloudDC(endpoint: endpoint, authorizer: authorizer, options: curl, maxConcurrency: concurrency)
        let targets = try allServers ? listedServers(api) : servers.map { ExportTarget(serverID: $0) }
        guard !targets.isEmpty else { throw Preflight.Failure("project \(project.quotedForLog()) has no servers") }

        // Before any export is requested: the manifest can be locked, and validates.
        let update = ManifestUpdate(path: manifest, endpointForNewManifest: endpoint)
        do { try update.add([]) } catch { throw Preflight.Failure("\(error)") }
        let keeper = ExportKeeper(project: project, endpoint: endpoint, update: update,
                                  sizes: RetryingSource(wrapping: CurlExportSource(authorizer: authorizer, options: curl),
                                                        policy: RetryPolicy(deadline: Self.probeTimeout)),
                                  probeTimeout: Self.probeTimeout)
        let progress = ProgressOutput(targets: targets)
        let follower = ExportFollower(api: api, project: project, concurrency: concurrency,
                                      pollInterval: .milliseconds(Int64(pollInterval * 1000)),
                                      timeout: .milliseconds(Int64(timeout * 1000)),
                                      onChange: progress.update, keep: keeper.keep)
        let interrupted = Interrupted()
        signals.start { _ in
            interrupted.set()
            follower.cancel()
        }
        progress.startTicking()
        let final = follower.run(targets)
        progress.finish(final)
        print(ExportProgressDisplay.summary(final), terminator: "")
        if interrupted.isSet || final.contains(where: { $0.outcome == .interrupted }) { throw ExitCode(130) }
        if final.contains(where: { $0.outcome != .completed }) { throw ExitCode(1) }
    }

    /// --endpoint, else the manifest's; the manifest, if it exists, must validate.
    private func resolvedEndpoint() throws(Preflight.Failure) -> Endpoint {
        var fromManifest: Endpoint? = nil
        if FileManager.default.fileExists(atPath: manifest) {
            do { fromManifest = try Manifest.load(contentsOf: manifest).endpoint } catch { throw Preflight.Failure("\(error)") }
        }
        if let endpoint {
            guard let parsed = Endpoint.parse(endpoint) else {
                throw Preflight.Failure("--endpoint \(Endpoint.redactingCredentials(endpoint).quotedForLog()): "
                                        + "not an http:// or https:// URL without credentials, query or fragment")
            }
            return parsed
        }
        guard let fromManifest else {
            throw Preflight.Failure("no endpoint: give --endpoint, or a manifest with a top-level \"endpoint\"")
        }
        return fromManifest
    }

    /// Every server of the project, over all pages, with its name.
    private func listedServers(_ api: CurlCloudDC) throws(Preflight.Failure) -> [ExportTarget] {
        do throws(RemoteError) {
            return try ServersCommand.allServers(of: project, manageState: nil, from: api)
                .map { ExportTarget(serverID: $0.id, serverName: $0.name) }
        } catch {
            throw Preflight.Failure("cannot list the servers of project \(project.quotedForLog()) at \(api.endpoint): \(error)")
        }
    }
}

/// Set by the signal thread, read at the end.
private final class Interrupted: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
