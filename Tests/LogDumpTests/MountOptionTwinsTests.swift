import LogDump
import XCTest

/// `-o` lists as mount(8) and fstab pass them: flag twins, FUSE options, generic options.
final class MountOptionTwinsTests: XCTestCase {
    private let twins = MountOptionTwins(flags: ["token-file": .option, "cache-size": .option,
                                                 "verbose": .flag, "max-connections": .option])

    func testTwinsBecomeFlagsWithDashesOrUnderscores() throws {
        XCTAssertEqual(try twins.expand(["mount", "m.json", "/mnt", "-o", "token_file=/x,cache-size=20G,allow_other,verbose"]),
                       ["mount", "m.json", "/mnt", "--token-file=/x", "--cache-size=20G", "--verbose", "-o", "allow_other"])
        XCTAssertEqual(try twins.expand(["mount", "m", "/mnt", "-omax_connections=4", "--verbose"]),
                       ["mount", "m", "/mnt", "--max-connections=4", "--verbose"])
        XCTAssertEqual(try twins.expand(["mount", "m", "/mnt", "-o", "uid=7", "-o", "allow-other,ro,umask=027"]),
                       ["mount", "m", "/mnt", "-o", "uid=7,allow_other,ro,umask=027"])
    }

    func testGenericMountOptionsAreDropped() throws {
        let generic = "ro,_netdev,nofail,noauto,auto,user,nouser,defaults,dev,nodev,suid,nosuid,exec,noexec,"
            + "x-systemd.automount,x-systemd.requires=network-online.target,comment=backup"
        XCTAssertEqual(try twins.expand(["mount", "m", "/mnt", "-o", generic]), ["mount", "m", "/mnt", "-o", "ro"])
    }

    func testArgumentsAfterDoubleDashStay() throws {
        XCTAssertEqual(try twins.expand(["mount", "--", "-o", "x"]), ["mount", "--", "-o", "x"])
    }

    func testBadOptionsAreNamed() {
        let cases: [(String, String)] = [
            ("ro,rw", "-o rw: logdumpfs is read-only; mount it with -o ro"),
            ("colour=red", "-o colour=red: unknown mount option"),
            ("token_file", "-o token_file needs a value"),
            ("cache-size=", "-o cache-size needs a value"),
            ("verbose=yes", "-o verbose=yes: verbose takes no value"),
            ("x\u{1b}[2J", #"-o x\e[2J: unknown mount option"#),
        ]
        for (list, expected) in cases {
            XCTAssertThrowsError(try twins.expand(["mount", "m", "/mnt", "-o", list]), list) { error in
                XCTAssertTrue("\(error)".hasPrefix(expected), "\(list): \(error)")
            }
        }
        XCTAssertThrowsError(try twins.expand(["mount", "m", "/mnt", "-o"])) { error in
            XCTAssertTrue("\(error)".hasPrefix("-o needs a list of options"), "\(error)")
        }
    }
}
