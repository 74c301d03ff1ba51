/// The serial number the emulator gives each server, derived from its ID so that tests
/// know the file name a download of it carries in `Content-Disposition`.
public enum ServerSerial {
    /// `2102311TUVN` and nine digits of the ID's FNV-1a hash, like a real one.
    public static func of(server serverID: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in serverID.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        let digits = String(hash % 1_000_000_000)
        return "2102311TUVN" + String(repeating: "0", count: 9 - digits.count) + digits
    }

    /// `<serial>-dump.tar.gz`: the name CloudDC gives every download of the server's logs.
    public static func downloadName(server serverID: String) -> String {
        "\(of(server: serverID))-dump.tar.gz"
    }
}
