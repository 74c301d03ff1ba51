import ArgumentParser
import Foundation
import Glibc
import LogDump
import LogDumpCurl

/// How a command reaches CloudDC: where its credentials (a token, or access keys) come
/// from, and which CA to trust. Shared by `mount`, `check --probe`, `servers` and `export`.
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

    @Option(help: ArgumentHelp("A file of access keys: `ak = ...`, `sk = ...` lines, optionally `security_token` and `project_id`.",
                               valueName: "file"))
    var akSkFile: String?

    @Option(help: ArgumentHelp("A profile (section) of the SDK's credentials file other than [basic].", valueName: "name"))
    var credentialsProfile: String?

    @Option(help: ArgumentHelp("The instance metadata service (default \(CredentialOptions.defaultMetadataEndpoint), or LOGDUMPFS_METADATA_ENDPOINT).",
                               valueName: "url"))
    var metadataEndpoint: String?

    @Option(help: "A CA bundle (PEM) to trust for a private CA; TLS is always verified.")
    var caFile: String?

    var tokenOptions: TokenOptions {
        TokenOptions(file: tokenFile, command: tokenCommand, iamEndpoint: iamEndpoint, iamUser: iamUser,
                     iamDomain: iamDomain, iamProject: iamProject, iamPasswordFile: iamPasswordFile)
    }

    var credentialOptions: CredentialOptions {
        CredentialOptions(token: tokenOptions, accessKeyFile: akSkFile, credentialsProfile: credentialsProfile,
                          metadataEndpoint: metadataEndpoint)
    }

    /// The credential source the flags and the environment choose, checked (files read)
    /// without asking the network yet.
    func credentialChoice() throws(Preflight.Failure) -> CredentialOptions.Choice {
        let choice: CredentialOptions.Choice
        let environment = ProcessInfo.processInfo.environment
        do { choice = try credentialOptions.choice(environment: environment, home: environment["HOME"] ?? passwordHome()) } catch {
            throw Preflight.Failure(error.description)
        }
        if let caFile { try Preflight.checkReadable(caFile, what: "--ca-file") }
        return choice
    }
}

/// The home directory of the user running, from the password database.
private func passwordHome() -> String? {
    guard let entry = getpwuid(getuid()), let dir = entry.pointee.pw_dir else { return nil }
    return String(cString: dir)
}

/// The credential flags' help, for the discussion of each command that takes them.
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

    Or access keys (AK/SK) sign every request, from the first of:
      --ak-sk-file FILE    lines `ak = AK`, `sk = SK`, and optionally
                           `security_token = ...`, `project_id = ...`
                           (`#` starts a comment)
      --credentials-profile NAME
                           that [NAME] section of the SDK's credentials file
      HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (and, for temporary keys,
                           HUAWEICLOUD_SDK_SECURITY_TOKEN)
      the SDK's credentials file: HUAWEICLOUD_SDK_CREDENTIALS_FILE, else
                           ~/.huaweicloud/credentials; its [basic] section
                           (INI: `ak`, `sk`, `security_token`, `project_id`)
      the ECS instance metadata service (an ECS with an agency): temporary
                           keys, renewed before they expire and after a 401;
                           --metadata-endpoint URL says where it is
    A token source (a flag or LOGDUMPFS_TOKEN) and access keys given by a
    flag or HUAWEICLOUD_SDK_* variables are an error; an explicit token
    wins over the credentials file and the metadata service.
    HUAWEICLOUD_SDK_PROJECT_ID is accepted: each request is signed for its
    own project. The log says which source is used, never a secret.
    """
