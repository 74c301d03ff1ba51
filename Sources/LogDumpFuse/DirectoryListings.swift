import LogDump
import Synchronization

/// Directory listings taken at opendir and handed out in pieces by readdir, so a large
/// directory is listed once per open, not once per 4 KiB reply.
final class DirectoryListings: Sendable {
    private let listings = Mutex<(next: UInt64, open: [UInt64: [DirectoryEntry]])>((1, [:]))

    func open(_ entries: [DirectoryEntry]) -> UInt64 {
        listings.withLock { state in
            let handle = state.next
            state.next += 1
            state.open[handle] = entries
            return handle
        }
    }

    func entries(_ handle: UInt64) -> [DirectoryEntry]? {
        listings.withLock { $0.open[handle] }
    }

    func close(_ handle: UInt64) {
        _ = listings.withLock { $0.open.removeValue(forKey: handle) }
    }
}
