import Foundation
import LetheCore

extension RetentionReport {
    /// One bar of the timeline: the copies one location still stores that share a delete-by day.
    struct TimelineBar: Equatable {
        /// The lane.
        let location: Location
        /// The delete-by day (days since 1970).
        let day: Int64
        /// The copies due that day; of them, the overdue ones and the shredded (not overdue) ones.
        var copies = 0, overdue = 0, shredded = 0
    }

    /// Stored copies (every state but deleted) per location and delete-by day, earliest first:
    /// what the timeline draws. A million copies fold into at most a few hundred bars.
    func timelineBars() -> [TimelineBar] {
        var lanes: [Location: [Int64: TimelineBar]] = [:]
        for copy in copies where copy.state != .deleted {
            let day = Int64((copy.deleteBy.timeIntervalSince1970 / 86_400).rounded(.down))
            var bar = lanes[copy.location]?[day] ?? TimelineBar(location: copy.location, day: day)
            bar.copies += 1
            if copy.isOverdue { bar.overdue += 1 } else if copy.state == .shredded { bar.shredded += 1 }
            lanes[copy.location, default: [:]][day] = bar
        }
        return lanes.values.flatMap(\.values).sorted { ($0.location.rawValue, $0.day) < ($1.location.rawValue, $1.day) }
    }

    /// The timeline section: an inline SVG (no script, nothing fetched) with one lane per
    /// location, a bar per delete-by day (height by number of copies: red overdue, grey shredded
    /// and unreadable, blue the rest), a line for the report's instant, and a mark per shred.
    func timelineSection(_ page: inout HTMLPage) {
        page.raw("<h2 id=\"timeline\">Delete-by timeline</h2>\n")
        let bars = timelineBars()
        guard let first = bars.map(\.day).min(), let last = bars.map(\.day).max() else {
            return page.raw("<p class=\"none\">No stored copies.</p>\n")
        }
        let today = Int64((generatedAt.timeIntervalSince1970 / 86_400).rounded(.down))
        let start = min(first, today) - 2, end = max(last, today) + 2
        let lanes = Array(Set(bars.map(\.location))).sorted { $0.rawValue < $1.rawValue }
        let width = 960.0, left = 70.0, right = 10.0, top = 24.0, laneHeight = 70.0, axis = 24.0
        let height = top + laneHeight * Double(lanes.count) + axis
        let dayWidth = (width - left - right) / Double(end - start + 1)
        func x(_ day: Int64) -> Double { left + Double(day - start) * dayWidth }
        let tallest = Double(bars.map(\.copies).max() ?? 1)

        page.raw("<p>Copies still stored, by delete-by date and location: <span class=\"key live\">due</span> <span class=\"key shredded\">shredded (unreadable)</span> <span class=\"key overdue\">overdue</span>; the dashed line is the report's instant, ✕ a shred.</p>\n")
        page.raw("<svg class=\"timeline\" viewBox=\"0 0 \(Self.number(width)) \(Self.number(height))\" width=\"100%\" role=\"img\" aria-labelledby=\"timeline-title\" xmlns=\"http://www.w3.org/2000/svg\">\n")
        page.raw("<title id=\"timeline-title\">Copies by delete-by date, \(HTMLPage.escape(Self.day(start + 2))) to \(HTMLPage.escape(Self.day(end - 2)))</title>\n")
        for (index, lane) in lanes.enumerated() {
            let base = top + laneHeight * Double(index + 1) - 4
            page.raw("<text class=\"lane\" x=\"4\" y=\"\(Self.number(base - laneHeight / 2))\">\(HTMLPage.escape(lane.rawValue))</text>\n")
            page.raw("<line class=\"base\" x1=\"\(Self.number(left))\" y1=\"\(Self.number(base))\" x2=\"\(Self.number(width - right))\" y2=\"\(Self.number(base))\"/>\n")
            for bar in bars where bar.location == lane {
                var y = base
                for (count, kind) in [(bar.copies - bar.overdue - bar.shredded, "live"), (bar.shredded, "shredded"), (bar.overdue, "overdue")] where count > 0 {
                    let h = max(2, (laneHeight - 12) * Double(count) / tallest)
                    y -= h
                    page.raw("<rect class=\"\(kind)\" x=\"\(Self.number(x(bar.day)))\" y=\"\(Self.number(y))\" width=\"\(Self.number(max(1.5, dayWidth - 0.5)))\" height=\"\(Self.number(h))\"><title>\(HTMLPage.escape(lane.rawValue)): \(count) \(kind == "live" ? "" : kind + " ")\(count == 1 ? "copy" : "copies") due \(Self.day(bar.day))</title></rect>\n")
                }
            }
        }
        let axisY = top + laneHeight * Double(lanes.count)
        for tick in Self.monthStarts(from: start, to: end, every: end - start > 1_100 ? 12 : (end - start > 400 ? 3 : 1))
        where x(tick) < width - right - 40 {
            page.raw("<text class=\"tick\" x=\"\(Self.number(x(tick)))\" y=\"\(Self.number(axisY + 16))\">\(Self.day(tick).prefix(7))</text>\n")
        }
        page.raw("<line class=\"today\" x1=\"\(Self.number(x(today)))\" y1=\"\(Self.number(top - 8))\" x2=\"\(Self.number(x(today)))\" y2=\"\(Self.number(axisY))\"><title>report instant \(Self.day(today))</title></line>\n")
        let shreds = erasures.map { Int64(($0.shreddedAt.timeIntervalSince1970 / 86_400).rounded(.down)) }
        for day in shreds where day >= start && day <= end {
            page.raw("<text class=\"shred\" x=\"\(Self.number(x(day)))\" y=\"\(Self.number(top - 6))\">✕<title>shred on \(Self.day(day))</title></text>\n")
        }
        page.raw("</svg>\n")
        let hidden = shreds.filter { $0 < start || $0 > end }.count
        if hidden > 0 { page.raw("<p class=\"none\">\(hidden) earlier \(hidden == 1 ? "shred falls" : "shreds fall") before the timeline and \(hidden == 1 ? "is" : "are") not marked.</p>\n") }
    }

