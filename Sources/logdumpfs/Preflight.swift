import Foundation
import Glibc
import LogDump
import LogDumpCurl

/// Checks made before mounting, so that a user gets one clear sentence instead of
/// libfuse's or the kernel's.
enum Preflight {
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    static func checkMountpoint(_ path: String) throws(Failure) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw Failure("mountpoint \(path.escapedForLog()): \(String(cString: strerror(errno))); create an empty directory there first")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw Failure("mountpoint \(path.escapedForLog()) is not a directory") }
        guard let dir = opendir(path) else {
            throw Failure("mountpoint \(path.escapedForLog()): cannot list it: \(String(cString: strerror(errno)))")
        }
        defer { closedir(dir) }
        if geteuid() != 0 && access(path, W_OK) != 0 {
            throw Failure("no permission to mount on \(path.escapedForLog()): fusermount3 needs you to have write access to it")
        }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." {
                throw Failure("mountpoint \(path.escapedForLog()) is not empty (it holds \(name.escapedForLog())); mount on an empty directory")
            }
        }
    }

    static func checkFuseDevice() throws(Failure) {
        guard access("/dev/fuse", F_OK) == 0 else {
            throw Failure("/dev/fuse does not exist: load the fuse module (modprobe fuse), or give the container the device (--device /dev/fuse)")
        }
        guard access("/dev/fuse", R_OK | W_OK) == 0 else {
            throw Failure("no permission to use /dev/fuse: run as a user allowed to (see fuse3's documentation) or as root")
        }
        if geteuid() != 0 && access("/bin/fusermount3", X_OK) != 0 {
            throw Failure("fusermount3 is missing: install the fuse3 package (apt-get install fuse3)")
        }
    }

    /// How requests are authenticated, as the flags choose: a missing token file, a
    /// failing command, IAM's refusal or a metadata service that gives no keys stops the
    /// command here, before it starts. Logs the source chosen, never a secret.
    static func authorizer(_ choice: CredentialOptions.Choice, curl: CurlOptions) throws(Failure) -> any RequestAuthorizer {
        for warning in choice.warnings { Log.warning(warning) }
        switch choice.source {
        case .token(let token):
            return TokenAuthorizer(try tokenSource(token, curl: curl))
        case .keys(let keys):
            Log.info("credentials: \(keys.keys) from \(keys.origin), signing every request")
            return AccessKeyAuthorizer(provider: keys)
        case .metadata(let endpoint, let lookedAt):
            let provider: MetadataAccessKeys
            do { provider = try MetadataAccessKeys(endpoint: endpoint, options: curl) } catch {
                throw Failure("no credentials: looked for \(lookedAt.joined(separator: ", ")), and asked the instance "
                              + "metadata service at \(endpoint) (\(error)). Give a token source or access keys: see --help")
            }
            Log.info("credentials: temporary access keys from \(provider.origin), renewed before they expire and after a 401")
            return AccessKeyAuthorizer(provider: provider)
        }
    }

    /// One warning when the project the keys came with is not one the command uses: the
    /// signature's X-Project-Id is each request's own project, not that one.
    static func warnAboutProject(of choice: CredentialOptions.Choice, using projects: Set<String>) {
        guard let project = choice.project, let other = projects.sorted().first(where: { $0 != project.id }) else { return }
        Log.warning("\(project.origin) gives project_id \(project.id.quotedForLog()), but project \(other.quotedForLog()) is used too: "
                    + "each request is signed for its own project, so that project_id is not used")
    }

    /// The token source the flags choose, holding its first token.
    private static func tokenSource(_ choice: TokenOptions.Choice, curl: CurlOptions) throws(Failure) -> any TokenSource {
        do throws(RemoteError) {
            switch choice {
            case .environment(let token):
                Log.info("token: from \(TokenOptions.tokenVariable) (not renewable)")
                return StaticToken(token)
            case .file(let path):
                if let warning = LooseSecretFile.warning(path, holding: "a token") { Log.warning(warning) }
                let source = try FileToken(path: absolute(path))
                Log.info("token: from \(source.path.escapedForLog()), read again when it changes and after a 401")
                return source
            case .command(let command):
                let source = try CommandToken(command: command)
                Log.info("token: from the command \(command.quotedForLog()), run again after a 401")
                return source
            case .iam(let login):
                let credentials = try iamCredentials(login)
                if let warning = EndpointCheck.cleartextWarning([login.endpoint], sending: "the IAM password") {
                    Log.warning(warning)
                }
                do throws(RemoteError) {
                    let source = try IAMTokenSource(credentials, options: curl)
                    Log.info("token: from \(credentials), renewed before it expires and after a 401")
                    return source
                } catch {
                    throw .tokenUnavailable("IAM login as \(credentials) failed: \(error)")
                }
            }
        } catch {
            throw Failure(error.description)
        }
    }

    /// The --iam-* flags with the password from --iam-password-file or
    /// LOGDUMPFS_IAM_PASSWORD. Errors name the file, never what it holds.
    private static func iamCredentials(_ login: TokenOptions.IAMLogin) throws(RemoteError) -> IAMCredentials {
        var password = ProcessInfo.processInfo.environment[TokenOptions.passwordVariable] ?? ""
        if let file = login.passwordFile {
            if let warning = LooseSecretFile.warning(file, holding: "a password") { Log.warning(warning) }
            do { password = try secretLine(file: file, option: "--iam-password-file", what: "password") } catch {
                throw .tokenUnavailable(error.description)
            }
        }
        return IAMCredentials(endpoint: login.endpoint, user: login.user, domain: login.domain,
                              project: login.project, password: password)
    }

    /// The one token the emulator accepts: from --token-file, else LOGDUMPFS_TOKEN.
    static func token(file: String?) throws(Failure) -> String {
        if let file { return try secretLine(file: file, option: "--token-file", what: "token") }
        if let token = ProcessInfo.processInfo.environment["LOGDUMPFS_TOKEN"]?
            .trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty {
            return token
        }
        throw Failure("no token: give --token-file PATH or set LOGDUMPFS_TOKEN")
    }

    /// A one-line secret (a token, a password) from a file; white space around it, such as
    /// the file's final newline, is not part of it. Never echoed.
    static func secretLine(file: String, option: String, what: String) throws(Failure) -> String {
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw Failure("\(option) \(file.escapedForLog()): cannot read it: \((error as NSError).localizedDescription)")
        }
        let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !secret.isEmpty else { throw Failure("\(option) \(file.escapedForLog()) is empty") }
        guard !secret.contains(where: { $0.isNewline || $0.asciiValue.map { $0 < 0x20 } == true }) else {
            throw Failure("\(option) \(file.escapedForLog()): the \(what) must be one line")
        }
        return secret
    }

    static func checkReadable(_ path: String, what: String) throws(Failure) {
        guard access(path, R_OK) == 0 else {
            throw Failure("\(what) \(path.escapedForLog()): \(String(cString: strerror(errno)))")
        }
    }
}
