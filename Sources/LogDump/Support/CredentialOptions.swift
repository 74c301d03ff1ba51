/// Where a command's credentials come from: a token source (TokenOptions), or access keys
/// from, in the SDK's order, the flags (--ak-sk-file, --credentials-profile), the
/// environment (HUAWEICLOUD_SDK_AK...), the SDK's credentials file, and the instance
/// metadata service. A token source and access keys given together are an error; what
/// counts as given is a flag or an environment variable, so that an ambient credentials
/// file or metadata service never breaks a token user: an explicit token wins over them.
/// Errors name flags, variables, files and lines, never a secret.
public struct CredentialOptions: Sendable, Equatable {
    public var token: TokenOptions
    public var accessKeyFile: String?
    public var credentialsProfile: String?
    public var metadataEndpoint: String?

    public static let credentialsFileVariable = "HUAWEICLOUD_SDK_CREDENTIALS_FILE"
    public static let metadataEndpointVariable = "LOGDUMPFS_METADATA_ENDPOINT"
    /// The SDK's: the link-local address ECS serves its metadata on.
    public static let defaultMetadataEndpoint = "http://169.254.169.254"
    public static let defaultProfile = "basic"

    public init(token: TokenOptions = TokenOptions(), accessKeyFile: String? = nil, credentialsProfile: String? = nil,
                metadataEndpoint: String? = nil) {
        (self.token, self.accessKeyFile, self.credentialsProfile, self.metadataEndpoint)
            = (token, accessKeyFile, credentialsProfile, metadataEndpoint)
    }

    public enum Source: Sendable, Equatable {
        case token(TokenOptions.Choice)
        /// Keys read already: from the --ak-sk-file, the environment or a profile.
        case keys(StaticAccessKeys)
        /// Temporary keys from the instance metadata service; `lookedAt` says what was
        /// found empty before it, for the error should it fail too.
        case metadata(Endpoint, lookedAt: [String])
    }

    public struct Choice: Sendable, Equatable {
        public var source: Source
        /// One for each secrets file that group or others may read.
        public var warnings: [String] = []
        /// The project the keys were given with (a file's project_id, else
        /// HUAWEICLOUD_SDK_PROJECT_ID), and where it was given. Each request is signed for
        /// its own project: this one only warrants a warning when it differs.
        public var project: (id: String, origin: String)? {
            if case .keys(let keys) = source, let id = keys.projectID { return (id, keys.origin) }
            if case .token = source { return nil }
            return environmentProject.map { ($0, StaticAccessKeys.projectVariable) }
        }
        var environmentProject: String?
    }

    /// The source the flags and `environment` choose; `home` locates the default
    /// credentials file. Reads the files it chooses from, and nothing from the network.
    public func choice(environment: [String: String], home: String?) throws(MountOptionError) -> Choice {
        var choice = try pick(environment: environment, home: home)
        choice.environmentProject = environment[StaticAccessKeys.projectVariable].map(\.trimmingSpace)
            .flatMap { $0.isEmpty ? nil : $0 }
        return choice
    }

    private func pick(environment: [String: String], home: String?) throws(MountOptionError) -> Choice {
        let endpoint = try metadata(environment)
        let tokenGiven = token.given(environment: environment)
        let flagKeys = [("--ak-sk-file", accessKeyFile), ("--credentials-profile", credentialsProfile)].filter { $0.1 != nil }
        let variables = Self.setVariables(environment)
        let keysGiven = flagKeys.map(\.0) + (variables.isEmpty ? [] : [variables])
        guard tokenGiven.isEmpty || keysGiven.isEmpty else {
            throw MountOptionError("give a token or access keys, not both: \(list(tokenGiven)) and \(list(keysGiven))")
        }
        if !tokenGiven.isEmpty { return Choice(source: .token(try token.choice(environment: environment))) }
        guard flagKeys.count < 2 else { throw MountOptionError("give --ak-sk-file or --credentials-profile, not both") }
        for (flag, value) in flagKeys where value!.allSatisfy(\.isWhitespace) { throw MountOptionError("\(flag) is empty") }
        if let accessKeyFile {
            return try reading("--ak-sk-file") { () throws(CredentialFileError) -> Choice in
                let (file, warning) = try CredentialFile.read(accessKeyFile)
                return Choice(source: .keys(try StaticAccessKeys.fromAccessKeyFile(file)), warnings: warning.map { [$0] } ?? [])
            }
        }
        let credentialsFile = Self.credentialsFile(environment: environment, home: home)
        if let credentialsProfile {
            guard let credentialsFile else {
                throw MountOptionError("--credentials-profile: no credentials file to read: set \(Self.credentialsFileVariable) or HOME")
            }
            guard let chosen = try profile(credentialsProfile, of: credentialsFile) else {
                throw MountOptionError("--credentials-profile \(credentialsProfile.quotedForLog()): "
                                       + "\(credentialsFile.escapedForLog()) has no [\(credentialsProfile.escapedForLog())] section")
            }
            return chosen
        }
        if let environmentKeys = try StaticAccessKeys.fromEnvironment(environment) {
            return Choice(source: .keys(environmentKeys))
        }
        var lookedAt = ["a token (--token-file, --token-command, --iam-* or \(TokenOptions.tokenVariable))",
                        "--ak-sk-file and --credentials-profile",
                        "\(StaticAccessKeys.akVariable) and \(StaticAccessKeys.skVariable)"]
        if let credentialsFile {
            if environment[Self.credentialsFileVariable].map({ !$0.isEmpty }) != true && !Self.exists(credentialsFile) {
                lookedAt.append("\(credentialsFile.escapedForLog()) (does not exist)")
            } else if let chosen = try profile(Self.defaultProfile, of: credentialsFile) {
                return chosen
            } else {
                lookedAt.append("\(credentialsFile.escapedForLog()) (no [\(Self.defaultProfile)] section)")
            }
        } else {
            lookedAt.append("no credentials file (neither \(Self.credentialsFileVariable) nor HOME is set)")
        }
        return Choice(source: .metadata(endpoint, lookedAt: lookedAt))
    }

