import Foundation
import LogDump

/// Adds a completed export to the manifest: its size asked of the download endpoint
/// (left out when the server gives none or does not answer), its creation time and
/// server name as the follower learned them.
struct ExportKeeper: Sendable {
    let project: String
    let endpoint: Endpoint
    let update: ManifestUpdate
    let sizes: any ExportSource
    let probeTimeout: Duration

    func keep(_ export: FollowedExport) throws {
        guard let progress = export.progress else { return }
        let key = ExportKey(projectID: project, serverID: export.target.serverID, exportID: progress.exportID)
        let location = ExportLocation(endpoint: endpoint, key: key)
        let size = try? sizes.probeSize(location, timeout: probeTimeout)
        try update.add([ExportEntry(key: key, endpoint: endpoint, size: size ?? nil, createdAt: progress.createdAt,
                                    serverName: export.target.serverName)])
    }
}