    /// The CSS of the timeline (part of the page's one style sheet).
    static let timelineCSS = """
        svg.timeline { max-width: 960px; display: block; margin: .5rem 0 1rem; font-size: 11px; }
        svg.timeline rect.live, .key.live { fill: #2c6fbb; background: #2c6fbb; }
        svg.timeline rect.shredded, .key.shredded { fill: #8a9099; background: #8a9099; }
        svg.timeline rect.overdue, .key.overdue { fill: #c0392b; background: #c0392b; }
        svg.timeline line.base { stroke: #c9ced6; }
        svg.timeline line.today { stroke: #1f2933; stroke-dasharray: 4 3; }
        svg.timeline text.shred { fill: #b00020; text-anchor: middle; }
        svg.timeline text.tick { fill: #5b6574; }
        .key { color: #fff; padding: 0 .3rem; border-radius: 2px; font-size: .8rem; }

        """

    /// The first day of every `every`-th month from `start` to `end` (days since 1970).
    static func monthStarts(from start: Int64, to end: Int64, every: Int64) -> [Int64] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var parts = calendar.dateComponents([.year, .month], from: Date(timeIntervalSince1970: TimeInterval(start * 86_400)))
        var ticks: [Int64] = []
        while let date = calendar.date(from: parts) {
            let day = Int64(date.timeIntervalSince1970 / 86_400)
            if day > end { break }
            if day >= start { ticks.append(day) }
            parts.month = (parts.month ?? 1) + Int(every)
        }
        return ticks
    }

    /// "2026-11-30" for a day since 1970.
    static func day(_ day: Int64) -> String {
        String(Timestamp.iso(Date(timeIntervalSince1970: TimeInterval(day * 86_400))).prefix(10))
    }

    /// A coordinate with at most one decimal ("12.5", "40").
    static func number(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
