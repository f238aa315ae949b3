import Foundation
@testable import LetheJobs
import LetheReport
import LetheTestSupport
import Testing

/// The HTML report as an auditor's browser shows it: Debian's `chromium`, headless, renders the
/// golden history's page; the DOM after layout holds the verdict and the timeline, and the
/// screenshot shows the chart (its overdue red, `#c0392b`, is on screen).
@Suite struct ReportBrowserTests {
    static let chromium = "/usr/bin/chromium"

    /// Runs chromium headless on `page` with `arguments` and returns its standard output.
    static func chromium(_ arguments: [String], page: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
                             "--hide-scrollbars"] + arguments + [page.absoluteString]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return text
    }

    /// How many pixels of the PNG at `file` have exactly the colour `rgb` (decoded by Python's
    /// zlib: 8-bit RGB or RGBA, not interlaced, as chromium writes them).
    static func pixels(of rgb: (Int, Int, Int), in file: URL) throws -> Int {
        let script = """
            import sys, zlib, struct
            data = open(sys.argv[1], 'rb').read()
            assert data[:8] == b'\\x89PNG\\r\\n\\x1a\\n'
            pos, idat, width = 8, b'', 0
            while pos < len(data):
                length, kind = struct.unpack('>I4s', data[pos:pos + 8])
                body = data[pos + 8:pos + 8 + length]
                if kind == b'IHDR':
                    width, height, depth, colour, _, _, interlace = struct.unpack('>IIBBBBB', body)
                    assert depth == 8 and colour in (2, 6) and interlace == 0
                    bpp = 3 if colour == 2 else 4
                if kind == b'IDAT': idat += body
                pos += 12 + length
            raw, stride = zlib.decompress(idat), width * bpp
            previous, count, target = bytearray(stride), 0, tuple(int(v) for v in sys.argv[2:5])
            for row in range(height):
                kind, line = raw[row * (stride + 1)], bytearray(raw[row * (stride + 1) + 1:(row + 1) * (stride + 1)])
                for i in range(stride):
                    a = line[i - bpp] if i >= bpp else 0
                    b = previous[i]
                    c = previous[i - bpp] if i >= bpp else 0
                    if kind == 1: line[i] = (line[i] + a) & 255
                    elif kind == 2: line[i] = (line[i] + b) & 255
                    elif kind == 3: line[i] = (line[i] + (a + b) // 2) & 255
                    elif kind == 4:
                        p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                        line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
                count += sum(1 for x in range(0, stride, bpp) if tuple(line[x:x + 3]) == target)
                previous = line
            print(count)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script, file.path, String(rgb.0), String(rgb.1), String(rgb.2)]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    @Test func chromiumRendersTheVerdictAndTheTimeline() throws {
        let fixture = try ReportFixture.golden()
        let report = try ReportJob(home: fixture.home()).build()
        let folder = try TemporaryDirectory()
        let page = folder.url.appendingPathComponent("report.html")
        try Data(report.html().utf8).write(to: page)

        let dom = try Self.chromium(["--dump-dom"], page: page)
        #expect(dom.contains("<section class=\"verdict bad\">"))
        #expect(dom.contains("1 copy overdue"))
        #expect(dom.contains("<svg class=\"timeline\""))
        #expect(dom.components(separatedBy: "<rect class=\"overdue\"").count - 1 == report.overdue.count)
        #expect(dom.contains("<text class=\"shred\""))

        let screenshot = folder.url.appendingPathComponent("report.png")
        _ = try Self.chromium(["--screenshot=\(screenshot.path)", "--window-size=1280,1000"], page: page)
        let png = try Data(contentsOf: screenshot)
        #expect(png.count > 10_000)
        // IHDR: width and height, big-endian, at bytes 16-23.
        #expect(png[16..<20].reduce(0) { $0 << 8 | Int($1) } == 1280)
        #expect(png[20..<24].reduce(0) { $0 << 8 | Int($1) } == 1000)
        // The timeline's bars are on screen: the due blue and the overdue red.
        #expect(try Self.pixels(of: (0x2c, 0x6f, 0xbb), in: screenshot) > 50)
        #expect(try Self.pixels(of: (0xc0, 0x39, 0x2b), in: screenshot) > 20)
    }
}
