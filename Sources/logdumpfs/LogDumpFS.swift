import ArgumentParser

@main
struct LogDumpFS: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logdumpfs",
        abstract: "Read CloudDC server log exports as local files.",
        discussion: """
        logdumpfs mounts a read-only tree
            MOUNTPOINT/<project_id>/<server_id>/exports/<export_id>.tar.gz
        listed by a manifest file and streamed from the CloudDC download endpoint.

        Start with `logdumpfs demo` to see it work against a bundled emulator.
        """,
        subcommands: [MountCommand.self, StatusCommand.self, CheckCommand.self, ServersCommand.self, ExportCommand.self, CacheCommand.self,
                      DemoCommand.self, EmulatorCommand.self]
    )

    /// Runs the command line after MountArguments rewrites it (mount helper, `-o` twins).
    static func main() {
        main(MountArguments.rewritten(CommandLine.arguments))
    }
}
