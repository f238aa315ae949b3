import LetheCore

/// What reading a copy gave, and which copy gave it.
struct CopyRead<T> {
    /// What the read produced.
    var value: T
    /// The copy read in the end.
    var copy: CopyRecord
    /// Why the offsite copy was read instead of the local one (the local copy is missing, or
    /// failed authentication); nil when the first copy was read.
    var fallback: String?
}
