/// Keys read once at start, from the --ak-sk-file, the environment or a profile of the
/// SDK's credentials file: permanent keys, or temporary ones that someone else renews.
/// Its description is its origin: it never shows a secret.
public struct StaticAccessKeys: AccessKeyProvider, Equatable, CustomStringConvertible {
    public let origin: String
    public let keys: AccessKeys
    /// The project_id given with them, if any: a hint only, as each request is signed for
    /// its own project.
    public let projectID: String?

    public init(origin: String, keys: AccessKeys, projectID: String? = nil) {
        (self.origin, self.keys, self.projectID) = (origin, keys, projectID)
    }

    public var description: String { origin }

    public func currentKeys() throws(RemoteError) -> AccessKeys { keys }

    public func renewed(after rejected: AccessKeys) throws(RemoteError) -> AccessKeys? { nil }
}

extension StaticAccessKeys {
    /// The variables of the environment source.
    public static let akVariable = "HUAWEICLOUD_SDK_AK"
    public static let skVariable = "HUAWEICLOUD_SDK_SK"
    public static let securityTokenVariable = "HUAWEICLOUD_SDK_SECURITY_TOKEN"
    public static let projectVariable = "HUAWEICLOUD_SDK_PROJECT_ID"

    /// The keys HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK give (with the security token and
    /// project when set); nil when none of the three key variables is set. One without the
    /// other is an error naming the missing variable.
    public static func fromEnvironment(_ environment: [String: String]) throws(MountOptionError) -> StaticAccessKeys? {
        let value = { (name: String) in environment[name].map(\.trimmingSpace).flatMap { $0.isEmpty ? nil : $0 } }
        let (ak, sk, token) = (value(akVariable), value(skVariable), value(securityTokenVariable))
        guard ak != nil || sk != nil || token != nil else { return nil }
        guard let ak, let sk else {
            let missing = [(akVariable, ak == nil), (skVariable, sk == nil)].filter(\.1).map(\.0)
            let set = [(akVariable, ak != nil), (skVariable, sk != nil), (securityTokenVariable, token != nil)]
                .filter(\.1).map(\.0)
            throw MountOptionError("\(set.joined(separator: " and ")) set without \(missing.joined(separator: " and ")): "
                                   + "access keys from the environment need both \(akVariable) and \(skVariable)")
        }
        for (name, text) in [(akVariable, ak), (skVariable, sk), (securityTokenVariable, token ?? "")]
        where text.hasControlCharacters {
            throw MountOptionError("\(name) holds control characters")
        }
        let names = token == nil ? "\(akVariable) and \(skVariable)" : "\(akVariable), \(skVariable) and \(securityTokenVariable)"
        return StaticAccessKeys(origin: "the environment (\(names))",
                                keys: AccessKeys(accessKey: ak, secretKey: sk, securityToken: token),
                                projectID: value(projectVariable))
    }

    /// The keys of an --ak-sk-file: `ak`, `sk`, and optionally `security_token` and
    /// `project_id`, one `key = value` line each, without sections.
    public static func fromAccessKeyFile(_ file: CredentialFile) throws(CredentialFileError) -> StaticAccessKeys {
        if let section = file.sections.values.min(by: { $0.line < $1.line }) {
            throw CredentialFileError(file.path, line: section.line, "is a [section]: an --ak-sk-file has none "
                                      + "(for the SDK's credentials file, use --credentials-profile)")
        }
        let known: Set = ["ak", "sk", "security_token", "project_id"]
        if let unknown = file.topLevel.filter({ !known.contains($0.key) }).values.min(by: { $0.line < $1.line }) {
            throw CredentialFileError(file.path, line: unknown.line, "has an unknown key (expected ak, sk, security_token or project_id)")
        }
        return try keys(file.topLevel, from: file.path, at: nil, origin: "--ak-sk-file \(file.path.escapedForLog())")
    }

    /// The keys of profile `name` of the SDK's credentials file; nil when it has no such
    /// section. Keys the SDK knows and logdumpfs has no use for (domain_id, iam_endpoint)
    /// are ignored, as the SDK ignores what it does not know.
    public static func fromProfile(_ name: String, of file: CredentialFile) throws(CredentialFileError) -> StaticAccessKeys? {
        if let stray = file.topLevel.values.min(by: { $0.line < $1.line }) {
            throw CredentialFileError(file.path, line: stray.line, "is a key outside any [section]")
        }
        guard let section = file.sections[name] else { return nil }
        let settings = section.settings
        if settings["ak"] == nil && settings["sk"] == nil && settings["idp_id"] != nil {
            throw CredentialFileError(file.path, line: section.line, "starts profile [\(name.escapedForLog())], which uses a federated "
                                      + "identity (idp_id, id_token_file), which logdumpfs does not support: give ak and sk")
        }
        return try keys(settings, from: file.path, at: section.line,
                        origin: "profile \(name.quotedForLog()) of \(file.path.escapedForLog())")
    }

    private static func keys(_ settings: [String: CredentialFile.Setting], from path: String, at line: Int?,
                             origin: String) throws(CredentialFileError) -> StaticAccessKeys {
        for name in ["ak", "sk"] where settings[name] == nil {
            throw CredentialFileError(path, line: line, line == nil ? "has no \(name)" : "starts a profile without \(name)")
        }
        let filled = { (name: String) throws(CredentialFileError) -> String? in
            guard let setting = settings[name] else { return nil }
            guard !setting.value.isEmpty else { throw CredentialFileError(path, line: setting.line, "gives an empty \(name)") }
            return setting.value
        }
        let token = try filled("security_token")
        return StaticAccessKeys(origin: origin + (token == nil ? "" : " (temporary, with a security token)"),
                                keys: AccessKeys(accessKey: try filled("ak")!, secretKey: try filled("sk")!, securityToken: token),
                                projectID: try filled("project_id"))
    }
}
