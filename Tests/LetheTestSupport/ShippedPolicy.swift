import Foundation

/// The policy files shipped in `policies/`, read from the package.
public enum ShippedPolicy {
    /// The package's root folder.
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The text of `policies/default.yaml` (local and offsite): what in-process fixtures that
    /// inject an offsite store plan with, since `init` without offsite settings writes the
    /// local-only default.
    public static var defaultText: String {
        get throws { try String(contentsOf: packageRoot.appendingPathComponent("policies/default.yaml"), encoding: .utf8) }
    }
}