    /// HUAWEICLOUD_SDK_CREDENTIALS_FILE, else ~/.huaweicloud/credentials; nil without either.
    static func credentialsFile(environment: [String: String], home: String?) -> String? {
        if let path = environment[credentialsFileVariable], !path.isEmpty { return path }
        guard let home, !home.isEmpty else { return nil }
        return (home.hasSuffix("/") ? home : home + "/") + ".huaweicloud/credentials"
    }

    private func profile(_ name: String, of path: String) throws(MountOptionError) -> Choice? {
        try reading("credentials file") { () throws(CredentialFileError) -> Choice? in
            let (file, warning) = try CredentialFile.read(path)
            guard let keys = try StaticAccessKeys.fromProfile(name, of: file) else { return nil }
            return Choice(source: .keys(keys), warnings: warning.map { [$0] } ?? [])
        }
    }

    /// --metadata-endpoint, else LOGDUMPFS_METADATA_ENDPOINT, else the SDK's address.
    private func metadata(_ environment: [String: String]) throws(MountOptionError) -> Endpoint {
        let (name, text) = metadataEndpoint.map { ("--metadata-endpoint", $0) }
            ?? environment[Self.metadataEndpointVariable].flatMap { $0.isEmpty ? nil : (Self.metadataEndpointVariable, $0) }
            ?? ("", Self.defaultMetadataEndpoint)
        guard let endpoint = Endpoint.parse(text) else {
            throw MountOptionError("\(name) \(Endpoint.redactingCredentials(text).escapedForLog()): "
                                   + "not an http(s) URL (no credentials, query or fragment)")
        }
        return endpoint
    }

    private func reading<T>(_ what: String, _ body: () throws(CredentialFileError) -> T) throws(MountOptionError) -> T {
        do { return try body() } catch { throw MountOptionError("\(what) \(error)") }
    }

    /// The key variables set, for an error: "HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK".
    private static func setVariables(_ environment: [String: String]) -> String {
        [StaticAccessKeys.akVariable, StaticAccessKeys.skVariable, StaticAccessKeys.securityTokenVariable]
            .filter { !(environment[$0] ?? "").trimmingSpace.isEmpty }.joined(separator: " and ")
    }

    private static func exists(_ path: String) -> Bool { FileIdentity(path: path) != nil }

    private func list(_ items: [String]) -> String { TokenOptions.list(items) }
}

extension TokenOptions {
    /// The token flags given, and LOGDUMPFS_TOKEN when set: what conflicts with access keys.
    func given(environment: [String: String]) -> [String] {
        let flags: [(String, String?)] = [
            ("--token-file", file), ("--token-command", command), ("--iam-endpoint", iamEndpoint), ("--iam-user", iamUser),
            ("--iam-domain", iamDomain), ("--iam-project", iamProject), ("--iam-password-file", iamPasswordFile),
        ]
        let variable = (environment[Self.tokenVariable] ?? "").trimmingSpace.isEmpty ? [] : [Self.tokenVariable]
        return flags.filter { $0.1 != nil }.map(\.0) + variable
    }
}
