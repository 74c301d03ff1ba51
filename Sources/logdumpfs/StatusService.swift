import Foundation
import Glibc
import LogDump

/// The daemon's side of `logdumpfs status`: the control socket (beside the cache lock,
/// or in the run directory without a disk cache) and the record in the run directory
/// that leads `status` from the mountpoint to it. Without them the mount still works:
/// what fails is logged once.
final class StatusService: Sendable {
    private let socket: ControlSocket
    private let recordPath: String?

    private init(socket: ControlSocket, recordPath: String?) {
        self.socket = socket
        self.recordPath = recordPath
    }

    static func start(mountpoint: String, statistics: Statistics, cache: TieredBlockCache,
                      source: RetryingSource) -> StatusService? {
        let canonical = MountRecord.canonical(mountpoint)
        let runDirectory = MountRecord.runDirectory()
        let socketPath = cache.disk?.directory.controlSocketPath
            ?? MountRecord.file(for: canonical, in: runDirectory).replacingOccurrences(of: ".json", with: ".sock")
        let pid = getpid()
        let socket: ControlSocket
        do {
            if cache.disk == nil { try MountRecord.prepare(runDirectory) }
            socket = try ControlSocket(path: socketPath) {
                var snapshot = statistics.snapshot()
                snapshot.mountpoint = canonical
                snapshot.pid = pid
                snapshot.concurrency = source.concurrencyGauges()
                snapshot.cache.memoryBytes = cache.memory.byteCount
                snapshot.cache.memoryBoundBytes = cache.memory.capacity
                if let disk = cache.disk {
                    snapshot.cache.diskBytes = disk.usage.bytes
                    snapshot.cache.diskBoundBytes = disk.capacity
                }
                return snapshot.json()
            }
        } catch {
            Log.warning("\(error); `logdumpfs status` will not reach this mount")
            return nil
        }
        do {
            let record = MountRecord(mountpoint: canonical, socket: socketPath, pid: pid)
            return StatusService(socket: socket, recordPath: try record.write(in: runDirectory))
        } catch {
            Log.warning("\(error); `logdumpfs status` will not find this mount")
            return StatusService(socket: socket, recordPath: nil)
        }
    }

    /// Removes the record and the socket.
    func stop() {
        if let recordPath { unlink(recordPath) }
        socket.stop()
    }
}
