/// One physical server of the emulated fleet, as the listing shows it.
struct FleetServer: Sendable, Equatable {
    var id: String
    var name: String
    var manageState: String
    var powerState: String
    var healthState: String
    var onboardTime: String

    /// The listing's object for this server in `project`: API.md's fields.
    func json(project: String) -> String {
        #"{"id": \#(jsonQuoted(id)), "name": \#(jsonQuoted(name)), "project_id": \#(jsonQuoted(project)), "#
            + #""domain_id": "emulated-domain", "manage_state": "\#(manageState)", "frozen_state": "unfrozen", "#
            + #""power_state": "\#(powerState)", "operation_state": "power-on-succeed", "health_state": "\#(healthState)", "#
            + #""onboard_time": "\#(onboardTime)", "location": {"dc": "emulated-dc", "rack": "R\#(name.suffix(2))", "unit": "U1"}, "#
            + #""hardware_attributes": {}, "tags": [], "error": null}"#
    }
}

/// The servers of every project, generated from the project id: the same project and
/// count always give the same ids, names and states, so tests can predict them.
enum FleetServers {
    /// The states `manage_state` may have (API.md), and so the filter's accepted values.
    static let manageStates = ["onboard", "os-ready", "ready", "in-use", "maintain", "offboarding"]
    static let powerStates = ["on", "off"]
    static let healthStates = ["OK", "Warning", "Critical"]

    /// `count` servers of `project`, ordered by id as the listing is.
    static func servers(of project: String, count: Int) -> [FleetServer] {
        var dice = SplitMix64(seed: fnv1a(project))
        return (0..<count).map { index in
            FleetServer(id: uuid(&dice), name: "node-" + String(index + 1).leftPadded(5),
                        manageState: manageStates[index % manageStates.count],
                        powerState: index % 7 == 3 ? "off" : "on",
                        healthState: healthStates[index % 11 == 5 ? 2 : index % 5 == 2 ? 1 : 0],
                        onboardTime: formatUTC(1_767_225_600 + index * 60, "%Y-%m-%dT%H:%M:%S+00:00"))
        }
        .sorted { $0.id < $1.id }
    }

    /// A random (version 4) UUID, lowercase, from the dice.
    private static func uuid(_ dice: inout SplitMix64) -> String {
        let hex = String(dice.next(), radix: 16).leftPadded(16) + String(dice.next(), radix: 16).leftPadded(16)
        var chars = Array(hex)
        chars[12] = "4"
        chars[16] = Array("89ab")[Int(String(chars[16]), radix: 16)! % 4]
        let s = String(chars)
        func part(_ a: Int, _ b: Int) -> Substring { s.dropFirst(a).prefix(b - a) }
        return [part(0, 8), part(8, 12), part(12, 16), part(16, 20), part(20, 32)].joined(separator: "-")
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
