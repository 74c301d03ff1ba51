import Foundation

/// Plausible log files of a physical server, as a CloudDC log export holds them. The lines
/// only need to look real to someone browsing the mount; their content is never parsed.
enum SampleLogs {
    struct File {
        var name: String
        var text: String
    }

    /// The files of one export, whose lines run up to `end` (seconds since the epoch).
    static func files(serverID: String, endingAt end: Int, rng: inout SplitMix64) -> [File] {
        let host = "cdc-" + serverID.prefix(8)
        let lines = 150 + rng.below(600)
        return [
            File(name: "var/log/syslog", text: syslog(host: host, end: end, lines: lines, rng: &rng)),
            File(name: "var/log/kern.log", text: kernel(host: host, end: end, lines: lines / 2, rng: &rng)),
            File(name: "var/log/auth.log", text: auth(host: host, end: end, lines: lines / 4, rng: &rng)),
            File(name: "bmc/sel.log", text: sel(end: end, lines: 20 + rng.below(80), rng: &rng)),
            File(name: "dump_info/server_info.txt", text: """
                server_id=\(serverID)
                hostname=\(host)
                model=TaiShan 200 (Model 2280)
                bios_version=1.\(rng.below(90) + 10)
                bmc_version=3.\(rng.below(9)).\(rng.below(20)).\(rng.below(50))
                collected_at=\(formatUTC(end, "%Y-%m-%dT%H:%M:%SZ"))

                """),
        ]
    }

    /// Timestamps that rise towards `end`, a few seconds to minutes apart.
    private static func times(end: Int, count: Int, rng: inout SplitMix64) -> [Int] {
        var t = end
        var out: [Int] = []
        for _ in 0..<count {
            t -= 1 + rng.below(240)
            out.append(t)
        }
        return out.reversed()
    }

    private static func syslog(host: String, end: Int, lines: Int, rng: inout SplitMix64) -> String {
        let messages = [
            "systemd[1]: Started Session %d of user root.",
            "systemd[1]: Starting Daily apt download activities...",
            "systemd[1]: logrotate.service: Succeeded.",
            "CRON[%d]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)",
            "chronyd[%d]: Selected source 100.125.0.251",
            "dhclient[%d]: DHCPACK of 192.168.0.%d from 192.168.0.1",
            "rsyslogd: [origin software=\"rsyslogd\"] rsyslogd was HUPed",
            "snmpd[%d]: Connection from UDP: [100.125.%d.7]:161",
            "multipathd[%d]: sda: path checker ok",
        ]
        return times(end: end, count: lines, rng: &rng).map { t in
            "\(formatUTC(t, "%b %e %H:%M:%S")) \(host) \(fill(rng.pick(messages), &rng))\n"
        }.joined()
    }

    private static func kernel(host: String, end: Int, lines: Int, rng: inout SplitMix64) -> String {
        let messages = [
            "EXT4-fs (sda2): re-mounted. Opts: errors=remount-ro",
            "mlx5_core 0000:%d:00.0 enp%ds0f0: Link up",
            "hns3 0000:7d:00.%d eth%d: link up, speed 25Gbps, duplex full",
            "EDAC MC0: 1 CE memory read error on CPU_SrcID#0_MC#%d_Chan#%d_DIMM#0",
            "nvme nvme%d: I/O %d QID 5 timeout, completion polled",
            "perf: interrupt took too long (%d > 2500), lowering kernel.perf_event_max_sample_rate",
            "TCP: request_sock_TCP: Possible SYN flooding on port %d. Sending cookies.",
        ]
        var uptime = Double(rng.below(900_000))
        return times(end: end, count: lines, rng: &rng).map { t in
            uptime += Double(rng.below(200_000)) / 1000
            let stamp = String(Int(uptime)) + "." + String(100_000 + rng.below(900_000)).dropFirst()
            return "\(formatUTC(t, "%b %e %H:%M:%S")) \(host) kernel: [\(stamp)] \(fill(rng.pick(messages), &rng))\n"
        }.joined()
    }

    private static func auth(host: String, end: Int, lines: Int, rng: inout SplitMix64) -> String {
        let messages = [
            "sshd[%d]: Accepted publickey for root from 10.%d.3.14 port %d ssh2",
            "sshd[%d]: pam_unix(sshd:session): session opened for user root(uid=0) by (uid=0)",
            "sshd[%d]: Disconnected from user root 10.%d.3.14 port %d",
            "sudo: ops : TTY=pts/%d ; PWD=/home/ops ; USER=root ; COMMAND=/usr/bin/systemctl status",
        ]
        return times(end: end, count: lines, rng: &rng).map { t in
            "\(formatUTC(t, "%b %e %H:%M:%S")) \(host) \(fill(rng.pick(messages), &rng))\n"
        }.joined()
    }

    /// The BMC's System Event Log, in `ipmitool sel list` layout.
    private static func sel(end: Int, lines: Int, rng: inout SplitMix64) -> String {
        let events = [
            "Temperature CPU%d_Temp | Upper Non-critical going high | Asserted",
            "Temperature CPU%d_Temp | Upper Non-critical going high | Deasserted",
            "Power Supply PS%d_Status | Power Supply AC lost | Asserted",
            "Power Supply PS%d_Status | Power Supply AC lost | Deasserted",
            "Fan FAN%d_Speed | Lower Critical going low | Asserted",
            "Memory DIMM%d | Correctable ECC | Asserted",
            "System Event BMC_Boot | Timestamp Clock Sync | Asserted",
        ]
        var id = 0
        return times(end: end, count: lines, rng: &rng).map { t in
            id += 1
            let hex = String(id, radix: 16)
            let padded = String(repeating: " ", count: max(0, 4 - hex.count)) + hex
            return "\(padded) | \(formatUTC(t, "%m/%d/%Y | %H:%M:%S")) | \(fill(rng.pick(events), &rng))\n"
        }.joined()
    }

    /// Replaces each `%d` with a small number.
    private static func fill(_ template: String, _ rng: inout SplitMix64) -> String {
        var parts = template.components(separatedBy: "%d")
        var out = parts.removeFirst()
        for part in parts { out += String(1 + rng.below(60_000) % (rng.below(2) == 0 ? 9 : 60_000)) + part }
        return out
    }
}
