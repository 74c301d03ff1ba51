import LogDump
import XCTest

final class CommandLineValueTests: XCTestCase {
    func testByteCounts() {
        XCTAssertEqual(ByteCount.parse("1048576"), 1_048_576)
        XCTAssertEqual(ByteCount.parse("512K"), 512 << 10)
        XCTAssertEqual(ByteCount.parse("512M"), 512 << 20)
        XCTAssertEqual(ByteCount.parse("20G"), 20 << 30)
        XCTAssertEqual(ByteCount.parse("1t"), 1 << 40)
        XCTAssertEqual(ByteCount.parse("256MiB"), 256 << 20)
        XCTAssertEqual(ByteCount.parse(" 64MB "), 64 << 20)
        for bad in ["", "M", "-1M", "1.5G", "12X", "0x10", "99999999999999999999G", "１M"] {
            XCTAssertNil(ByteCount.parse(bad), bad)
        }
    }

    func testMountOptions() throws {
        let defaults = Ownership(uid: 0, gid: 0)
        let options = try MountOptions.parse(["uid=1000,gid=100", "umask=027,allow_other,ro"], defaults: defaults)
        XCTAssertEqual(options.ownership, Ownership(uid: 1000, gid: 100, umask: 0o027))
        XCTAssertTrue(options.allowOther)
        XCTAssertEqual(try MountOptions.parse([], defaults: defaults), MountOptions(ownership: defaults))
    }

    func testBadMountOptionsNameTheOption() {
        let cases: [(String, String)] = [
            ("uid=abc", "-o uid=abc: not a number"),
            ("umask=999", "-o umask=999: not an octal number"),
            ("umask=1777", "-o umask=1777: must be at most 777 (octal)"),
            ("gid", "-o gid needs a value"),
            ("rw", "-o rw: unknown mount option"),
            ("x\u{1b}[2J" + String(repeating: "y", count: 100_000), #"-o x\e[2Jyyy"#),
        ]
        for (list, expected) in cases {
            XCTAssertThrowsError(try MountOptions.parse([list], defaults: Ownership(uid: 0, gid: 0)), list) { error in
                XCTAssertTrue("\(error)".hasPrefix(expected), "\(list.prefix(100)): \(String(describing: error).prefix(300))")
                XCTAssertLessThan("\(error)".utf8.count, 400, "\(list.prefix(100))")
            }
        }
    }
}

/// The token flags: exactly one source, IAM complete, errors that name the flags.
final class TokenOptionsTests: XCTestCase {
    private func options(_ configure: (inout TokenOptions) -> Void) -> TokenOptions {
        var options = TokenOptions()
        configure(&options)
        return options
    }

    private func iam(_ options: inout TokenOptions) {
        options.iamEndpoint = "https://iam.cn-east-3.myhuaweicloud.com/"
        options.iamUser = "backup"
        options.iamDomain = "acme"
        options.iamProject = "cn-east-3"
    }

    func testEachSourceIsChosen() throws {
        let none: [String: String] = [:]
        XCTAssertEqual(try TokenOptions().choice(environment: ["LOGDUMPFS_TOKEN": " tok \n"]), .environment("tok"))
        XCTAssertEqual(try options { $0.file = "/t" }.choice(environment: ["LOGDUMPFS_TOKEN": "tok"]), .file("/t"))
        XCTAssertEqual(try options { $0.command = "vault read" }.choice(environment: none), .command("vault read"))
        let login = try options { iam(&$0); $0.iamPasswordFile = "/p" }.choice(environment: none)
        guard case .iam(let chosen) = login else { return XCTFail("\(login)") }
        XCTAssertEqual(chosen.endpoint.url, "https://iam.cn-east-3.myhuaweicloud.com")
        XCTAssertEqual([chosen.user, chosen.domain, chosen.project], ["backup", "acme", "cn-east-3"])
        XCTAssertEqual(chosen.passwordFile, "/p")
        let fromEnvironment = try options(iam).choice(environment: ["LOGDUMPFS_IAM_PASSWORD": "pw"])
        guard case .iam(let viaVariable) = fromEnvironment else { return XCTFail("\(fromEnvironment)") }
        XCTAssertNil(viaVariable.passwordFile)
    }

    func testBadCombinationsNameTheFlags() {
        let password = ["LOGDUMPFS_IAM_PASSWORD": "pw"]
        let cases: [(TokenOptions, [String: String], String)] = [
            (TokenOptions(), [:], "no token: give --token-file PATH, --token-command CMD or the --iam-* flags, or set LOGDUMPFS_TOKEN"),
            (options { $0.file = "/t"; $0.command = "c" }, [:], "give one token source, not several: --token-file and --token-command"),
            (options { $0.command = "c"; $0.iamUser = "u" }, password, "give one token source, not several: --token-command and --iam-user"),
            (options { $0.file = "/t"; iam(&$0) }, password,
             "give one token source, not several: --token-file, --iam-endpoint, --iam-user, --iam-domain and --iam-project"),
            (options { $0.iamEndpoint = "https://iam.example.com" }, [:],
             "IAM login needs --iam-user, --iam-domain, --iam-project and a password (--iam-password-file FILE or LOGDUMPFS_IAM_PASSWORD) too"),
            (options { iam(&$0) }, [:], "IAM login needs a password (--iam-password-file FILE or LOGDUMPFS_IAM_PASSWORD) too"),
            (options { iam(&$0); $0.iamDomain = nil }, password, "IAM login needs --iam-domain too"),
            (options { iam(&$0); $0.iamEndpoint = "ftp://iam" }, password, "--iam-endpoint ftp://iam: not an http(s) URL"),
            (options { iam(&$0); $0.iamEndpoint = "https://user:hunter2@iam" }, password,
             "--iam-endpoint https://***@iam: not an http(s) URL (no credentials"),
            (options { iam(&$0); $0.iamUser = " " }, password, "--iam-user is empty"),
            (options { $0.command = "" }, [:], "--token-command is empty"),
        ]
        for (options, environment, expected) in cases {
            XCTAssertThrowsError(try options.choice(environment: environment), expected) { error in
                XCTAssertTrue("\(error)".hasPrefix(expected), "expected \"\(expected)\", got \"\(error)\"")
            }
        }
    }
}
