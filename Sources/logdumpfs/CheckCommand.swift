import ArgumentParser
import LogDump

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a manifest without mounting it.",
        discussion: "Prints what the mount would show, or the first error with its entry and field."
    )

    @Argument(help: "The export manifest (JSON; see the README).")
    var manifest: String

    func run() throws {
        let loaded: Manifest
        do { loaded = try Manifest.load(contentsOf: manifest) } catch { throw Preflight.Failure("\(error)") }
        let catalog = Catalog(loaded)
        let projects = catalog.children(of: .root) ?? []
        let servers = projects.reduce(0) { $0 + (catalog.children(of: $1.inode)?.count ?? 0) }
        let unsized = loaded.entries.lazy.filter { $0.size == nil }.count
        print("\(manifest): \(catalog.fileCount) exports of \(servers) servers in \(projects.count) projects"
              + (unsized > 0 ? "; \(unsized) without a size (probed on first lookup)" : ""))
    }
}
