import Foundation
@testable import LogDump
import XCTest

/// Which credential source the flags and environment choose, each alone and in conflict,
/// with an injected environment and a temp directory as home: never the real ~.
final class CredentialOptionsTests: TokenTestCase {
    private let keys = ["HUAWEICLOUD_SDK_AK": "ENVAK", "HUAWEICLOUD_SDK_SK": "env-secret"]

    private func write(_ text: String, to name: String, mode: mode_t = 0o600) throws -> String {
        let path = "\(directory)/\(name)"
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, mode)
        return path
    }

    private func choose(_ options: CredentialOptions = CredentialOptions(), _ environment: [String: String] = [:],
                        file: StaticString = #filePath, line: UInt = #line) throws -> CredentialOptions.Choice {
        try options.choice(environment: environment, home: directory)
    }

    private func keys(of choice: CredentialOptions.Choice, file: StaticString = #filePath,
                      line: UInt = #line) -> StaticAccessKeys? {
        guard case .keys(let keys) = choice.source else {
            XCTFail("expected access keys, got \(choice.source)", file: file, line: line)
            return nil
        }
        return keys
    }

    private func assertRefused(_ options: CredentialOptions, _ environment: [String: String] = [:], saying phrase: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try choose(options, environment), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(phrase), "expected \"\(phrase)\", got \"\(error)\"", file: file, line: line)
            XCTAssertFalse("\(error)".contains("secret"), "a secret in \"\(error)\"", file: file, line: line)
        }
    }

    private var basicFile: String {
        "# the SDK's file\n[basic]\nak = FILEAK\nsk = file-secret\nproject_id = p-file\n\n[other]\nAK: OTHERAK\nsk:other-secret\n"
    }

    func testEnvironmentAlone() throws {
        let chosen = try XCTUnwrap(keys(of: try choose(CredentialOptions(), keys.merging(["HUAWEICLOUD_SDK_PROJECT_ID": "p1"]) { $1 })))
        XCTAssertEqual(chosen.keys, AccessKeys(accessKey: "ENVAK", secretKey: "env-secret"))
        XCTAssertEqual(chosen.origin, "the environment (HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK)")
        XCTAssertEqual(chosen.projectID, "p1")
        let temporary = try XCTUnwrap(keys(of: try choose(CredentialOptions(), keys.merging(["HUAWEICLOUD_SDK_SECURITY_TOKEN": "st"]) { $1 })))
        XCTAssertEqual(temporary.keys.securityToken, "st")
    }

    func testAccessKeyFileAlone() throws {
        let path = try write("# keys\nak = FILEAK\nsk=file-secret\r\n; temporary\nsecurity_token = tok\nproject_id: p2\n", to: "keys")
        let choice = try choose(CredentialOptions(accessKeyFile: path))
        let chosen = try XCTUnwrap(keys(of: choice))
        XCTAssertEqual(chosen.keys, AccessKeys(accessKey: "FILEAK", secretKey: "file-secret", securityToken: "tok"))
        XCTAssertEqual(chosen.projectID, "p2")
        XCTAssertTrue(chosen.origin.hasPrefix("--ak-sk-file \(path)"), chosen.origin)
        XCTAssertEqual(choice.warnings, [])
        XCTAssertEqual(choice.project?.id, "p2")
    }

    func testCredentialsFileAloneTakesBasic() throws {
        _ = try write(basicFile, to: ".huaweicloud/credentials")
        let chosen = try XCTUnwrap(keys(of: try choose()))
        XCTAssertEqual(chosen.keys, AccessKeys(accessKey: "FILEAK", secretKey: "file-secret"))
        XCTAssertEqual(chosen.origin, "profile \"basic\" of \(directory)/.huaweicloud/credentials")
        XCTAssertEqual(chosen.projectID, "p-file")
    }

    func testCredentialsProfileAndVariable() throws {
        let path = try write(basicFile, to: "elsewhere")
        let variable = ["HUAWEICLOUD_SDK_CREDENTIALS_FILE": path]
        XCTAssertEqual(keys(of: try choose(CredentialOptions(), variable))?.keys.accessKey, "FILEAK")
        let other = try XCTUnwrap(keys(of: try choose(CredentialOptions(credentialsProfile: "other"), variable)))
        XCTAssertEqual(other.keys, AccessKeys(accessKey: "OTHERAK", secretKey: "other-secret"))
        assertRefused(CredentialOptions(credentialsProfile: "nope"), variable, saying: "has no [nope] section")
        assertRefused(CredentialOptions(credentialsProfile: "basic"), saying: "/.huaweicloud/credentials cannot be read")
        assertRefused(CredentialOptions(), ["HUAWEICLOUD_SDK_CREDENTIALS_FILE": "\(directory)/missing"],
                      saying: "credentials file \(directory)/missing cannot be read")
    }

    func testMetadataWhenNothingElse() throws {
        let choice = try choose()
        guard case .metadata(let endpoint, let lookedAt) = choice.source else { return XCTFail("\(choice.source)") }
        XCTAssertEqual(endpoint.url, "http://169.254.169.254")
        XCTAssertEqual(lookedAt, ["a token (--token-file, --token-command, --iam-* or LOGDUMPFS_TOKEN)",
                                  "--ak-sk-file and --credentials-profile", "HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK",
                                  "\(directory)/.huaweicloud/credentials (does not exist)"])
        _ = try write("[other]\nak = A\nsk = secret\n", to: ".huaweicloud/credentials")
        let flagged = try choose(CredentialOptions(metadataEndpoint: "http://127.0.0.1:9"),
                                 ["LOGDUMPFS_METADATA_ENDPOINT": "http://127.0.0.1:8", "HUAWEICLOUD_SDK_PROJECT_ID": "p3"])
        guard case .metadata(let chosen, let looked) = flagged.source else { return XCTFail("\(flagged.source)") }
        XCTAssertEqual(chosen.url, "http://127.0.0.1:9")
        XCTAssertEqual(looked.last, "\(directory)/.huaweicloud/credentials (no [basic] section)")
        XCTAssertEqual(flagged.project?.id, "p3")
        guard case .metadata(let variable, _) = try choose(CredentialOptions(), ["LOGDUMPFS_METADATA_ENDPOINT": "http://127.0.0.1:8"]).source
        else { return XCTFail() }
        XCTAssertEqual(variable.url, "http://127.0.0.1:8")
        assertRefused(CredentialOptions(metadataEndpoint: "ftp://x"), saying: "--metadata-endpoint ftp://x: not an http(s) URL")
    }

    /// Flags, then the environment, then the credentials file, then the metadata service.
    func testOrder() throws {
        _ = try write(basicFile, to: ".huaweicloud/credentials")
        let keyFile = try write("ak = FLAGAK\nsk = flag-secret\n", to: "keys")
        XCTAssertEqual(keys(of: try choose(CredentialOptions(accessKeyFile: keyFile), keys))?.keys.accessKey, "FLAGAK")
        XCTAssertEqual(keys(of: try choose(CredentialOptions(credentialsProfile: "other"), keys))?.keys.accessKey, "OTHERAK")
        XCTAssertEqual(keys(of: try choose(CredentialOptions(), keys))?.keys.accessKey, "ENVAK")
        XCTAssertEqual(keys(of: try choose())?.keys.accessKey, "FILEAK")
        // A flag wins over a half-set environment, which is never looked at then.
        XCTAssertEqual(keys(of: try choose(CredentialOptions(accessKeyFile: keyFile), ["HUAWEICLOUD_SDK_AK": "A"]))?.keys.accessKey,
                       "FLAGAK")
    }

    /// An explicit token wins over ambient keys (the credentials file, the metadata
    /// service); with explicit keys (a flag, a variable) it is an error naming both.
    func testTokenAndAccessKeys() throws {
        _ = try write(basicFile, to: ".huaweicloud/credentials")
        XCTAssertEqual(try choose(CredentialOptions(), ["LOGDUMPFS_TOKEN": "tok"]).source, .token(.environment("tok")))
        XCTAssertEqual(try choose(CredentialOptions(token: TokenOptions(file: "/t"))).source, .token(.file("/t")))
        assertRefused(CredentialOptions(token: TokenOptions(file: "/t")), keys,
                      saying: "give a token or access keys, not both: --token-file and HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK")
        assertRefused(CredentialOptions(accessKeyFile: "/k"), ["LOGDUMPFS_TOKEN": "tok"],
                      saying: "give a token or access keys, not both: LOGDUMPFS_TOKEN and --ak-sk-file")
        assertRefused(CredentialOptions(token: TokenOptions(command: "c"), credentialsProfile: "other"),
                      saying: "not both: --token-command and --credentials-profile")
        assertRefused(CredentialOptions(accessKeyFile: "/k", credentialsProfile: "p"),
                      saying: "give --ak-sk-file or --credentials-profile, not both")
    }

    func testHalfTheEnvironmentNamesWhatIsMissing() {
        assertRefused(CredentialOptions(), ["HUAWEICLOUD_SDK_AK": "A"],
                      saying: "HUAWEICLOUD_SDK_AK set without HUAWEICLOUD_SDK_SK")
        assertRefused(CredentialOptions(), ["HUAWEICLOUD_SDK_SK": "secret"],
                      saying: "HUAWEICLOUD_SDK_SK set without HUAWEICLOUD_SDK_AK")
        assertRefused(CredentialOptions(), ["HUAWEICLOUD_SDK_SECURITY_TOKEN": "secret"],
                      saying: "without HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK")
    }

    /// Each problem names the file and its line, never what the line holds.
    func testFileErrorsNameFileAndLine() throws {
        let cases: [(String, String)] = [
            ("ak = A\nsecret-value-alone\n", "line 2 is not `key = value`, a [section] or a comment"),
            ("ak = A\n[basic]\nsk = secret\n", "line 2 is a [section]: an --ak-sk-file has none"),
            ("ak = A\nsk = secret\nregion = secret\n", "line 3 has an unknown key"),
            ("ak = A\n", "has no sk"),
            ("ak = A\nsk =\n", "line 2 gives an empty sk"),
            ("ak = A\nak = secret\nsk = secret\n", "line 2 repeats a key"),
            ("ak = A\n  sk = secret\n", "line 2 is indented"),
            ("ak = A\nsk = sec\u{1}ret\n", "line 2 holds control characters"),
        ]
        for (index, (text, problem)) in cases.enumerated() {
            let path = try write(text, to: "keys\(index)")
            assertRefused(CredentialOptions(accessKeyFile: path), saying: "--ak-sk-file \(path) \(problem)")
        }
        let profileCases: [(String, String)] = [
            ("[basic]\nak = A\n", "line 1 starts a profile without sk"),
            ("ak = secret\n[basic]\n", "line 1 is a key outside any [section]"),
            ("[basic]\nak = A\n[basic]\n", "line 3 repeats the section [basic]"),
            ("[basic]\nidp_id = i\nid_token_file = /f\n", "line 1 starts profile [basic], which uses a federated identity"),
        ]
        for (text, problem) in profileCases {
            let path = try write(text, to: ".huaweicloud/credentials")
            assertRefused(CredentialOptions(), saying: "credentials file \(path) \(problem)")
        }
        assertRefused(CredentialOptions(accessKeyFile: "\(directory)/none"), saying: "--ak-sk-file \(directory)/none cannot be read")
    }

    func testLooseFileGetsOneWarning() throws {
        let loose = try write("ak = A\nsk = secret\n", to: "keys", mode: 0o644)
        let warnings = try choose(CredentialOptions(accessKeyFile: loose)).warnings
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings[0].contains(loose) && warnings[0].contains("mode 644"), "\(warnings)")
        _ = try write(basicFile, to: ".huaweicloud/credentials", mode: 0o640)
        XCTAssertEqual(try choose().warnings.count, 1)
        _ = try write(basicFile, to: ".huaweicloud/credentials", mode: 0o600)
        XCTAssertEqual(try choose().warnings, [])
    }
}
