/// The token flags of `mount`, checked before anything starts: exactly one source among
/// --token-file, --token-command and the --iam-* flags (complete), else LOGDUMPFS_TOKEN.
/// Errors name the flags; none ever holds a token or a password.
public struct TokenOptions: Sendable, Equatable {
    public var file: String?
    public var command: String?
    public var iamEndpoint: String?
    public var iamUser: String?
    public var iamDomain: String?
    public var iamProject: String?
    public var iamPasswordFile: String?

    public static let tokenVariable = "LOGDUMPFS_TOKEN"
    public static let passwordVariable = "LOGDUMPFS_IAM_PASSWORD"

    public init(file: String? = nil, command: String? = nil, iamEndpoint: String? = nil, iamUser: String? = nil,
                iamDomain: String? = nil, iamProject: String? = nil, iamPasswordFile: String? = nil) {
        (self.file, self.command, self.iamEndpoint, self.iamUser, self.iamDomain, self.iamProject, self.iamPasswordFile)
            = (file, command, iamEndpoint, iamUser, iamDomain, iamProject, iamPasswordFile)
    }

    /// Where the token comes from, as the flags (and environment) say.
    public enum Choice: Sendable, Equatable {
        /// LOGDUMPFS_TOKEN's value, trimmed: it cannot be renewed.
        case environment(String)
        case file(String)
        case command(String)
        case iam(IAMLogin)
    }

    /// The --iam-* flags, all given; the password is read from `passwordFile` when set,
    /// else taken from LOGDUMPFS_IAM_PASSWORD.
    public struct IAMLogin: Sendable, Equatable {
        public var endpoint: Endpoint
        public var user: String
        public var domain: String
        public var project: String
        public var passwordFile: String?
    }

    public func choice(environment: [String: String]) throws(MountOptionError) -> Choice {
        let iamFlags: [(String, String?)] = [
            ("--iam-endpoint", iamEndpoint), ("--iam-user", iamUser), ("--iam-domain", iamDomain),
            ("--iam-project", iamProject), ("--iam-password-file", iamPasswordFile),
        ]
        let iamGiven = iamFlags.filter { $0.1 != nil }.map(\.0)
        let sources = [file != nil, command != nil, !iamGiven.isEmpty].filter { $0 }.count
        guard sources <= 1 else {
            let given = (file != nil ? ["--token-file"] : []) + (command != nil ? ["--token-command"] : []) + iamGiven
            throw MountOptionError("give one token source, not several: \(Self.list(given)) (choose --token-file, --token-command or the --iam-* flags)")
        }
        for (flag, value) in iamFlags + [("--token-file", file), ("--token-command", command)] {
            if let value, value.allSatisfy(\.isWhitespace) { throw MountOptionError("\(flag) is empty") }
        }
        if let file { return .file(file) }
        if let command { return .command(command) }
        if !iamGiven.isEmpty { return .iam(try iamLogin(environment: environment)) }
        let token = (environment[Self.tokenVariable] ?? "").trimmingSpace
        guard !token.isEmpty else {
            throw MountOptionError("no token: give --token-file PATH, --token-command CMD or the --iam-* flags, or set \(Self.tokenVariable)")
        }
        return .environment(token)
    }

    private func iamLogin(environment: [String: String]) throws(MountOptionError) -> IAMLogin {
        let hasPassword = iamPasswordFile != nil || !(environment[Self.passwordVariable] ?? "").isEmpty
        let missing = [("--iam-endpoint", iamEndpoint == nil), ("--iam-user", iamUser == nil),
                       ("--iam-domain", iamDomain == nil), ("--iam-project", iamProject == nil),
                       ("a password (--iam-password-file FILE or \(Self.passwordVariable))", !hasPassword)]
            .filter(\.1).map(\.0)
        guard let iamEndpoint, let iamUser, let iamDomain, let iamProject, hasPassword else {
            throw MountOptionError("IAM login needs \(Self.list(missing)) too")
        }
        guard let endpoint = Endpoint.parse(iamEndpoint) else {
            let shown = Endpoint.redactingCredentials(iamEndpoint).escapedForLog()  // userinfo may hold a password
            throw MountOptionError("--iam-endpoint \(shown): not an http(s) URL (no credentials, query or fragment)")
        }
        return IAMLogin(endpoint: endpoint, user: iamUser, domain: iamDomain, project: iamProject,
                        passwordFile: iamPasswordFile)
    }

    /// "a", "a and b", "a, b and c".
    static func list(_ items: [String]) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " and " + items.last!
    }
}

extension String {
    /// Without leading and trailing whitespace and newlines.
    var trimmingSpace: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
