import LogDump

/// `check --probe`'s output: a row per export with a problem or without a manifest size,
/// in manifest order, columns aligned, then one summary line.
///
///     EXPORT     MANIFEST  SERVER  VALIDATOR  RESULT
///     p1/s1/e2   1000      1024    "abc"      size mismatch: the manifest says 1000 bytes, the server 1024
///     p1/s1/e3   1000      -       -          missing: HTTP 404 CDC.0404: ...
///     3 exports probed: 1 as the manifest says, 1 size mismatch, 1 missing
struct ProbeTable {
    let findings: [ProbeFinding]

    init(_ findings: [ProbeFinding]) { self.findings = findings }

    var text: String {
        let rows = findings.filter { $0.isProblem || $0.entry.size == nil }.map(row)
        var lines: [String] = []
        if !rows.isEmpty {
            let header = ["EXPORT", "MANIFEST", "SERVER", "VALIDATOR", "RESULT"]
            let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max()! }
            for cells in [header] + rows {
                lines.append(zip(cells, widths).dropLast().map { $0.padding($1) }.joined(separator: "  ")
                             + "  " + cells.last!)
            }
        }
        lines.append(summary)
        return lines.joined(separator: "\n") + "\n"
    }

    private func row(_ finding: ProbeFinding) -> [String] {
        let key = finding.entry.key
        return ["\(key.projectID)/\(key.serverID)/\(key.exportID)",
                finding.entry.size.map(String.init) ?? "-",
                finding.serverSize.map(String.init) ?? "-",
                finding.validator.map { Self.quoted($0) } ?? "-",
                result(finding)]
    }

    private func result(_ finding: ProbeFinding) -> String {
        switch finding.verdict {
        case .ok:
            finding.serverSize == nil ? "no size in the manifest nor from the server" : "size from the server"
        case .sizeMismatch:
            "size mismatch: the manifest says \(finding.entry.size ?? 0) bytes, the server \(finding.serverSize ?? 0)"
        case .missing(let error):
            "missing: " + Self.quoted("\(error)")
        case .refused(let error):
            "refused: " + Self.quoted("\(error)")
        case .failed(let error):
            "unreachable or failing: " + Self.quoted("\(error)")
        }
    }

    private var summary: String {
        var counts: [(String, Int)] = [("as the manifest says", 0), ("size mismatch", 0), ("missing", 0),
                                       ("refused", 0), ("unreachable or failing", 0)]
        for finding in findings {
            switch finding.verdict {
            case .ok: counts[0].1 += 1
            case .sizeMismatch: counts[1].1 += 1
            case .missing: counts[2].1 += 1
            case .refused: counts[3].1 += 1
            case .failed: counts[4].1 += 1
            }
        }
        let parts = counts.filter { $0.1 > 0 }.map { "\($0.1) \($0.0)" }
        let noun = findings.count == 1 ? "export" : "exports"
        return "\(findings.count) \(noun) probed" + (parts.isEmpty ? "" : ": " + parts.joined(separator: ", "))
    }

    /// What the server sent, as text that cannot break the table or the terminal: control
    /// characters escaped, at most 200 characters.
    static func quoted(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if out.unicodeScalars.count >= 200 { return out + "..." }
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value):
                out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

extension String {
    /// Padded with spaces to `width` characters.
    func padding(_ width: Int) -> String {
        self + String(repeating: " ", count: max(0, width - count))
    }
}
