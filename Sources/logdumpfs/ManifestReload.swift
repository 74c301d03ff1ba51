import Foundation
import LogDump
import LogDumpFuse

/// Loads the manifest again and shows it: the new tree is built beside the one in
/// use, swapped in whole (reads and lookups in flight finish on the tree they
/// started with), and the kernel is told what changed. A manifest that does not
/// load leaves the tree as it was, with one warning naming the problem.
struct ManifestReload: Sendable {
    let path: String
    let fileSystem: FileSystem
    let mount: FuseMount

    func run() {
        let started = ContinuousClock.now
        let manifest: Manifest
        do {
            manifest = try Manifest.load(contentsOf: path)
        } catch {
            Log.warning("manifest not reloaded, the tree stays as it was: \(error)")
            return
        }
        let catalog = Catalog(manifest)
        let built = ContinuousClock.now
        let old = fileSystem.replaceCatalog(with: catalog)
        let swapped = ContinuousClock.now
        let changes = CatalogChanges(from: old, to: catalog)
        let compared = ContinuousClock.now
        mount.invalidate(changes)
        let done = ContinuousClock.now
        // Where to look: the first few listings that changed (the new tree's names).
        let listings = changes.inodes.lazy.filter { $0 != .root }.compactMap { catalog.path(of: $0) }.prefix(3)
        Log.info("manifest reloaded: \(catalog.fileCount) exports (were \(old.fileCount))"
                 + (listings.isEmpty ? "" : "; changed: " + listings.map { $0.escapedForLog() }.joined(separator: ", ")))
        Log.debug("reload: loaded and built in \(milliseconds(built - started)), swapped in \(milliseconds(swapped - built)), "
                  + "compared in \(milliseconds(compared - swapped)), \(changes.names.count) names and "
                  + "\(changes.inodes.count) inodes invalidated in \(milliseconds(done - compared))")
    }

    private func milliseconds(_ duration: Duration) -> String {
        String(format: "%.3f ms", Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15)
    }
}
