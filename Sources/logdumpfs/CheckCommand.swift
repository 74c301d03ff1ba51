import ArgumentParser
import LogDump
import LogDumpCurl

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a manifest without mounting it; with --probe, against the server too.",
        discussion: """
        Prints what the mount would show, or the first error with its entry and field.

        With --probe, asks the server for each export's size and validator
        (a one-byte ranged GET, 8 at a time, 10 seconds each) and prints a
        table of the exports with a problem (a size other than the manifest's,
        missing, refused, unreachable) and of those without a manifest size,
        then a summary. The exit status is 1 when any export has a problem.
        Without --probe, nothing is sent over the network.

        \(tokenFlagsHelp)
        """
    )

    @Argument(help: "The export manifest (JSON; see the README).")
    var manifest: String

    @Flag(help: "Ask the server about every export, and report what differs from the manifest.")
    var probe = false

    @OptionGroup(title: "Credentials and TLS (with --probe)")
    var server: ServerFlags

    /// Each export's probe, retries included.
    static let probeTimeout: Duration = .seconds(10)

    func run() throws {
        let loaded: Manifest
        do { loaded = try Manifest.load(contentsOf: manifest) } catch { throw Preflight.Failure("\(error)") }
        guard probe else { return summarize(loaded) }
        var curl = CurlOptions()
        curl.caFile = server.caFile
        let credentials = try server.credentialChoice()
        Preflight.warnAboutProject(of: credentials, using: Set(loaded.entries.map(\.key.projectID)))
        let authorizer = try Preflight.authorizer(credentials, curl: curl)
        let source = RetryingSource(wrapping: CurlExportSource(authorizer: authorizer, options: curl),
                                    policy: RetryPolicy(deadline: Self.probeTimeout))
        let findings = ManifestProbe.run(loaded.entries, source: source, timeout: Self.probeTimeout)
        print(ProbeTable(findings).text, terminator: "")
        if findings.contains(where: \.isProblem) { throw ExitCode(1) }
    }

    private func summarize(_ loaded: Manifest) {
        let catalog = Catalog(loaded)
        let projects = catalog.children(of: .root) ?? []
        let servers = projects.reduce(0) { $0 + (catalog.children(of: $1.inode)?.count ?? 0) }
        let unsized = loaded.entries.lazy.filter { $0.size == nil }.count
        print("\(manifest): \(catalog.fileCount) exports of \(servers) servers in \(projects.count) projects"
              + (unsized > 0 ? "; \(unsized) without a size (probed on first lookup)" : ""))
    }
}
