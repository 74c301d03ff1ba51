import Foundation

/// The servers every project has, and how their log exports behave: what the sibling
/// calls (server listing, export request and status) answer. Set by `EmulatorConfig.fleet`,
/// `Emulator.setFleet` and `PUT /_emulator/fleet`; the JSON keys are in `CodingKeys`.
public struct FleetConfig: Sendable, Equatable {
    /// How the export answers write `percentage`.
    public enum PercentageStyle: String, Sendable, CaseIterable {
        /// `"percentage": 30`
        case integer
        /// `"percentage": "30%"`, as the official SDK's model types it.
        case string
    }

    /// Servers per project, with deterministic ids, names and states
    /// (`FleetServers`). JSON `"servers_per_project"`; `--servers`.
    public var serversPerProject: Int = 25
    /// How long an export takes from its request to `completed`; its percentage advances
    /// with the time passed. 0: completed at once. JSON `"export_seconds"`.
    public var exportSeconds: Double = 3
    /// JSON `"percentage_style"`: `"integer"` or `"string"`.
    public var percentageStyle: PercentageStyle = .integer
    /// Exports requested from now on fail when their time is up (status `failed` with an
    /// `error_msg`) instead of completing. JSON `"fail_exports"`.
    public var failExports: Bool = false
    /// The incompressible payload of each completed export's archive, in bytes, so that
    /// an archive can be made large. JSON `"export_payload_bytes"`.
    public var exportPayloadBytes: Int = 0

    public init() {}

    /// The most servers a project may have.
    public static let maxServersPerProject = 100_000
}

extension FleetConfig: Codable {
    private enum CodingKeys: String, CodingKey, CaseIterable {
        case serversPerProject = "servers_per_project", exportSeconds = "export_seconds"
        case percentageStyle = "percentage_style", failExports = "fail_exports"
        case exportPayloadBytes = "export_payload_bytes"
    }

    /// Parses and checks a fleet; absent keys take their defaults. The error names the key.
    public init(json: Data) throws(InvalidFleetConfig) {
        self = try CheckedJSON.decode(FleetConfig.self, from: json, InvalidFleetConfig.init)
    }

    /// Every key, sorted: what GET /_emulator/fleet answers.
    public var json: String { CheckedJSON.encode(self) }

    public init(from decoder: Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        serversPerProject = try c.decodeWholeNumber(Int.self, forKey: .serversPerProject) ?? serversPerProject
        exportSeconds = try c.decodeIfPresent(Double.self, forKey: .exportSeconds) ?? exportSeconds
        if let name = try c.decodeIfPresent(String.self, forKey: .percentageStyle) {
            guard let style = PercentageStyle(rawValue: name) else {
                let styles = PercentageStyle.allCases.map(\.rawValue).joined(separator: ", ")
                throw InvalidFleetConfig("percentage_style: \(jsonQuoted(name)) is not one of \(styles)")
            }
            percentageStyle = style
        }
        failExports = try c.decodeIfPresent(Bool.self, forKey: .failExports) ?? failExports
        exportPayloadBytes = try c.decodeWholeNumber(Int.self, forKey: .exportPayloadBytes) ?? exportPayloadBytes
        if let problem = problems.first { throw InvalidFleetConfig(problem) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(serversPerProject, forKey: .serversPerProject)
        try c.encode(exportSeconds, forKey: .exportSeconds)
        try c.encode(percentageStyle.rawValue, forKey: .percentageStyle)
        try c.encode(failExports, forKey: .failExports)
        try c.encode(exportPayloadBytes, forKey: .exportPayloadBytes)
    }

    /// What is wrong with the values, in the order of the JSON keys.
    var problems: [String] {
        var found: [String] = []
        if !(0...Self.maxServersPerProject).contains(serversPerProject) {
            found.append("servers_per_project: \(serversPerProject) is not within 0...\(Self.maxServersPerProject)")
        }
        if !exportSeconds.isFinite || exportSeconds < 0 {
            found.append("export_seconds: \(exportSeconds) is not a number of seconds (0 or more)")
        }
        if exportPayloadBytes < 0 { found.append("export_payload_bytes: \(exportPayloadBytes) is negative") }
        return found
    }
}

/// Why a fleet was refused, in one line that names the key.
public struct InvalidFleetConfig: Error, CustomStringConvertible, Equatable {
    public let description: String

    init(_ description: String) { self.description = description }
}
