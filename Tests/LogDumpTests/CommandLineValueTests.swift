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
        ]
        for (list, expected) in cases {
            XCTAssertThrowsError(try MountOptions.parse([list], defaults: Ownership(uid: 0, gid: 0)), list) { error in
                XCTAssertTrue("\(error)".hasPrefix(expected), "\(list): \(error)")
            }
        }
    }
}
