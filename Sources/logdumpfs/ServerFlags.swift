import ArgumentParser
import Foundation
import LogDump
import LogDumpCurl

/// How a command reaches the download endpoint: where the X-Auth-Token comes from, and
/// which CA to trust. Shared by `mount` and `check --probe`.
struct ServerFlags: ParsableArguments {
    @Option(help: "A file holding the X-Auth-Token, read again when it changes.")
    var tokenFile: String?

    @Option(help: ArgumentHelp("A shell command that prints the X-Auth-Token, run again after a 401.",
                               valueName: "command"))
    var tokenCommand: String?

    @Option(help: ArgumentHelp("Huawei IAM, e.g. https://iam.cn-east-3.myhuaweicloud.com: tokens by password.",
                               valueName: "url"))
    var iamEndpoint: String?

    @Option(help: "The IAM user's name.")
    var iamUser: String?

    @Option(help: "The IAM user's domain (account) name.")
    var iamDomain: String?

    @Option(help: "The project the IAM token is scoped to, by name (e.g. cn-east-3).")
    var iamProject: String?

    @Option(help: "A file holding the IAM password (else LOGDUMPFS_IAM_PASSWORD is used).")
    var iamPasswordFile: String?

    @Option(help: "A CA bundle (PEM) to trust for a private CA; TLS is always verified.")
    var caFile: String?

    var tokenOptions: TokenOptions {
        TokenOptions(file: tokenFile, command: tokenCommand, iamEndpoint: iamEndpoint, iamUser: iamUser,
                     iamDomain: iamDomain, iamProject: iamProject, iamPasswordFile: iamPasswordFile)
    }

    /// The token source the flags choose, checked without getting a token yet.
    func tokenChoice() throws(Preflight.Failure) -> TokenOptions.Choice {
        let choice: TokenOptions.Choice
        do { choice = try tokenOptions.choice(environment: ProcessInfo.processInfo.environment) } catch {
            throw Preflight.Failure(error.description)
        }
        if let caFile { try Preflight.checkReadable(caFile, what: "--ca-file") }
        return choice
    }
}

/// The token flags' help, for the discussion of each command that takes them.
let tokenFlagsHelp = """
    The X-Auth-Token comes from one source, renewed without a remount:
      --token-file PATH    read again when the file changes, and after a 401
      --token-command CMD  run by /bin/sh -c at start and after a 401;
                           its output is the token
      --iam-endpoint URL --iam-user U --iam-domain D --iam-project P
                           and the password in --iam-password-file FILE
                           or LOGDUMPFS_IAM_PASSWORD: tokens from Huawei
                           IAM, renewed before they expire and after a 401
    With none of them, the environment variable LOGDUMPFS_TOKEN (never
    renewed). Tokens and passwords are never logged nor passed on a
    command line.
    """
