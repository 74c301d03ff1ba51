/// What the disk cache keeps about one export beside its blocks, in `export.json`: who
/// it is (checked against the directory's name), its size once known, and the validator
/// its blocks were fetched under.
struct ExportRecord: Codable, Equatable {
    var endpoint: String
    var projectID: String
    var serverID: String
    var exportID: String
    var blockSize: Int
    var size: UInt64?
    var validator: String?

    init(location: ExportLocation, blockSize: Int) {
        endpoint = location.endpoint.url
        projectID = location.key.projectID
        serverID = location.key.serverID
        exportID = location.key.exportID
        self.blockSize = blockSize
    }

    enum CodingKeys: String, CodingKey {
        case endpoint, size, validator
        case projectID = "project_id", serverID = "server_id", exportID = "export_id", blockSize = "block_size"
    }

    /// Endpoint, IDs and block size, NUL-separated (no part may contain NUL): blocks of
    /// another endpoint or block size are other blocks.
    var identity: String { [endpoint, projectID, serverID, exportID, String(blockSize)].joined(separator: "\0") }

    static func identity(of location: ExportLocation, blockSize: Int) -> String {
        ExportRecord(location: location, blockSize: blockSize).identity
    }
}
