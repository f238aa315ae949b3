/// One metric family of the Prometheus text format: a name, its help text, its type and its
/// samples (each a set of labels and a value).
///
/// Only gauges: every value Lethe exports is a state read at the end of a run (a count, a time,
/// an exit status), never a counter that a scraper differentiates.
public struct MetricFamily: Sendable, Equatable {
    /// The metric's type, as the `# TYPE` line names it.
    public enum Kind: String, Sendable {
        /// A value that can go up and down.
        case gauge
    }

    /// One sample: label pairs (name, value), in the order they are printed, and the value.
    public struct Sample: Sendable, Equatable {
        /// Label names and values; names match `[a-zA-Z_][a-zA-Z0-9_]*`, values are any text.
        public var labels: [Label]
        /// The sample's value.
        public var value: Double

        /// A sample of `value` with `labels`.
        public init(_ labels: [Label] = [], _ value: Double) { (self.labels, self.value) = (labels, value) }
    }

    /// One label: its name and value.
    public struct Label: Sendable, Equatable {
        /// The label's name (`[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`).
        public var name: String
        /// Any text; escaped when printed.
        public var value: String

        /// A label `name="value"`.
        public init(_ name: String, _ value: String) { (self.name, self.value) = (name, value) }
    }

    /// The metric's name (`[a-zA-Z_:][a-zA-Z0-9_:]*`).
    public var name: String
    /// What it measures, one line.
    public var help: String
    /// Its type.
    public var kind: Kind
    /// Its samples, in the order they are printed.
    public var samples: [Sample]

    /// A family; `name`, and every label name in `samples`, must be valid Prometheus names
    /// (they are constants of the caller: an invalid one is a programming error and traps).
    public init(_ name: String, help: String, kind: Kind = .gauge, samples: [Sample]) {
        precondition(PrometheusText.isMetricName(name), "invalid metric name \(name)")
        precondition(samples.allSatisfy { $0.labels.allSatisfy { PrometheusText.isLabelName($0.name) } }, "invalid label name in \(name)")
        (self.name, self.help, self.kind, self.samples) = (name, help, kind, samples)
    }

    /// A family of one sample without labels.
    public init(_ name: String, help: String, value: Double) {
        self.init(name, help: help, samples: [Sample([], value)])
    }
}
